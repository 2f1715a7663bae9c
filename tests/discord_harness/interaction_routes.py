"""Interaction responses and their webhook: ``/interactions/{id}/{token}/callback`` and
``/webhooks/{application_id}/{token}[/messages/{id|@original}]``.

Callback types: 4 send a message, 5 deferred ("thinking"), 6 deferred update of the
component's message, 7 update the component's message, 8 autocomplete choices, 9 modal.
discord.py posts with ``?with_response=1`` and reads back
``{"interaction": {id, type, response_message_id, ...}, "resource": {type, message}}``;
it stores a view under ``response_message_id``, so later clicks must carry that message id.
An interaction is answered once (a second callback is ``40060``); followups and
``@original`` exist only after the first answer. A followup is always a new message: after a
deferral, only editing ``@original`` replaces "thinking..." (strict on purpose: whether
Discord folds the first followup into the deferred message is not something to rely on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import limits, payloads
from .responses import (
    INTERACTION_ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    empty_response,
    error_response,
    json_response,
    read_body,
    refusal,
)
from .store import EPHEMERAL_FLAG, LOADING_FLAG, InteractionRecord

if TYPE_CHECKING:
    from .server import FakeDiscord

CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9


def add_routes(app: web.Application, server: FakeDiscord, prefix: str) -> None:
    api = InteractionApi(server)
    webhook = "/webhooks/{app_id}/{token}"
    for method, path, handler in [
        ("POST", "/interactions/{interaction_id}/{token}/callback", api.callback),
        ("POST", webhook, api.followup),
        ("GET", webhook + "/messages/{message_id}", api.get_message),
        ("PATCH", webhook + "/messages/{message_id}", api.edit_message),
        ("DELETE", webhook + "/messages/{message_id}", api.delete_message),
    ]:
        app.router.add_route(method, prefix + path, handler)


class InteractionApi:
    def __init__(self, server: FakeDiscord) -> None:
        self.world = server.world
        self.store = server.store

    async def callback(self, request: web.Request) -> web.Response:
        body, files = await read_body(request)
        record = self.store.interactions.get(request.match_info["token"])
        if record is None or str(record.id) != request.match_info["interaction_id"]:
            return error_response(404, "Unknown interaction", UNKNOWN_INTERACTION)
        if record.response_type is not None:
            return error_response(400, "Interaction has already been acknowledged.",
                                  INTERACTION_ALREADY_ACKNOWLEDGED)
        kind, data = (body or {}).get("type"), (body or {}).get("data") or {}
        refused = refusal(lambda: self._check(kind, data, record, bool(files)))
        if refused is not None:
            return refused
        record.response_type, record.response_data = kind, data
        message = None
        if kind == CHANNEL_MESSAGE:
            message = self._create(record, data, files)
            record.original_id = int(message["id"])
        elif kind == DEFERRED_MESSAGE:
            flags = int(data.get("flags") or 0) | LOADING_FLAG
            message = self._create(record, {"content": "", "flags": flags}, [])
            record.original_id = int(message["id"])
        elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            record.original_id = record.message_id
            if kind == UPDATE_MESSAGE:
                message = self.store.edit(record.message_id, data, files)
        if "with_response" not in request.query:
            return empty_response()
        return json_response(self._callback_body(record, kind, message))

    def _check(self, kind: int, data: dict, record: InteractionRecord, has_files: bool,
               ) -> list[limits.Problem]:
        if kind == CHANNEL_MESSAGE:
            return limits.check_message(data, has_files=has_files)
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and record.message_id is None:
            return [limits.Problem("type", f"Type {kind} needs a component interaction.")]
        if kind == UPDATE_MESSAGE:
            return limits.check_message(data, editing=True)
        if kind == AUTOCOMPLETE_RESULT:
            return limits.check_choices(data)
        if kind == MODAL:
            return limits.check_modal(data)
        if kind != DEFERRED_MESSAGE:
            return [limits.Problem("type", f"Unsupported interaction callback type {kind}.")]
        return []

    def _callback_body(self, record: InteractionRecord, kind: int, message: dict | None,
                       ) -> dict:
        interaction = {"id": str(record.id), "type": record.type,
                       "response_message_loading": kind == DEFERRED_MESSAGE,
                       "response_message_ephemeral": bool(
                           int((message or {}).get("flags") or 0) & EPHEMERAL_FLAG)}
        if record.original_id is not None:
            interaction["response_message_id"] = str(record.original_id)
        resource: dict = {"type": kind}
        if message is not None:
            resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    def _create(self, record: InteractionRecord, body: dict, files: list) -> dict:
        metadata = {"id": str(record.id), "type": record.type,
                    "user": payloads.user_payload(record.user),
                    "authorizing_integration_owners":
                        record.payload["authorizing_integration_owners"]}
        return self.store.create_from_bot(
            record.channel, body, files, webhook_id=str(self.world.application_id),
            application_id=str(self.world.application_id), interaction_metadata=metadata,
        )

    def _webhook_record(self, request: web.Request) -> InteractionRecord | None:
        record = self.store.interactions.get(request.match_info["token"])
        app_ok = request.match_info["app_id"] == str(self.world.application_id)
        return record if app_ok and record and record.response_type is not None else None

    def _message_id(self, request: web.Request, record: InteractionRecord) -> int | None:
        message_id = request.match_info["message_id"]
        return record.original_id if message_id == "@original" else int(message_id)

    async def followup(self, request: web.Request) -> web.Response:
        body, files = await read_body(request)
        record = self._webhook_record(request)
        if record is None:
            return error_response(404, "Unknown Webhook", UNKNOWN_WEBHOOK)
        refused = refusal(lambda: limits.check_message(body, has_files=bool(files)))
        if refused is not None:
            return refused
        message = self._create(record, body or {}, files)
        wait = request.query.get("wait", "").lower() in ("true", "1")
        return json_response(message) if wait else empty_response()

    async def get_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message_id = record and self._message_id(request, record)
        message = self.store.get(message_id) if message_id else None
        if message is None:
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        body, files = await read_body(request)
        record = self._webhook_record(request)
        message_id = record and self._message_id(request, record)
        refused = refusal(lambda: limits.check_message(body, editing=True))
        if refused is not None:
            return refused
        message = self.store.edit(message_id, body or {}, files) if message_id else None
        if message is None:
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message_id = record and self._message_id(request, record)
        if not message_id or not self.store.delete(message_id):
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return empty_response()
