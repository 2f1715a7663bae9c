"""Discord's limits, in one place, and `clip` to keep a text within one.

From Discord's API documentation (messages, embeds, components, application commands,
modals). The test harness (`tests/discord_harness/limits.py`) keeps its own copy on purpose: it
is the independent check of what the bot sends.
"""

from __future__ import annotations

MESSAGE = 2000
"""Characters in a message's content."""
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FIELDS = 25
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
SELECT_OPTIONS = 25
"""Options in a select menu."""
SELECT_LABEL = 100
"""Characters in a select option's label and description."""
BUTTON_LABEL = 80
CHOICES = 25
"""Autocomplete choices of an application command option."""
CHOICE_NAME = 100
"""Characters in a choice's name and string value."""
STRING_OPTION = 6000
"""The longest `max_length` of a slash command's string option (`/ask question:`)."""
MODAL_TITLE = 45
TEXT_INPUT = 4000
"""Characters in a modal's text input."""


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
