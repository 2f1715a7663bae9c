"""What the fake server remembers: messages (by id) and interactions (by token).

Messages the bot creates are built from its request body the way Discord would: author is
the bot, ``type`` 19 for replies, ``mentions`` are the users actually pinged under
``allowed_mentions`` (see :mod:`.mentions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .mentions import pinged_user_ids
from .payloads import Json, message_payload, now_iso
from .world import FakeChannel, FakeUser, World, new_id

Files = Sequence[tuple[str, int]]  # (filename, size) of attached files

EDITABLE_FIELDS = ("content", "embeds", "components", "flags", "attachments")
LOADING_FLAG = 1 << 7  # "Bot is thinking..." (deferred response)
EPHEMERAL_FLAG = 1 << 6


@dataclass
class InteractionRecord:
    """An interaction the harness dispatched, and how the bot has answered it so far."""

    id: int
    token: str
    type: int
    user: FakeUser
    channel: FakeChannel
    payload: Json
    message_id: int | None = None  # the message a clicked component is on
    response_type: int | None = None
    response_data: Json | None = None
    original_id: int | None = None  # the "@original" response message


class MessageStore:
    def __init__(self, world: World) -> None:
        self.world = world
        self.messages: dict[int, Json] = {}
        self.interactions: dict[str, InteractionRecord] = {}

    def add(self, message: Json) -> Json:
        self.messages[int(message["id"])] = message
        return message

    def get(self, message_id: int | str) -> Json | None:
        return self.messages.get(int(message_id))

    def create_from_bot(self, channel: FakeChannel, body: Json, files: Files = (),
                        **extra: Any) -> Json:
        """The message Discord would create from the bot's POST body."""
        ref = body.get("message_reference")
        referenced = self.get(ref["message_id"]) if ref and ref.get("message_id") else None
        if ref and referenced is None:
            extra.setdefault("message_reference", {k: str(v) for k, v in ref.items()
                                                   if k in ("message_id", "channel_id")})
            extra.setdefault("type", 19)
        replied_author = int(referenced["author"]["id"]) if referenced else None
        pinged = pinged_user_ids(body, replied_author_id=replied_author)
        message = message_payload(
            channel=channel, author=self.world.member_in(channel.guild_id, self.world.bot),
            content=body.get("content") or "",
            mentions=[u for u in map(self.world.find_user, sorted(pinged)) if u is not None],
            reference=referenced, embeds=body.get("embeds"), components=body.get("components"),
            attachments=[_attachment(name, size) for name, size in files],
            flags=int(body.get("flags") or 0), **extra,
        )
        return self.add(message)

    def edit(self, message_id: int | str, body: Json, files: Files = ()) -> Json | None:
        message = self.get(message_id)
        if message is None:
            return None
        for key in EDITABLE_FIELDS:
            if key in body and key != "attachments":
                message[key] = body[key] if body[key] is not None else _empty(key)
        if files:
            message["attachments"] = [_attachment(name, size) for name, size in files]
        message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
        message["edited_timestamp"] = now_iso()
        return message

    def delete(self, message_id: int | str) -> bool:
        return self.messages.pop(int(message_id), None) is not None

    def in_channel(self, channel_id: int) -> list[Json]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]


def _empty(key: str) -> Any:
    return "" if key == "content" else 0 if key == "flags" else []


def _attachment(filename: str, size: int) -> Json:
    attachment_id = new_id()
    url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{filename}"
    return {"id": str(attachment_id), "filename": filename, "size": size, "url": url,
            "proxy_url": url}
