"""How a question reached the bot, and what that asks of an answer.

Asked of the bot (a mention, `/ask`, a DM, the console), it answers whenever it is confident,
a close call included (the runner-up is offered beside it). Where it speaks unprompted (a Q&A
channel), a wrong answer is an interruption nobody asked for: it answers only a message that
asks something, only at the calibrated unprompted confidence (`Matcher.unprompted_confidence`),
and only a clear winner (no close calls). One place for that policy: `AnswerService.ask` and
`worth_answering`.
"""

from __future__ import annotations

import re
from enum import Enum


class Mode(Enum):
    ADDRESSED = "addressed"
    """Asked of the bot: a mention, `/ask`, a DM, a reply, the console."""
    UNPROMPTED = "unprompted"
    """Read in a channel where the bot answers questions nobody put to it."""


QUESTION_WORDS = frozenset({
    "how", "what", "why", "when", "where", "who", "which", "whats", "is", "are", "am", "do",
    "does", "did", "can", "could", "should", "would", "will", "any", "anyone",
})
_LEADING_WORD = re.compile(r"[\w']+")


def looks_like_question(text: str) -> bool:
    """Whether a message asks something: it ends with "?" or starts with a question word."""
    text = text.strip()
    if text.endswith("?"):
        return True
    first = _LEADING_WORD.match(text.lower())
    return bool(first) and first.group(0).replace("'", "") in QUESTION_WORDS


def worth_answering(text: str, mode: Mode) -> bool:
    """Whether the bot should try to answer `text` at all (before any cooldown is counted):
    everything asked of it, and only what looks like a question where it speaks unprompted."""
    return mode is Mode.ADDRESSED or looks_like_question(text)
