"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.discord_harness import BotMessage, FakeChannel, FakeUser, Harness
from tests.e2e.careerbot import make_settings

pytestmark = pytest.mark.e2e


PAY_QUESTION = "how much do ML engineers earn?"


PAY = "average-salary"


QUESTIONS = (
    PAY_QUESTION, "what degree do i need to become an mle", "what is machine learning",
    "what skills does a machine learning engineer need", "is ml engineering entry level?",
    "where do i start learning ml", "what does an ml engineer do",
    "what is the capital of France",  # a decline is an answer too
)


DB_FILE = "careerbot.sqlite3"


DB_ERROR = "questions are still answered"  # the database's one ERROR line


KB_BROKEN = "knowledge files on disk are invalid"  # the bot's one ERROR line


def settings_for(tmp_path: Path, **changes):
    changes.setdefault("cooldown_questions", 200)
    changes.setdefault("cooldown_seconds", 60)
    changes.setdefault("watch_interval", 0)
    return make_settings(tmp_path / "data", **changes)


def is_reply_to(trigger: dict) -> Callable:
    def match(request) -> bool:
        body = request.body if isinstance(request.body, dict) else {}
        reference = body.get("message_reference") or {}
        return str(reference.get("message_id")) == trigger["id"] and request.status < 300
    return match


async def reply_to(h: Harness, trigger: dict, *, since: int = 0,
                   timeout: float = 5.0) -> BotMessage:
    """The bot's delivered reply to ``trigger`` (whatever else it sends meanwhile)."""
    def delivered(request) -> bool:
        return 200 <= request.status < 300 and is_reply_to(trigger)(request)

    request = await h.errors.fail_fast(
        h.server.wait_for_request("POST", "/channels/*/messages", since=since,
                                  timeout=timeout, where=delivered),
        f"waiting for the reply to {trigger['content']!r}")
    return BotMessage(request, h.server.store.get(request.response["id"]), trigger=trigger)


def replies_to(h: Harness, trigger: dict, since: int = 0) -> list:
    return h.server.recorder.find("POST", "/channels/*/messages", since=since,
                                  where=is_reply_to(trigger))


def fact_of(message: BotMessage) -> str | None:
    votes = [c for c in message.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def mention(h: Harness, user: FakeUser, channel: FakeChannel, text: str) -> BotMessage:
    since = h.server.mark()
    trigger = await h.post(user, channel, text, mention_bot=True)
    return await reply_to(h, trigger, since=since)


async def until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Bounded polling for something that happens off the wire (a thread, a log record)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


def records(guard, logger: str, level: int = logging.ERROR) -> list[logging.LogRecord]:
    return [r for r in guard.records if r.name.startswith(logger) and r.levelno >= level]
