"""REST routes of ``FakeDiscord``: login, command sync, channels and messages, DMs.

Interaction callbacks and webhooks live in :mod:`.interaction_routes`; opening and joining
threads in :mod:`.threads`. A thread is a channel here: ``GET /channels/{thread_id}`` and
``POST /channels/{thread_id}/messages`` (a reply in a thread) work as for any channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import interaction_routes, limits, payloads, threads
from .responses import (
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    empty_response,
    error_response,
    json_response,
    read_body,
    refusal,
)
from .world import FakeChannel, new_id

if TYPE_CHECKING:
    from .server import FakeDiscord

def add_routes(app: web.Application, server: FakeDiscord, prefix: str) -> None:
    api = RestApi(server)
    for method, path, handler in [
        ("GET", "/gateway", api.get_gateway),
        ("GET", "/gateway/bot", api.get_gateway),
        ("GET", "/users/@me", api.get_me),
        ("POST", "/users/@me/channels", api.create_dm),
        ("GET", "/users/{user_id}", api.get_user),
        ("GET", "/oauth2/applications/@me", api.get_application),
        ("GET", "/applications/@me", api.get_application),
        ("GET", "/applications/{app_id}/commands", api.get_commands),
        ("PUT", "/applications/{app_id}/commands", api.put_commands),
        ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", api.get_commands),
        ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", api.put_commands),
        ("GET", "/channels/{channel_id}", api.get_channel),
        ("POST", "/channels/{channel_id}/messages", api.create_message),
        ("GET", "/channels/{channel_id}/messages/{message_id}", api.get_message),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", api.edit_message),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", api.delete_message),
        ("POST", "/channels/{channel_id}/typing", api.no_content),
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
         api.no_content),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
         api.no_content),
    ]:
        app.router.add_route(method, prefix + path, handler)
    interaction_routes.add_routes(app, server, prefix)
    threads.add_routes(app, server, prefix)


class RestApi:
    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world
        self.store = server.store

    # -- login ---------------------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.server.gateway_url, "shards": 1,
                              "session_start_limit": limit})

    async def get_me(self, request: web.Request) -> web.Response:
        return json_response(payloads.user_payload(self.world.bot))

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.world.find_user(int(request.match_info["user_id"]))
        if user is None:
            return error_response(404, "Unknown User", UNKNOWN_USER)
        return json_response(payloads.user_payload(user))

    async def get_application(self, request: web.Request) -> web.Response:
        owner = self.world.find_user(self.world.guild.owner_id) or self.world.bot
        return json_response(payloads.application_payload(self.world, owner))

    # -- application commands ------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | web.Response | None:
        if request.match_info["app_id"] != str(self.world.application_id):
            return error_response(404, "Unknown Application", 10002)
        guild_id = request.match_info.get("guild_id")
        return int(guild_id) if guild_id else None

    async def get_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        return json_response(self.server.commands.get(scope, []))

    async def put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite: keeps ids of commands that already existed, as Discord does."""
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        body: list[dict[str, Any]] = (await read_body(request))[0] or []
        refused = refusal(lambda: limits.check_commands(body))
        if refused is not None:
            return refused
        old = {(c["name"], c["type"]): c["id"] for c in self.server.commands.get(scope, [])}
        registered = []
        for command in body:
            kind = command.get("type", 1)
            entry = {"description": "", "options": [], **command, "type": kind,
                     "id": old.get((command["name"], kind)) or str(new_id()),
                     "application_id": str(self.world.application_id), "version": str(new_id())}
            if scope is not None:
                entry["guild_id"] = str(scope)
            registered.append(entry)
        self.server.commands[scope] = registered
        return json_response(registered)

    # -- channels and messages -----------------------------------------------------------

    def _channel(self, request: web.Request) -> FakeChannel | web.Response:
        channel = self.world.find_channel(int(request.match_info["channel_id"]))
        if channel is None:
            return error_response(404, "Unknown Channel", UNKNOWN_CHANNEL)
        return channel

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if isinstance(channel, web.Response):
            return channel
        return json_response(payloads.channel_payload(channel))

    async def create_message(self, request: web.Request) -> web.Response:
        body, files = await read_body(request)
        channel = self._channel(request)
        if isinstance(channel, web.Response):
            return channel
        if channel.id in self.server.forbidden_channels:
            return error_response(403, "Missing Permissions", MISSING_PERMISSIONS)
        if channel.is_forum:  # a forum holds posts (threads), not messages
            return error_response(400, "Cannot send messages in a non-text channel",
                                  threads.CANNOT_SEND_IN_THIS_CHANNEL)
        refused = refusal(lambda: limits.check_message(body, has_files=bool(files)))
        if refused is not None:
            return refused
        return json_response(self.store.create_from_bot(channel, body, files))

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.store.get(request.match_info["message_id"])
        if message is None:
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        body, files = await read_body(request)
        refused = refusal(lambda: limits.check_message(body, editing=True))
        if refused is not None:
            return refused
        message = self.store.edit(request.match_info["message_id"], body or {}, files)
        if message is None:
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        if not self.store.delete(request.match_info["message_id"]):
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        return empty_response()

    async def create_dm(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        user = self.world.find_user(int((body or {}).get("recipient_id", 0)))
        if user is None:
            return error_response(404, "Unknown User", UNKNOWN_USER)
        return json_response(payloads.channel_payload(self.world.dm_channel(user)))

    async def no_content(self, request: web.Request) -> web.Response:
        return empty_response()
