"""Faults over the real wire: a dropped or recycled gateway mid-stream, Discord refusing sends
(429, 5xx), a connection dropped while sending. The bot keeps answering throughout."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.discord_harness import BotMessage, Harness
from tests.e2e.careerbot import make_bot
from tests.e2e.faults.shared import (
    PAY,
    PAY_QUESTION,
    QUESTIONS,
    fact_of,
    mention,
    replies_to,
    reply_to,
    settings_for,
)

# -- the gateway ------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["closed abruptly", "op 7 reconnect"])
async def test_gateway_fault_in_the_middle_of_a_stream_of_questions(start_bot, fake_discord,
                                                                    tmp_path, fault):
    """30 mentions sent concurrently, the gateway fails after the 10th: the bot RESUMEs (no
    new IDENTIFY), the events sent while it was away are replayed (as Discord does), and every
    question, before, during and after the fault, gets exactly one answer."""
    h = await start_bot(make_bot(settings_for(tmp_path)))
    users = [h.user("alice"), h.user("bob"), h.user("mod")]
    general, careers = h.channel("general"), h.channel("careers")
    frames_before = len(fake_discord.recorder.frames)
    since = fake_discord.mark()
    resumed = asyncio.ensure_future(h.bot.wait_for("resumed", timeout=5))

    async def send(i: int) -> dict:
        channel = general if i % 2 else careers
        return await h.post(users[i % 3], channel, QUESTIONS[i % len(QUESTIONS)],
                            mention_bot=True)

    before = await asyncio.gather(*(send(i) for i in range(10)))
    if fault == "closed abruptly":
        await fake_discord.drop_connections(code=4000)
    else:
        await fake_discord.request_reconnect()
    during = await asyncio.gather(*(send(i) for i in range(10, 30)))
    await resumed
    after = await asyncio.gather(*(send(i) for i in range(30, 40)))

    triggers = [*before, *during, *after]
    replies = await asyncio.gather(*(reply_to(h, t, since=since) for t in triggers))
    assert all(r.ok and r.embeds for r in replies)
    await fake_discord.expect_no_request("POST", "/channels/*/messages",
                                         since=fake_discord.mark(), within=0.2)
    assert [len(replies_to(h, t, since)) for t in triggers] == [1] * len(triggers)
    for trigger, reply in zip(triggers, replies, strict=True):
        question = trigger["content"].split(" ", 1)[1]
        if question == PAY_QUESTION:
            assert fact_of(reply) == PAY
    ops = [f.op for f in fake_discord.recorder.frames[frames_before:]]
    assert 6 in ops and 2 not in ops  # RESUME, not a new session


async def test_repeated_gateway_faults_keep_one_session(start_bot, fake_discord, tmp_path):
    h = await start_bot(make_bot(settings_for(tmp_path)))
    alice, general = h.user("alice"), h.channel("general")
    for round_ in range(3):
        await fake_discord.drop_connections(code=4000)
        reply = await mention(h, alice, general, PAY_QUESTION)  # sent while disconnected
        assert fact_of(reply) == PAY, round_
        await h.reconnect()
    identifies = [f for f in fake_discord.recorder.frames if f.op == 2]
    assert len(identifies) == 1


# -- Discord refusing sends -------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1.0), (500, 0.0)])
async def test_refused_send_is_retried_while_others_are_served(start_bot, fake_discord,
                                                               tmp_path, status, retry_after):
    """The answer's send gets a 429 (retry after 1 s) or a 500 (discord.py waits 1 s): it is
    retried and delivered, and meanwhile a DM and a `/ask` are answered at once."""
    h = await start_bot(make_bot(settings_for(tmp_path)))
    general = h.channel("general")
    route = f"/channels/{general.id}/messages"
    fake_discord.fail_next("POST", route, status=status, retry_after=retry_after)
    since = fake_discord.mark()
    trigger = await h.post(h.user("alice"), general, PAY_QUESTION, mention_bot=True)
    refused = await fake_discord.wait_for_request("POST", route, since=since)
    assert refused.status == status

    started = time.monotonic()
    dm_since = fake_discord.mark()
    dm_trigger = await h.post(h.user("bob"), h.world.dm_channel(h.user("bob")),
                              "what skills does a machine learning engineer need")
    dm = await reply_to(h, dm_trigger, since=dm_since)
    slash = await h.slash(h.user("mod"), h.channel("careers"), "ask", question=PAY_QUESTION)
    served_in = time.monotonic() - started
    assert dm.ok and "skill" in dm.text.lower()
    assert slash.type == 4 and "$127,712" in slash.message.text
    assert served_in < 0.9, f"others waited {served_in:.2f}s behind the retried send"
    assert not replies_to(h, trigger, since)  # alice's answer is still waiting

    delivered = await reply_to(h, trigger, since=since, timeout=5)
    assert delivered.ok and fact_of(delivered) == PAY
    assert delivered.request.index > dm.request.index
    statuses = [r.status for r in fake_discord.find_requests("POST", route, since=since)]
    assert statuses == [status, 200]


async def answer_despite(h: Harness, fake_discord, status: int) -> tuple[BotMessage, int]:
    """Ask in #general with the answer's first send failing with `status` (0: the connection
    closes); return the delivered answer and the mark taken before the question."""
    general = h.channel("general")
    since = fake_discord.mark()
    fake_discord.fail_next("POST", f"/channels/{general.id}/messages", status=status)
    trigger = await h.post(h.user("alice"), general, PAY_QUESTION, mention_bot=True)
    return await reply_to(h, trigger, since=since, timeout=5), since


async def test_503_on_send_is_retried_and_delivered(start_bot, fake_discord, tmp_path):
    """discord.py retries 429 and 500/502/504/524 itself, not 503: the bot retries it."""
    h = await start_bot(make_bot(settings_for(tmp_path)))
    reply, since = await answer_despite(h, fake_discord, 503)
    assert reply.ok and fact_of(reply) == PAY
    statuses = [r.status for r in fake_discord.find_requests("POST", "/channels/*/messages",
                                                             since=since)]
    assert statuses == [503, 200]


UNHANDLED = "Ignoring exception in on_message"


async def test_connection_dropped_while_sending_is_handled_by_the_bot(
        start_bot, fake_discord, discord_errors, tmp_path):
    """The connection closes under the answer's POST (status 0 in the harness): the bot
    retries the send, and nothing escapes its handler."""
    h = await start_bot(make_bot(settings_for(tmp_path)))
    delivered, _ = await answer_despite(h, fake_discord, 0)
    assert delivered.ok and fact_of(delivered) == PAY
    assert fact_of(await mention(h, h.user("alice"), h.channel("general"), PAY_QUESTION)) == PAY
    unhandled = [r for r in discord_errors.records if UNHANDLED in r.getMessage()]
    assert unhandled == [], f"{unhandled[0].exc_info[1]!r} escaped the bot's handler"
