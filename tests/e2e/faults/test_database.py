"""A locked or unusable database, over the real wire: questions still answered, votes refused
politely, one error line."""

from __future__ import annotations

import asyncio
import time

from bot import texts
from tests.discord_harness import BotMessage, FakeUser, Harness
from tests.e2e.careerbot import make_bot
from tests.e2e.faults.shared import (
    DB_ERROR,
    DB_FILE,
    PAY,
    PAY_QUESTION,
    QUESTIONS,
    fact_of,
    mention,
    records,
    settings_for,
)

# -- the database -----------------------------------------------------------------------------


async def vote(h: Harness, user: FakeUser, answer: BotMessage, *, timeout: float = 5.0):
    """Click "Helpful"; when the bot deferred (a slow database), wait for its final word."""
    helpful = next(c for c in answer.custom_ids if c.startswith("cb:vote:") and c.endswith(":1"))
    result = await h.click(user, answer, helpful, timeout=timeout)
    if result.type == 5:
        await result.next_message(timeout=timeout)
    return result


async def answer_recorded(h, answer, timeout: float = 5.0) -> None:
    """Wait until the database holds the question `answer` answered (written after the reply)."""
    deadline = time.monotonic() + timeout
    key = (str(answer.id),)
    while time.monotonic() < deadline:
        found = await h.bot.database.run(lambda conn: conn.execute(
            "SELECT 1 FROM answers WHERE answer_key = ?", key).fetchone())
        if found:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the answer was never recorded")


async def test_locked_database_questions_answered_votes_refused_politely(
        start_bot, tmp_path, discord_errors, locked_database):
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")
    h = await start_bot(make_bot(settings_for(tmp_path)))
    alice, general = h.user("alice"), h.channel("general")
    answer = await mention(h, alice, general, PAY_QUESTION)
    await answer_recorded(h, answer)  # the bot notes what it answered once the reply is sent
    blocker = locked_database(tmp_path / "data" / DB_FILE)

    refused = await vote(h, h.user("bob"), answer)  # sqlite waits its 2 s busy timeout
    assert refused.ephemeral and "couldn't save" in refused.content
    started = time.monotonic()
    replies = [await mention(h, alice, general, q) for q in QUESTIONS[:4]]
    assert time.monotonic() - started < 1.5  # answering never waits for the database
    assert fact_of(replies[0]) == PAY and all(r.embeds for r in replies)
    assert h.bot.database.failures >= 1
    assert len(records(discord_errors, "bot.core.storage.database")) == 1
    assert "locked" in records(discord_errors, "bot.core.storage.database")[0].getMessage()

    # "that's wrong" can not be stored as a vote: the reply says how to flag the answer,
    # within a second, and the bot goes on answering.
    started = time.monotonic()
    corrected = await mention(h, alice, general, "that's wrong")
    assert corrected.text == texts.SMALL_TALK["correction"]
    assert time.monotonic() - started < 1.8
    assert fact_of(await mention(h, alice, general, PAY_QUESTION)) == PAY

    blocker.rollback()  # the lock goes away: the queued writes and new votes work again
    await h.bot.database.flush()
    counted = await vote(h, h.user("bob"), answer)
    assert "Noted as helpful" in counted.content
    assert len(records(discord_errors, "bot.core.storage.database")) == 1


async def test_vote_is_answered_within_discords_3_seconds_while_the_database_is_locked(
        start_bot, tmp_path, discord_errors, locked_database):
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")
    h = await start_bot(make_bot(settings_for(tmp_path)))
    alice, general = h.user("alice"), h.channel("general")
    answer = await mention(h, alice, general, PAY_QUESTION)
    await answer_recorded(h, answer)
    locked_database(tmp_path / "data" / DB_FILE)
    await mention(h, alice, general, "what is machine learning")  # its write is queued
    started = time.monotonic()
    helpful = next(c for c in answer.custom_ids if c.startswith("cb:vote:") and c.endswith(":1"))
    refused = await h.click(h.user("bob"), answer, helpful, timeout=10)
    took = time.monotonic() - started  # until Discord got the interaction's first response
    assert took < 3.0, f"the vote was acknowledged after {took:.1f}s"
    if refused.type == 5:  # "thinking…", then the verdict
        await refused.next_message(timeout=10)
    assert "couldn't save" in refused.content


async def test_unusable_database_one_error_line_not_one_per_message(start_bot, tmp_path,
                                                                    discord_errors):
    """The database path is a directory: nothing can be stored, everything is answered,
    votes get a polite reply, and the log gets one ERROR line for all of it."""
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")
    (tmp_path / "data" / DB_FILE).mkdir(parents=True)
    h = await start_bot(make_bot(settings_for(tmp_path)))
    alice, bob, general = h.user("alice"), h.user("bob"), h.channel("general")
    replies = [await mention(h, alice, general, q) for q in QUESTIONS]
    replies.append(await h.dm(bob, PAY_QUESTION))
    slash = await h.slash(bob, general, "ask", question=PAY_QUESTION)
    assert all(r.ok and r.embeds for r in replies)
    assert fact_of(replies[0]) == PAY and "$127,712" in slash.message.text
    for voter in (alice, bob):
        refused = await vote(h, voter, replies[0])
        assert refused.ephemeral and "couldn't save your vote" in refused.content
    await h.bot.database.flush()
    assert h.bot.database.failures >= len(QUESTIONS) + 4
    errors = records(discord_errors, "bot.core.storage.database")
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "unavailable" in errors[0].getMessage()
    assert records(discord_errors, "bot") == errors  # nothing else complained
