"""``FakeDiscord``: a local Discord-compatible server (REST under ``/api/v10`` + gateway).

Point discord.py at it with the two settings a production bot uses for a proxy (the
``fake_discord`` fixture does this and undoes it)::

    discord.http.Route.BASE = server.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)

Every REST call is recorded in order (``server.requests``); tests wait on them with
``await server.wait_for_request("POST", "/channels/*/messages")``. Unknown routes answer 404
and are listed in ``server.unknown_requests``.

Responses are built as Discord writes them (see :mod:`.responses`); a 429 is retried by
discord.py only when the response has a ``Via`` header, so injected 429s carry one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from . import routes
from .gateway import Gateway
from .recorder import DEFAULT_TIMEOUT, RecordedRequest, Recorder, route_matches
from .responses import error_response, json_response, payload_of, read_body
from .store import MessageStore
from .world import FakeFile, World, new_id

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
DEFAULT_TOKEN = "fake-bot-token"
UNKNOWN_ROUTE_HEADER = "X-Fake-Discord-Unknown-Route"
DROP_HEADER = "X-Fake-Discord-Drop-Connection"
DROP_CONNECTION = 0  # a fault "status": close the connection instead of answering
UNAUTHENTICATED = re.compile(r"^/(interactions|webhooks)/")


@dataclass
class Fault:
    """Answer the next ``times`` matching requests with ``status`` instead of handling them."""

    method: str
    pattern: str
    status: int
    times: int
    retry_after: float
    code: int
    message: str

    def response(self) -> web.Response:
        if self.status == DROP_CONNECTION:
            response = web.Response(status=500)  # never sent: the connection is closed
            response.headers[DROP_HEADER] = "1"
            return response
        if self.status == 429:
            headers = {
                "Via": "1.1 google", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(self.retry_after), "X-RateLimit-Scope": "user",
                "Retry-After": str(self.retry_after),
            }
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after,
                    "global": False, "code": 0}
            return json_response(body, 429, headers)
        return error_response(self.status, self.message, self.code)


class FakeDiscord:
    """The fake Discord. ``await start()`` binds 127.0.0.1 on a random port."""

    def __init__(self, world: World | None = None, *, token: str = DEFAULT_TOKEN) -> None:
        self.world = world or World.default()
        self.token = token
        self.recorder = Recorder()
        self.store = MessageStore(self.world)
        self.gateway = Gateway(self.world, self.recorder, token=lambda: self.token,
                               url=lambda: self.gateway_url)
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None = global)
        self.forbidden_channels: set[int] = set()
        self.uploads: dict[int, FakeFile] = {}
        self.faults: list[Fault] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/ws", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{filename}", self._serve_upload)
        routes.add_routes(app, self, API_PREFIX)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown_route)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.drop_connections(code=1001)
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    # -- test controls -------------------------------------------------------------------

    def upload(self, filename: str, data: bytes, *,
               content_type: str = "application/octet-stream") -> FakeFile:
        """A file for an attachment option; the bot downloads it from this server."""
        file_id = new_id()
        url = f"http://127.0.0.1:{self.port}/attachments/{file_id}/{quote(filename, safe='')}"
        upload = FakeFile(file_id, filename, data, url, content_type)
        self.uploads[file_id] = upload
        return upload

    async def _serve_upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(int(request.match_info["id"]))
        if upload is None:
            return web.Response(status=404)
        return web.Response(body=upload.data, content_type=upload.content_type)

    def forbid(self, channel_id: int) -> None:
        """Sending to this channel answers 403 Missing Permissions (code 50013)."""
        self.forbidden_channels.add(int(channel_id))

    def fail_next(self, method: str, pattern: str, *, status: int = 429, times: int = 1,
                  retry_after: float = 0.01, code: int = 0, message: str = "Injected fault",
                  ) -> None:
        """Answer the next ``times`` matching calls with ``status``. 429s carry
        ``retry_after`` and a ``Via`` header, so discord.py sleeps and retries; note 500, 502,
        504 are retried too, but after 1-9 s sleeps (prefer 503 for fast tests).
        ``status=0`` (``DROP_CONNECTION``) closes the connection without answering, as a
        network failure would: the client sees the server disconnect (recorded as status 0)."""
        self.faults.append(Fault(method, pattern, status, times, retry_after, code, message))

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a gateway event to the connected bot(s)."""
        await self.gateway.dispatch(event, data)

    async def request_reconnect(self) -> None:
        """Gateway op 7 RECONNECT: the bot reconnects to ``resume_gateway_url`` and RESUMEs."""
        await self.gateway.request_reconnect()

    async def drop_connections(self, code: int = 4000) -> None:
        await self.gateway.drop_connections(code)

    # -- what the bot did ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    def mark(self) -> int:
        return self.recorder.mark()

    def find_requests(self, method: str = "*", pattern: str = "*", *, since: int = 0,
                      ) -> list[RecordedRequest]:
        return self.recorder.find(method, pattern, since=since)

    async def wait_for_request(self, method: str, pattern: str, *, since: int = 0,
                               timeout: float = DEFAULT_TIMEOUT,
                               where: Callable[[RecordedRequest], bool] | None = None,
                               ) -> RecordedRequest:
        """The first matching request at or after ``since`` (a ``mark()``); fails the test
        with what the bot did instead after ``timeout``."""
        return await self.recorder.wait_for_request(method, pattern, since=since,
                                                    timeout=timeout, where=where)

    async def expect_no_request(self, method: str, pattern: str, *, since: int = 0,
                                within: float = 0.1) -> None:
        await self.recorder.expect_no_request(method, pattern, since=since, within=within)

    async def wait_for_gateway_op(self, op: int, *, since: int = 0,
                                  timeout: float = DEFAULT_TIMEOUT) -> Any:
        return (await self.recorder.wait_for_frame(op, since=since, timeout=timeout)).data

    # -- request plumbing ----------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX):]
        body, files = await read_body(request)
        # (not ``or``: an aiohttp response is a mapping, and an empty one is falsy)
        response = self._take_fault(request.method, path)
        if response is None:
            response = self._check_auth(request, path)
        if response is None:
            response = await self._handle(handler, request)
        dropped = bool(response.headers.get(DROP_HEADER))
        record = await self.recorder.add_request(
            method=request.method, path=path, query=dict(request.query), body=body,
            status=DROP_CONNECTION if dropped else response.status,
            response=None if dropped else payload_of(response),
            files=tuple(name for name, _ in files),
        )
        if dropped and request.transport is not None:
            request.transport.close()
        if response.headers.get(UNKNOWN_ROUTE_HEADER):
            self.unknown_requests.append(record)
        return response

    async def _handle(self, handler: Any, request: web.Request) -> web.StreamResponse:
        """Run a route; a crash in the fake answers 400 (a 5xx would make discord.py retry
        for seconds) and is logged at ERROR, which the error-log guard reports."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return error_response(exc.status, exc.reason)
        except Exception as exc:
            log.exception("FakeDiscord failed on %s %s", request.method, request.path)
            return error_response(400, f"FakeDiscord internal error: {exc!r}")

    def _take_fault(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and route_matches(fault.method, fault.pattern, method, path):
                fault.times -= 1
                return fault.response()
        return None

    def _check_auth(self, request: web.Request, path: str) -> web.Response | None:
        if UNAUTHENTICATED.match(path):
            return None
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return error_response(401, "401: Unauthorized")
        return None

    async def _unknown_route(self, request: web.Request) -> web.Response:
        response = error_response(404, "404: Not Found (no such route in FakeDiscord)")
        response.headers[UNKNOWN_ROUTE_HEADER] = "1"
        return response
