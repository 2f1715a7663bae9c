"""The gateway websocket, as discord.py's ``DiscordWebSocket`` expects it.

Handshake: the server sends HELLO (op 10); the client heartbeats (op 1, answered with op 11)
and sends IDENTIFY (op 2) or RESUME (op 6). A bad token closes the socket with 4004. After
IDENTIFY comes READY, whose ``resume_gateway_url`` is where the client reconnects to, then a
full GUILD_CREATE per guild. Frames are plain JSON text: discord.py asks for
``compress=zlib-stream`` but only decompresses *binary* frames.

A session outlives its socket: events dispatched while the bot is reconnecting are kept
and replayed after RESUME, as Discord does. A client closing with code 1000 ends its session.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .payloads import Json
from .recorder import Recorder
from .world import Intent, World

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41_250
STOP_TYPES = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Close:
    AUTHENTICATION_FAILED = 4004
    UNKNOWN_ERROR = 4000


@dataclass
class Session:
    """One identified bot session: its intents, sequence number and event history."""

    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)  # (shard id, shard count) from IDENTIFY
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None

    def serves(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events go to shard (guild_id >> 22) % count; DMs to
        shard 0."""
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    async def send(self, event: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(frame)
        await self._write(frame)

    async def _write(self, frame: dict[str, Any]) -> None:
        if self.socket is None or self.socket.closed:
            return  # kept in history; replayed on RESUME
        try:
            await self.socket.send_str(json.dumps(frame))
        except (ConnectionResetError, RuntimeError):
            log.debug("gateway socket went away while sending %s", frame.get("t"))

    async def replay_after(self, seq: int) -> None:
        for frame in self.history:
            if frame["s"] > seq:
                await self._write(frame)


def message_as_delivered(message: Json, intents: int, *, bot_id: int) -> Json | None:
    """MESSAGE_CREATE as a session with ``intents`` receives it: not at all without
    GUILD_MESSAGES / DIRECT_MESSAGES; with empty content, embeds, attachments and
    components without MESSAGE_CONTENT, unless it is a DM or mentions the bot."""
    is_dm = "guild_id" not in message
    if not intents & (Intent.DIRECT_MESSAGES if is_dm else Intent.GUILD_MESSAGES):
        return None
    mentioned = any(int(u["id"]) == bot_id for u in message.get("mentions") or [])
    if intents & Intent.MESSAGE_CONTENT or is_dm or mentioned:
        return message
    return message | {"content": "", "embeds": [], "attachments": [], "components": []}


# Builds the payload for one session (given its intents), or None to not deliver it.
PayloadForIntents = Callable[[int], "Json | None"]


class Gateway:
    """Serves ``/ws``; ``dispatch`` sends an event to every live session."""

    def __init__(self, world: World, recorder: Recorder, *, token: Callable[[], str],
                 url: Callable[[], str]) -> None:
        self.world = world
        self.recorder = recorder
        self._token = token
        self._url = url
        self.sessions: dict[str, Session] = {}
        self.sockets: list[web.WebSocketResponse] = []

    async def dispatch(self, event: str, data: dict[str, Any] | PayloadForIntents) -> None:
        """Send ``event`` to every session; ``data`` may be a function of the session's
        intents returning the payload, or ``None`` to skip that session (as Discord does)."""
        for session in list(self.sessions.values()):
            payload = data(session.intents) if callable(data) else data
            guild_id = payload.get("guild_id") if isinstance(payload, dict) else None
            if not session.serves(int(guild_id) if guild_id else None):
                continue
            if payload is None:
                self.recorder.note(f"{event} not delivered: the bot lacks the intent for it")
                continue
            await session.send(event, payload)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes, reconnects and RESUMEs."""
        for socket in list(self.sockets):
            await socket.send_str(json.dumps({"op": Op.RECONNECT, "d": None}))

    async def drop_connections(self, code: int = Close.UNKNOWN_ERROR) -> None:
        """Close every socket from the server side. 4000 makes discord.py resume; 4004 and
        the other fatal codes make ``Client.connect`` raise ``ConnectionClosed``."""
        for socket in list(self.sockets):
            await socket.close(code=code, message=b"closed by the test")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self.sockets.append(socket)
        session: Session | None = None
        client_close_code = None
        try:
            await self._send(socket, Op.HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
            while True:
                message = await socket.receive()
                if message.type is WSMsgType.CLOSE:
                    client_close_code = message.data
                if message.type is not WSMsgType.TEXT:
                    if socket.closed or message.type in STOP_TYPES:
                        break
                    continue
                frame = json.loads(message.data)
                await self.recorder.add_frame(frame["op"], frame.get("d"))
                session = await self._on_frame(socket, frame["op"], frame.get("d"), session)
        finally:
            self.sockets.remove(socket)
            if session is not None and session.socket is socket:
                session.socket = None
                if client_close_code == 1000:  # the client logged out: the session is over
                    self.sessions.pop(session.id, None)
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, op: int, data: Any,
                        session: Session | None) -> Session | None:
        """Handle one client frame; returns the session the socket now belongs to."""
        if op == Op.HEARTBEAT:
            await self._send(socket, Op.HEARTBEAT_ACK, None)
        elif op == Op.IDENTIFY:
            return await self._on_identify(socket, data)
        elif op == Op.RESUME:
            return await self._on_resume(socket, data)
        elif op == Op.REQUEST_MEMBERS and session is not None:
            await self._on_request_members(session, data)
        return session

    async def _on_identify(self, socket: web.WebSocketResponse, data: Any) -> Session | None:
        if data.get("token") != self._token():
            await socket.close(code=Close.AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return None
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(id=uuid.uuid4().hex, intents=int(data.get("intents", 0)),
                          shard=(int(shard[0]), int(shard[1])), socket=socket)
        self.sessions[session.id] = session
        guilds = [g for g in self.world.guilds if session.serves(g.id)]
        ready = payloads.ready_payload(self.world, session_id=session.id,
                                       resume_gateway_url=self._url())
        ready["guilds"] = [{"id": str(g.id), "unavailable": True} for g in guilds]
        ready["shard"] = list(session.shard)
        await session.send("READY", ready)
        for guild in guilds:
            await session.send("GUILD_CREATE", payloads.guild_payload(guild))
        return session

    async def _on_resume(self, socket: web.WebSocketResponse, data: Any) -> Session | None:
        session = self.sessions.get(data.get("session_id"))
        if session is None or data.get("token") != self._token():
            await self._send(socket, Op.INVALID_SESSION, False)
            return None
        session.socket = socket
        await session.replay_after(int(data.get("seq") or 0))
        await session.send("RESUMED", {})
        return session

    async def _on_request_members(self, session: Session, data: Any) -> None:
        """op 8 (sent with the members intent): answer with one GUILD_MEMBERS_CHUNK."""
        for guild in self.world.guilds:
            if str(guild.id) == str(data.get("guild_id")):
                await session.send("GUILD_MEMBERS_CHUNK", {
                    "guild_id": str(guild.id), "chunk_index": 0, "chunk_count": 1,
                    "members": [payloads.member_payload(m) for m in guild.members],
                    "not_found": [], "nonce": data.get("nonce"),
                })

    @staticmethod
    async def _send(socket: web.WebSocketResponse, op: int, data: Any) -> None:
        await socket.send_str(json.dumps({"op": op, "d": data}))
