"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

import pytest

from tests.discord_harness import (
    BotMessage,
    Harness,
)

pytestmark = pytest.mark.e2e


PAY_QUESTION = "how much do ML engineers earn?"


PAY = "average-salary"


HINT = "Ask me anything"


REPLY_TIMEOUT = 5.0  # "bounded time": every answer, decline or hint comes within this


SILENCE = 0.3  # how long "no answer" is watched for


SORRY = "Something went wrong on my side"


def fact_of(message: BotMessage) -> str | None:
    votes = [c for c in message.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def still_serving(h: Harness) -> None:
    """After whatever came before, a plain question is still answered."""
    reply = await h.dm(h.user("alice"), PAY_QUESTION, timeout=REPLY_TIMEOUT)
    assert reply.ok and fact_of(reply) == PAY


def assert_pings_nobody(message: BotMessage) -> None:
    sent = message.sent
    assert sent.get("allowed_mentions", {}).get("parse") == [], sent.get("allowed_mentions")
    assert not sent["allowed_mentions"].get("replied_user")
    assert message.pinged_user_ids == set()
