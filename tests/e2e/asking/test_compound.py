"""A message asking two questions, over the real wire: each answered, a reply of its own with
its sources and buttons, by mention and with /ask."""

from __future__ import annotations

import asyncio
import time

from tests.discord_harness import BotMessage
from tests.e2e.faults.shared import until

TWO_QUESTIONS = "how much do ml engineers make and do i need a masters?"


def fact_of(reply) -> str | None:
    votes = [c for c in reply.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def replies(h, since: int, count: int, timeout: float = 5.0) -> list[BotMessage]:
    """The bot's first `count` channel messages since `since` (waiting for them)."""
    deadline = time.monotonic() + timeout
    while True:
        found = h.server.find_requests("POST", "/channels/*/messages", since=since)
        if len(found) >= count or time.monotonic() > deadline:
            return [BotMessage(r, h.server.store.get(r.response["id"])) for r in found]
        await asyncio.sleep(0.02)


async def test_each_question_of_a_mention_gets_its_own_reply(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    since = h.server.mark()
    trigger = await h.post(alice, general, TWO_QUESTIONS, mention_bot=True)
    pay, masters = await replies(h, since, 2)
    assert [fact_of(pay), fact_of(masters)] == ["average-salary", "masters-or-phd"]
    assert all(r.reference_id == int(trigger["id"]) and "Source 1" in r.text
               for r in (pay, masters))
    # alice's next follow-up follows the last answer; a reply to either carries its own.
    memory = h.bot.get_cog("Questions").conversations
    # Remembered once each reply is sent: the last a moment after its POST is seen.
    await until(lambda: memory.recall(alice.id, general.id).fact_id == "masters-or-phd",
                "the last answer remembered as alice's context")
    assert memory.of_answer(pay.id).fact_id == "average-salary"
    assert memory.of_answer(masters.id).fact_id == "masters-or-phd"
    # A question alone still gets one reply.
    since = h.server.mark()
    await h.post(alice, general, "what is machine learning?", mention_bot=True)
    await asyncio.sleep(0.3)
    assert len(await replies(h, since, 1)) == 1


async def test_each_question_asked_with_slash_ask_gets_an_answer(careerbot):
    h = careerbot
    result = await h.slash(h.user("alice"), h.channel("general"), "ask", question=TWO_QUESTIONS)
    assert fact_of(result.message) == "average-salary"
    second = await result.next_message()
    assert second.ok and fact_of(second) == "masters-or-phd"
    # A "not helpful" vote on the second answer queues what was asked.
    unhelpful = next(c for c in second.custom_ids if c.startswith("cb:vote:")
                     and c.endswith(":0"))
    await h.click(h.user("alice"), second, unhelpful)
    await h.bot.database.flush()
    listing = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    assert TWO_QUESTIONS in listing.message.embeds[0]["description"]


async def test_a_question_nothing_answers_beside_one_answered_is_queued(careerbot):
    """The message gets its one answer; the part the knowledge base does not cover goes to
    the moderators' queue as a question of its own, where it would have been lost."""
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    since = h.server.mark()
    await h.post(alice, general, "how much do ml engineers make? and can i work remotely",
                 mention_bot=True)
    (reply,) = await replies(h, since, 1)
    assert fact_of(reply) == "average-salary"
    await h.bot.database.flush()
    assert [q for q, _, _ in await h.bot.database.missed_questions()] == [
        "can i work remotely"]
    asked, answered = await h.bot.database.question_counts()
    assert (asked, answered) == (2, 1)
