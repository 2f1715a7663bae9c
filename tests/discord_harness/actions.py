"""``Harness``: drive the bot as Discord users would, and get back what it answered.

Each action sends the gateway event a real user's action produces, then waits (no sleeps)
for the bot's REST answer; a missing answer fails the test with what the bot did instead.
If the bot logs an ERROR meanwhile, the wait fails at once with that error.

Users can only invoke commands registered with Discord, so ``slash``/``context_menu`` look
the command up among those the bot synced (``PUT .../commands``) and type the options by
its registered definition; sync first (``await h.sync_commands()``) if the bot does not.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from . import payloads
from .gateway import message_as_delivered
from .logguard import ErrorLogGuard
from .options import build_options, focus, modal_values
from .payloads import InteractionType, Json, walk_components
from .recorder import DEFAULT_TIMEOUT, RecordedRequest
from .results import BotMessage, InteractionResult
from .server import FakeDiscord
from .store import InteractionRecord
from .thread_actions import ThreadActions
from .world import FakeChannel, FakeUser

MESSAGE_CONTEXT_MENU, USER_CONTEXT_MENU, SLASH = 3, 2, 1
RETRIED_STATUSES = {429, 500, 502, 504, 524}


class Harness(ThreadActions):
    """Drives the bot; threads and forum posts: see :class:`.thread_actions.ThreadActions`."""

    def __init__(self, server: FakeDiscord, bot: discord.Client | None = None, *,
                 errors: ErrorLogGuard | None = None, timeout: float = DEFAULT_TIMEOUT,
                 connection: asyncio.Task | None = None) -> None:
        self.server = server
        self.world = server.world
        self.bot = bot
        self.errors = errors
        self.timeout = timeout
        self.connection = connection  # the task running ``bot.connect()``

    def user(self, name: str) -> FakeUser:
        return self.world.user(name)

    def channel(self, name: str) -> FakeChannel:
        return self.world.channel(name)

    # -- messages ------------------------------------------------------------------------

    async def post(self, user: FakeUser, channel: FakeChannel, content: str, *,
                   mention_bot: bool = False, reply_to: BotMessage | Json | None = None,
                   ping_reply: bool = True) -> Json:
        """Post a user message (MESSAGE_CREATE) without waiting; returns its payload.

        Replies ping the replied-to author unless ``ping_reply=False`` (Discord's default)."""
        bot = self.world.bot
        mentions = [bot] if mention_bot else []
        reference = _payload(reply_to) if reply_to is not None else None
        if reference and ping_reply:
            author = self.world.find_user(int(reference["author"]["id"]))
            if author is not None and author not in mentions:
                mentions.append(author)
        text = f"{bot.mention} {content}" if mention_bot else content
        message = payloads.message_payload(channel=channel, author=user, content=text,
                                           mentions=mentions, reference=reference)
        self.server.store.add(message)
        await self.server.dispatch("MESSAGE_CREATE", lambda intents: message_as_delivered(
            message, intents, bot_id=bot.id))
        return message

    async def say(self, user: FakeUser, channel: FakeChannel, content: str, *,
                  mention_bot: bool = False, reply_to: BotMessage | Json | None = None,
                  ping_reply: bool = True, timeout: float | None = None) -> BotMessage:
        """Post a message and return the bot's next channel message (``ok`` False if refused)."""
        since = self.server.mark()
        trigger = await self.post(user, channel, content, mention_bot=mention_bot,
                                  reply_to=reply_to, ping_reply=ping_reply)
        request = await self._wait("POST", "/channels/*/messages", since=since, timeout=timeout)
        return BotMessage(request, self._stored(request), trigger=trigger)

    async def dm(self, user: FakeUser, content: str, *, timeout: float | None = None,
                 ) -> BotMessage:
        """Message the bot in DMs and return its reply."""
        return await self.say(user, self.world.dm_channel(user), content, timeout=timeout)

    # -- application commands ------------------------------------------------------------

    async def sync_commands(self, guild: Any = None) -> None:
        """Sync the bot's command tree over the wire, as a ``/sync`` owner command would."""
        assert self.bot is not None and hasattr(self.bot, "tree"), "needs a commands.Bot"
        await self.bot.tree.sync(guild=discord.Object(guild.id) if guild else None)

    def registered_command(self, name: str, channel: FakeChannel, kind: int = SLASH) -> Json:
        """The command as synced to Discord (guild commands first), or fail the test."""
        scopes = ([channel.guild_id] if channel.guild_id else []) + [None]
        commands = [c for s in scopes for c in self.server.commands.get(s, [])]
        for command in commands:
            if command["name"] == name and command["type"] == kind:
                return command
        known = sorted(f"{c['name']} (type {c['type']})" for c in commands)
        raise AssertionError(f"{name!r} (type {kind}) is not registered with Discord, so no user "
                             f"can invoke it; registered: {known}. Sync the tree first.")

    async def slash(self, user: FakeUser, channel: FakeChannel, command: str, /, *,
                    resolve_deferred: bool = True, timeout: float | None = None,
                    **options: Any) -> InteractionResult:
        """Run ``/command`` (``"group sub"`` for subcommands) with ``options``.

        After a deferral (type 5), also waits for the bot's first followup or ``@original``
        edit unless ``resolve_deferred=False``: see ``result.webhook_messages``, and
        ``result.thinking`` (still "thinking..." if the bot sent a followup instead of
        editing the original)."""
        root, *path = command.split()
        registered = self.registered_command(root, channel)
        opts, resolved = build_options(registered, path, options, self.world)
        data = payloads.command_data(registered, opts, resolved=resolved)
        result = await self._interact(InteractionType.APPLICATION_COMMAND, user, channel, data,
                                      timeout=timeout)
        if resolve_deferred and result.type == 5:
            await result.next_message(timeout=timeout)
        return result

    async def autocomplete(self, user: FakeUser, channel: FakeChannel, command: str,
                           option: str, typed: str, *, timeout: float | None = None,
                           **options: Any) -> list[Json]:
        """Type ``typed`` into ``option`` of ``/command``; returns the choices offered."""
        root, *path = command.split()
        registered = self.registered_command(root, channel)
        opts, resolved = build_options(registered, path, options, self.world, partial=True)
        data = payloads.command_data(registered, focus(opts, option, typed), resolved=resolved)
        result = await self._interact(InteractionType.AUTOCOMPLETE, user, channel, data,
                                      timeout=timeout)
        assert result.type == 8, f"expected autocomplete choices (8), got {result.type}"
        return result.choices

    async def context_menu(self, user: FakeUser, channel: FakeChannel, name: str,
                           target: BotMessage | Json | FakeUser, *,
                           timeout: float | None = None) -> InteractionResult:
        """Apps > ``name`` on a message (or on a user, for a user context menu)."""
        if isinstance(target, FakeUser):
            command = self.registered_command(name, channel, USER_CONTEXT_MENU)
            resolved = {"users": {str(target.id): payloads.user_payload(target)}}
            data = payloads.command_data(command, [], target={"id": str(target.id)},
                                         resolved=resolved)
        else:
            message = _payload(target)
            command = self.registered_command(name, channel, MESSAGE_CONTEXT_MENU)
            data = payloads.command_data(command, [], target=message,
                                         resolved={"messages": {message["id"]: message}})
        return await self._interact(InteractionType.APPLICATION_COMMAND, user, channel, data,
                                    timeout=timeout)

    # -- components and modals -----------------------------------------------------------

    async def click(self, user: FakeUser, message: BotMessage | InteractionResult | Json,
                    custom_id: str | None = None, *, label: str | None = None,
                    values: list[str] | None = None, timeout: float | None = None,
                    ) -> InteractionResult:
        """Click a button (or pick ``values`` in a select) found by ``custom_id`` or ``label``."""
        if isinstance(message, InteractionResult):
            assert message.message is not None, "that interaction produced no message"
            message = message.message
        payload = _payload(message)
        payload = self.server.store.get(payload["id"]) or payload
        component = _find_component(payload, custom_id, label)
        if component.get("disabled"):
            raise AssertionError(f"{component.get('label') or custom_id!r} is disabled")
        channel = self.world.find_channel(int(payload["channel_id"]))
        assert channel is not None, f"unknown channel {payload['channel_id']}"
        data = payloads.component_data(component, values)
        return await self._interact(InteractionType.COMPONENT, user, channel, data,
                                    message=payload, timeout=timeout)

    async def forge_click(self, user: FakeUser, message: BotMessage | Json, custom_id: str, *,
                          component_type: int = 2, values: list[str] | None = None,
                          timeout: float | None = None) -> InteractionResult:
        """A click as a crafted client could send it: any ``custom_id``, whether or not the
        message carries such a component (tampered ids, other users' buttons)."""
        payload = _payload(message)
        channel = self.world.find_channel(int(payload["channel_id"]))
        assert channel is not None, f"unknown channel {payload['channel_id']}"
        data = payloads.component_data({"custom_id": custom_id, "type": component_type}, values)
        return await self._interact(InteractionType.COMPONENT, user, channel, data,
                                    message=payload, timeout=timeout)

    async def submit_modal(self, user: FakeUser, modal: InteractionResult | str,
                           values: dict[str, str], *, timeout: float | None = None,
                           ) -> InteractionResult:
        """Fill in and submit a modal the bot opened: ``values`` by input custom_id or label.
        ``modal`` is the result that opened it, or its custom_id (the last one opened)."""
        opener = modal if isinstance(modal, InteractionResult) else self._modal_opener(modal)
        assert opener.modal is not None, f"the bot answered with type {opener.type}, not a modal"
        data = payloads.modal_submit_data(opener.modal, modal_values(opener.modal, values))
        message = self.server.store.get(opener.record.message_id) \
            if opener.record.message_id else None
        return await self._interact(InteractionType.MODAL_SUBMIT, user, opener.record.channel,
                                    data, message=message, timeout=timeout)

    # -- connection ----------------------------------------------------------------------

    async def reconnect(self, *, timeout: float | None = None) -> None:
        """Gateway op 7 RECONNECT, then wait until the bot has RESUMEd its session."""
        assert self.bot is not None
        resumed = asyncio.ensure_future(self.bot.wait_for("resumed"))
        await self.server.request_reconnect()
        async with asyncio.timeout(timeout or self.timeout):
            await resumed

    # -- plumbing ------------------------------------------------------------------------

    async def _interact(self, kind: int, user: FakeUser, channel: FakeChannel, data: Json, *,
                        message: Json | None = None, timeout: float | None,
                        ) -> InteractionResult:
        payload = payloads.interaction_payload(self.world, type=kind, user=user,
                                               channel=channel, data=data, message=message)
        record = InteractionRecord(
            id=int(payload["id"]), token=payload["token"], type=kind, user=user,
            channel=channel, payload=payload,
            message_id=int(message["id"]) if message else None,
        )
        self.server.store.interactions[record.token] = record
        since = self.server.mark()
        await self.server.dispatch("INTERACTION_CREATE", payload)
        callback = await self._wait("POST", f"/interactions/{record.id}/*/callback",
                                    since=since, timeout=timeout)
        return InteractionResult(self, record, callback, since)

    async def wait_for_webhook(self, record: InteractionRecord, *, since: int,
                               timeout: float | None) -> RecordedRequest:
        """The bot's next followup (POST) or message edit (PATCH) on this interaction."""
        return await self._wait(
            "*", f"/webhooks/*/{record.token}*", since=since, timeout=timeout,
            where=lambda r: r.method in ("POST", "PATCH"))

    async def _wait(self, method: str, pattern: str, *, since: int, timeout: float | None,
                    where=None) -> RecordedRequest:
        """Wait for the bot's final attempt: discord.py retries 429s and some 5xx itself."""

        def final(request: RecordedRequest) -> bool:
            return request.status not in RETRIED_STATUSES and (where is None or where(request))

        waiting = self.server.wait_for_request(method, pattern, since=since, where=final,
                                               timeout=timeout or self.timeout)
        if self.errors is None:
            return await waiting
        return await self.errors.fail_fast(waiting, f"waiting for {method} {pattern}")

    def _stored(self, request: RecordedRequest) -> Json | None:
        if request.status >= 300 or not isinstance(request.response, dict):
            return None
        return self.server.store.get(request.response["id"])

    def _modal_opener(self, custom_id: str) -> InteractionResult:
        for request in reversed(self.server.find_requests("POST", "/interactions/*/callback")):
            data = (request.body or {}).get("data") or {}
            if request.body.get("type") == 9 and data.get("custom_id") == custom_id:
                record = self.server.store.interactions[request.path.split("/")[3]]
                return InteractionResult(self, record, request)
        raise AssertionError(f"the bot never opened a modal with custom_id {custom_id!r}")


def _payload(message: BotMessage | Json) -> Json:
    return message.payload if isinstance(message, BotMessage) else message


def _find_component(message: Json, custom_id: str | None, label: str | None) -> Json:
    for component in walk_components(message.get("components") or []):
        if component.get("type") in (1, 9, 17, 18):
            continue  # layout components are not clickable
        if (custom_id is not None and component.get("custom_id") == custom_id) or (
                label is not None and component.get("label") == label):
            return component
    found = [(c.get("label"), c.get("custom_id")) for c in walk_components(
        message.get("components") or []) if c.get("custom_id")]
    raise AssertionError(f"no component {custom_id or label!r} on message {message['id']}; "
                         f"it has (label, custom_id): {found}")

