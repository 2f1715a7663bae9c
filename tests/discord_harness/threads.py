"""Threads and forum posts on the server side: what Discord does when one is opened, and the
REST routes a bot uses to open or join one.

Opening a thread is an event sequence, whoever opens it (a user through ``Harness`` or the
bot through REST):

- without a message, under a text channel: THREAD_CREATE (``newly_created``), then a
  "started a thread" system message (type 18, content = the thread's name, a
  ``message_reference`` to the thread) in the parent channel;
- a forum post: the thread's id is its starter message's id; THREAD_CREATE, then the starter
  message's MESSAGE_CREATE inside the thread;
- from an existing message: the thread's id is that message's id; THREAD_CREATE only.

THREAD_CREATE needs the GUILDS intent; messages are delivered as any MESSAGE_CREATE
(:func:`.gateway.message_as_delivered`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import payloads
from .gateway import message_as_delivered
from .payloads import Json, MessageType
from .responses import (
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    empty_response,
    error_response,
    json_response,
    read_body,
)
from .world import FakeChannel, FakeUser, Intent, new_id

if TYPE_CHECKING:
    from .server import FakeDiscord

CANNOT_SEND_IN_THIS_CHANNEL = 50008  # e.g. a plain message POSTed to a forum
INVALID_THREAD_PARENT = 50024  # "Cannot execute action on this channel type"


async def deliver_message(server: FakeDiscord, message: Json) -> None:
    """Store ``message`` and send its MESSAGE_CREATE, trimmed by each session's intents."""
    server.store.add(message)
    bot_id = server.world.bot.id
    await server.dispatch("MESSAGE_CREATE", lambda intents: message_as_delivered(
        message, intents, bot_id=bot_id))


async def announce_thread(server: FakeDiscord, thread: FakeChannel, *,
                          message_count: int = 0) -> None:
    """THREAD_CREATE for a thread just opened (sessions with the GUILDS intent)."""
    payload = payloads.thread_payload(thread, newly_created=True, message_count=message_count)
    await server.dispatch("THREAD_CREATE",
                          lambda intents: payload if intents & Intent.GUILDS else None)


async def open_thread(server: FakeDiscord, owner: FakeUser, parent: FakeChannel,
                      name: str) -> FakeChannel:
    """A public thread under a text channel, started without a message."""
    thread = server.world.add_thread(parent, name, owner)
    await announce_thread(server, thread)
    notice = payloads.message_payload(
        channel=parent, author=server.world.member_in(parent.guild_id, owner), content=name,
        type=MessageType.THREAD_CREATED,
        message_reference={"type": 0, "channel_id": str(thread.id),
                           "guild_id": str(thread.guild_id)},
    )
    await deliver_message(server, notice)
    return thread


async def open_forum_post(server: FakeDiscord, owner: FakeUser, forum: FakeChannel,
                          title: str, starter: Json) -> tuple[FakeChannel, Json]:
    """A forum post: a thread named ``title`` whose starter message (``starter``: a message
    payload without ids) has the thread's id."""
    post_id = new_id()
    thread = server.world.add_thread(forum, title, owner, thread_id=post_id)
    message = starter | {"id": str(post_id), "channel_id": str(post_id)}
    server.store.add(message)  # exists before anyone hears of the post, as on Discord
    await announce_thread(server, thread, message_count=1)
    await deliver_message(server, message)
    return thread, message


def add_routes(app: web.Application, server: FakeDiscord, prefix: str) -> None:
    api = ThreadApi(server)
    for method, path, handler in [
        ("POST", "/channels/{channel_id}/threads", api.start_thread),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", api.start_from_message),
        ("PUT", "/channels/{channel_id}/thread-members/@me", api.join_or_leave),
        ("DELETE", "/channels/{channel_id}/thread-members/@me", api.join_or_leave),
    ]:
        app.router.add_route(method, prefix + path, handler)


class ThreadApi:
    """What discord.py calls for ``TextChannel.create_thread``, ``ForumChannel.create_thread``,
    ``Message.create_thread`` and ``Thread.join``/``leave``."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.world = server.world

    def _parent(self, request: web.Request) -> FakeChannel | web.Response:
        channel = self.world.find_channel(int(request.match_info["channel_id"]))
        if channel is None:
            return error_response(404, "Unknown Channel", UNKNOWN_CHANNEL)
        if channel.is_dm or channel.is_thread:
            return error_response(400, "Cannot execute action on this channel type",
                                  INVALID_THREAD_PARENT)
        return channel

    async def start_thread(self, request: web.Request) -> web.Response:
        """Without a message under a text channel; with its first message in a forum."""
        body, _ = await read_body(request)
        body = body or {}
        parent = self._parent(request)
        if isinstance(parent, web.Response):
            return parent
        bot = self.world.member_in(parent.guild_id, self.world.bot)
        if not parent.is_forum:
            thread = await open_thread(self.server, bot, parent, body.get("name", ""))
            return json_response(payloads.thread_payload(thread))
        first = body.get("message") or {}
        starter = payloads.message_payload(
            channel=parent, author=bot, content=first.get("content") or "",
            embeds=first.get("embeds"), components=first.get("components"))
        thread, message = await open_forum_post(self.server, bot, parent, body.get("name", ""),
                                                starter)
        return json_response(payloads.thread_payload(thread, message_count=1)
                             | {"message": message})

    async def start_from_message(self, request: web.Request) -> web.Response:
        body, _ = await read_body(request)
        parent = self._parent(request)
        if isinstance(parent, web.Response):
            return parent
        message = self.server.store.get(request.match_info["message_id"])
        if message is None or int(message["channel_id"]) != parent.id:
            return error_response(404, "Unknown Message", UNKNOWN_MESSAGE)
        bot = self.world.member_in(parent.guild_id, self.world.bot)
        thread = self.world.add_thread(parent, (body or {}).get("name", ""), bot,
                                       thread_id=int(message["id"]))
        await announce_thread(self.server, thread)
        return json_response(payloads.thread_payload(thread))

    async def join_or_leave(self, request: web.Request) -> web.Response:
        channel = self.world.find_channel(int(request.match_info["channel_id"]))
        if channel is None or not channel.is_thread:
            return error_response(404, "Unknown Channel", UNKNOWN_CHANNEL)
        return empty_response()
