"""What the bot answered, in a shape tests can assert on.

``BotMessage`` wraps a message the bot created (or tried to: ``ok`` is False when Discord
refused the request, e.g. 403). Its ``payload`` is the server's live copy, so later edits
show up. ``InteractionResult`` wraps the bot's answer to an interaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .mentions import pinged_user_ids
from .payloads import Json, walk_components
from .recorder import RecordedRequest
from .store import EPHEMERAL_FLAG, LOADING_FLAG, InteractionRecord

if TYPE_CHECKING:
    from .actions import Harness

@dataclass
class BotMessage:
    """A message the bot sent (channel message, interaction response, followup)."""

    request: RecordedRequest | None
    payload: Json | None
    trigger: Json | None = None  # the user message that prompted it, for ``say``/``dm``

    @property
    def ok(self) -> bool:
        return self.payload is not None and (self.request is None or self.request.status < 300)

    @property
    def sent(self) -> Json:
        """The message body the bot sent (for a callback: its ``data``)."""
        return _sent_body(self.request)

    @property
    def _data(self) -> Json:
        return self.payload if self.payload is not None else self.sent

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    @property
    def id(self) -> int:
        return int(self._data["id"])

    @property
    def channel_id(self) -> int:
        return int(self._data["channel_id"])

    @property
    def content(self) -> str:
        return self._data.get("content") or ""

    @property
    def embeds(self) -> list[Json]:
        return self._data.get("embeds") or []

    @property
    def components(self) -> list[Json]:
        return self._data.get("components") or []

    @property
    def flags(self) -> int:
        return int(self._data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def reference_id(self) -> int | None:
        """The id of the message this one replies to."""
        ref = self._data.get("message_reference")
        return int(ref["message_id"]) if ref else None

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of all its buttons, selects and inputs (random unless the bot set them)."""
        return [c["custom_id"] for c in walk_components(self.components) if c.get("custom_id")]

    @property
    def text(self) -> str:
        """Content plus embed titles, descriptions and fields: everything a reader sees."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
        return "\n".join(p for p in parts if p)

    @property
    def pinged_user_ids(self) -> set[int]:
        """Who this message notified, by the ``allowed_mentions`` the bot sent."""
        referenced = self._data.get("referenced_message") or {}
        author = referenced.get("author", {}).get("id")
        return pinged_user_ids(self.sent, replied_author_id=int(author) if author else None)


def _sent_body(request: RecordedRequest | None) -> Json:
    body = request.body if request is not None else None
    if not isinstance(body, dict):
        return {}
    return body.get("data") or {} if request.path.endswith("/callback") else body


@dataclass
class InteractionResult:
    """The bot's answer to one interaction: the callback and the message it produced.

    ``webhook_messages`` collects what ``next_message`` saw (followups, ``@original`` edits)."""

    harness: Harness
    record: InteractionRecord
    callback: RecordedRequest
    _seen: int = field(default=0)
    webhook_messages: list[BotMessage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.callback.status < 300

    @property
    def type(self) -> int:
        """Callback type: 4 message, 5 deferred, 6 deferred update, 7 update, 8 choices, 9 modal."""
        return int(self.callback.body["type"])

    @property
    def data(self) -> Json:
        return self.callback.body.get("data") or {}

    @property
    def message(self) -> BotMessage | None:
        """The response message (``@original``), live: deferrals and edits show up."""
        if self.record.original_id is None:
            return None
        payload = self.harness.server.store.get(self.record.original_id)
        return BotMessage(self.callback, payload)

    @property
    def content(self) -> str:
        message = self.message
        return message.content if message is not None else self.data.get("content") or ""

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL_FLAG)

    @property
    def thinking(self) -> bool:
        """True while a deferred response still shows "<bot> is thinking..."."""
        message = self.message
        return message is not None and bool(message.flags & LOADING_FLAG)

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices (type 8): ``[{"name": ..., "value": ...}]``."""
        return self.data.get("choices") or []

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (type 9): ``custom_id``, ``title``, ``components``."""
        return self.data if self.type == 9 else None

    async def next_message(self, *, timeout: float | None = None) -> BotMessage:
        """Wait for the bot's next followup or ``@original`` edit for this interaction."""
        request = await self.harness.wait_for_webhook(self.record, since=self._seen,
                                                      timeout=timeout)
        self._seen = request.index + 1
        payload = request.response if request.status < 300 and request.response else None
        message = BotMessage(request, payload and self.harness.server.store.get(payload["id"]))
        self.webhook_messages.append(message)
        return message
