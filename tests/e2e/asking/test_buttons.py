"""The answers' buttons over the real wire: follow-ups, did-you-mean, votes, gone facts, forged
ids; expired interactions, rate limits, /status."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace

import pytest

from bot.core.knowledge.models import KnowledgeBase
from bot.core.matching import Thresholds
from tests.e2e.asking.shared import PAY_QUESTION
from tests.e2e.careerbot import make_bot, make_settings

# -- buttons ----------------------------------------------------------------------------------


async def test_related_question_button(careerbot):
    h = careerbot
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    follow_ups = [cid for cid in reply.custom_ids if cid.startswith("cb:fact:")]
    assert follow_ups
    in_place = await h.click(alice, reply, follow_ups[0])
    assert in_place.type == 7  # the asker: the answer is replaced in place
    still_there = [cid for cid in reply.custom_ids if cid.startswith("cb:fact:")]
    privately = await h.click(h.user("bob"), reply, still_there[0])
    assert privately.type == 4 and privately.ephemeral  # anyone else: privately


async def test_did_you_mean_buttons(start_bot, tmp_path):
    unsure = Thresholds(answer=0.999, floor=0.999, strong=0.999, suggest=0.1)
    h = await start_bot(make_bot(make_settings(tmp_path / "data"), thresholds=unsure))
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), "ml engineer salary", mention_bot=True)
    assert "Did you mean" in reply.text
    suggestions = [cid for cid in reply.custom_ids if cid.startswith("cb:fact:")]
    assert 1 <= len(suggestions) <= 3
    picked = await h.click(alice, reply, suggestions[0])
    assert picked.type == 7
    assert picked.data["embeds"][0]["description"]


async def test_feedback_one_vote_per_person(careerbot, tmp_path):
    h = careerbot
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    helpful = next(c for c in reply.custom_ids if c.startswith("cb:vote:") and c.endswith(":1"))
    unhelpful = helpful[:-1] + "0"
    first = await h.click(alice, reply, helpful)
    assert first.ephemeral and "helpful" in first.content
    second = await h.click(alice, reply, unhelpful)
    assert "changed to not helpful" in second.content
    await h.click(h.user("bob"), reply, helpful)
    await h.bot.database.flush()
    with sqlite3.connect(tmp_path / "data" / "careerbot.sqlite3") as conn:
        rows = conn.execute("SELECT voter, helpful FROM feedback").fetchall()
    assert sorted(helpful for _, helpful in rows) == [0, 1]
    assert all(str(alice.id) not in voter for voter, _ in rows)  # no user id in clear


async def test_buttons_of_a_removed_fact(careerbot):
    h = careerbot
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    service = h.bot.service
    gone = {"pay-vs-national-average", "average-salary"}
    kept = [f for f in service.knowledge.facts.values() if f.id not in gone]
    kept = [replace(f, related=tuple(r for r in f.related if r not in gone)) for f in kept]
    service.replace(KnowledgeBase(sources=service.knowledge.sources, facts={f.id: f for f in kept}))
    follow_up = next(c for c in reply.custom_ids if c.startswith("cb:fact:pay-vs-national"))
    vote = next(c for c in reply.custom_ids if c.startswith("cb:vote:"))
    for custom_id in (follow_up, vote):
        result = await h.click(alice, reply, custom_id)
        assert result.ephemeral and "no longer in my knowledge base" in result.content


async def test_forged_custom_ids_are_dropped(careerbot, fake_discord):
    """A crafted client may send any custom_id: ids not on the message, a fact that does not
    exist, a path trick, another shape. None is acted on, and the bot keeps serving."""
    h = careerbot
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    since = fake_discord.mark()
    for custom_id in ("cb:fact:no-such-fact:1", "cb:vote:no-such-fact:1",
                      "cb:fact:../../etc:1", "cb:vote:average-salary:7", "x" * 100):
        with pytest.raises(AssertionError):
            await h.forge_click(alice, reply, custom_id, timeout=0.2)
    assert fake_discord.find_requests("POST", "/interactions/*/callback", since=since) == []
    assert (await h.dm(alice, PAY_QUESTION)).ok


async def test_expired_interaction_is_a_warning_not_a_crash(careerbot, fake_discord, caplog):
    h = careerbot
    fake_discord.fail_next("POST", "/interactions/*/callback", status=404, code=10062,
                           message="Unknown interaction")
    expired = await h.slash(h.user("alice"), h.channel("general"), "ask", question=PAY_QUESTION)
    assert expired.callback.status == 404
    for _ in range(200):  # the handler logs right after Discord's 404 reaches the bot
        if any("expired before the answer" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.01)
    assert any("expired before the answer" in r.getMessage() for r in caplog.records)
    again = await h.slash(h.user("alice"), h.channel("general"), "ask", question=PAY_QUESTION)
    assert again.type == 4


async def test_rate_limited_send_is_retried(careerbot, fake_discord):
    h = careerbot
    fake_discord.fail_next("POST", "/channels/*/messages", status=429, retry_after=0.05)
    reply = await h.say(h.user("alice"), h.channel("general"), PAY_QUESTION, mention_bot=True)
    assert reply.ok
    statuses = [r.status for r in fake_discord.find_requests("POST", "/channels/*/messages")]
    assert statuses[-2:] == [429, 200]


async def test_status_is_for_the_owner_only(careerbot):
    h = careerbot
    refused = await h.slash(h.user("alice"), h.channel("general"), "status")
    assert refused.ephemeral and "Only the bot's owner" in refused.content
    await h.say(h.user("alice"), h.channel("general"), PAY_QUESTION, mention_bot=True)
    await h.bot.database.flush()
    status = await h.slash(h.user("mod"), h.channel("general"), "status")  # the app's owner
    text = status.message.text
    assert "Knowledge base" in text and "facts" in text
    assert "Questions today (UTC)** 1 (100% answered)" in text


async def test_topics_pages_through_a_big_topic(start_bot, tmp_path):
    """A topic with more questions than a menu holds (25) is shown a page at a time."""
    import shutil

    import yaml

    from bot.core.knowledge.loader import bundled_knowledge_dir

    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    facts = [{
        "id": f"big-{i:02d}", "question": f"What is big question number {i}?",
        "answer": f"Answer {i}.",
        "citations": [{"source": "ml-engineer-article-2024", "quote": "machine learning"}],
    } for i in range(30)]
    (knowledge / "topics" / "aaa-big.yaml").write_text(
        yaml.safe_dump({"topic": "aaa-big", "title": "A big topic", "facts": facts}))
    settings = make_settings(tmp_path / "data", knowledge_dir=knowledge)
    h = await start_bot(make_bot(settings, knowledge_dir=knowledge))
    alice = h.user("alice")
    result = await h.slash(alice, h.channel("general"), "topics")
    assert result.message.embeds[0]["title"] == "A big topic"
    questions = [c for row in result.message.components for c in row["components"]
                 if c["type"] == 3][1]
    assert len(questions["options"]) == 25
    assert "page 1 of 2" in result.message.embeds[0]["footer"]["text"]
    turned = await h.click(alice, result, label="Next")
    assert turned.type == 7
    assert "page 2 of 2" in turned.message.embeds[0]["footer"]["text"]
    second_page = [c for row in turned.message.components for c in row["components"]
                   if c["type"] == 3][1]
    assert [o["value"] for o in second_page["options"]] == [f"big-{i:02d}" for i in range(25, 30)]
    next_button = next(c for row in turned.message.components for c in row["components"]
                       if c.get("label") == "Next")
    assert next_button.get("disabled")
    back = await h.click(alice, turned, label="Previous")
    assert "page 1 of 2" in back.message.embeds[0]["footer"]["text"]


async def test_close_runner_up_is_the_first_follow_up(start_bot, tmp_path):
    """A strong match with a close runner-up is answered, and the runner-up is the first
    follow-up button (it may be what was meant)."""
    from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
    from bot.core.matching import Matcher

    question = "what do ml engineers work on"
    (best, score), (runner_up, _) = Matcher(
        load_knowledge_base(bundled_knowledge_dir())
    ).rank(question)[:2]
    # Only the strong-match rule can answer; any runner-up counts as close.
    thresholds = Thresholds(answer=0.999, floor=0.999, strong=score, lead=100.0, suggest=0.0)
    h = await start_bot(make_bot(make_settings(tmp_path / "data"), thresholds=thresholds))
    alice = h.user("alice")
    reply = await h.say(alice, h.channel("general"), question, mention_bot=True)
    assert best.question in reply.embeds[0]["title"]
    follow_ups = [cid for cid in reply.custom_ids if cid.startswith("cb:fact:")]
    assert follow_ups[0] == f"cb:fact:{runner_up.id}:{alice.id}"
