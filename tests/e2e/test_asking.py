"""Asking CareerBot over the real wire: mentions, replies, DMs, Q&A channels, commands."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import replace

import discord
import pytest

from bot.core.knowledge.models import KnowledgeBase
from bot.core.matching import Thresholds
from tests.e2e.careerbot import make_bot, make_settings

PAY_QUESTION = "how much do ML engineers earn?"


@pytest.fixture
async def careerbot(start_bot, fake_discord, tmp_path):
    """The real bot, with #careers as a Q&A channel, started against the local server."""
    careers = fake_discord.world.channel("careers")
    settings = make_settings(tmp_path / "data", qa_channels=frozenset({careers.id}),
                             cooldown_questions=50, cooldown_seconds=60)
    return await start_bot(make_bot(settings))


def field_names(message) -> list[str]:
    return [f["name"] for e in message.embeds for f in e.get("fields", [])]


# -- start-up ---------------------------------------------------------------------------------


async def test_startup_syncs_commands_once(start_bot, fake_discord, tmp_path):
    settings = make_settings(tmp_path / "data")
    await start_bot(make_bot(settings))
    synced = fake_discord.find_requests("PUT", "/applications/*/commands")
    assert len(synced) == 1
    names = {(c["name"], c["type"]) for c in synced[0].body}
    assert {("ask", 1), ("topics", 1), ("sources", 1), ("help", 1),
            ("Answer with CareerBot", 3)} <= names

    since = fake_discord.mark()
    await start_bot(make_bot(settings))  # same commands, same data dir: no second sync
    assert fake_discord.find_requests("PUT", "/applications/*/commands", since=since) == []


async def test_dev_guild_sync(start_bot, fake_discord, tmp_path):
    guild = fake_discord.world.guild
    await start_bot(make_bot(make_settings(tmp_path / "data", dev_guilds=frozenset({guild.id}))))
    assert fake_discord.find_requests("PUT", f"/applications/*/guilds/{guild.id}/commands")


async def test_invalid_token_is_refused(start_bot, tmp_path):
    with pytest.raises(discord.LoginFailure):
        await start_bot(make_bot(make_settings(tmp_path / "data")), token="not-the-token")


# -- messages ---------------------------------------------------------------------------------


async def test_mention_gets_a_cited_reply(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"), PAY_QUESTION, mention_bot=True)
    assert reply.ok
    assert reply.reference_id == int(reply.trigger["id"])
    embed = reply.embeds[0]
    assert "earn" in embed["title"].lower()
    assert "$127,712" in embed["description"]
    assert any(name.startswith("Source 1:") for name in field_names(reply))
    assert "2024-04-26" in reply.text
    assert reply.pinged_user_ids == set()
    labels = {c.get("label") for row in reply.components for c in row["components"]}
    assert {"Helpful", "Not helpful"} <= labels


async def test_matching_runs_off_the_event_loop(careerbot, monkeypatch):
    """Matching takes milliseconds at scale: it runs on the cog's matching thread, so many
    questions at once do not hold the event loop (heartbeats, other replies) for all of them."""
    h = careerbot
    service = h.bot.service
    threads: list[threading.Thread] = []
    ask = service.ask

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return ask(*args, **kwargs)

    monkeypatch.setattr(service, "ask", spy)
    reply = await h.say(h.user("alice"), h.channel("general"), PAY_QUESTION, mention_bot=True)
    assert "$127,712" in reply.embeds[0]["description"]
    command = await h.slash(h.user("bob"), h.channel("general"), "ask", question=PAY_QUESTION)
    assert command.ok
    assert len(threads) == 2
    assert all(t is not threading.main_thread() for t in threads)
    assert {t.name.split("_")[0] for t in threads} == {"careerbot-match"}


async def test_reply_to_the_bot_is_a_question(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    first = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    follow = await h.say(alice, general, "what degree do i need for that job?", reply_to=first)
    assert follow.ok
    assert "degree" in follow.text.lower()


async def test_dm_is_always_a_question(careerbot):
    h = careerbot
    reply = await h.dm(h.user("bob"), "what skills does a machine learning engineer need")
    assert reply.ok
    assert "skill" in reply.text.lower()


async def test_empty_mention_gets_a_hint(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"), "", mention_bot=True)
    assert "Ask me anything" in reply.content


async def test_decline_is_honest_and_lists_topics(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"),
                        "what is the capital of France", mention_bot=True)
    embed = reply.embeds[0]
    assert "don't have an answer" in embed["title"]
    assert "Pay and salary" in embed["description"]


async def test_everyone_in_a_question_pings_nobody(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"),
                        "@everyone @here <@&123> how much do ml engineers make", mention_bot=True)
    assert reply.ok
    assert reply.sent["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert reply.pinged_user_ids == set()


async def test_unaddressed_messages_are_ignored(careerbot, fake_discord):
    h = careerbot
    since = fake_discord.mark()
    await h.post(h.user("alice"), h.channel("general"), PAY_QUESTION)
    reply = await h.say(h.user("bob"), h.channel("general"), "what is ml?", mention_bot=True)
    assert reply.reference_id == int(reply.trigger["id"])
    assert len(fake_discord.find_requests("POST", "/channels/*/messages", since=since)) == 1


async def test_qa_channel_answers_confident_questions_only(careerbot, fake_discord):
    h = careerbot
    alice, careers = h.user("alice"), h.channel("careers")
    answered = await h.say(alice, careers, "What degree do I need to become an ML engineer?")
    assert "bachelor" in answered.text.lower()

    since = fake_discord.mark()
    await h.post(alice, careers, "how much does a nurse make?")  # unsure: silent
    await h.post(alice, careers, "lol same")  # not a question: silent
    last = await h.say(alice, careers, "what is machine learning?")
    assert last.reference_id == int(last.trigger["id"])
    assert len(fake_discord.find_requests("POST", "/channels/*/messages", since=since)) == 1


async def test_channel_where_the_bot_may_not_send(careerbot, fake_discord, discord_errors):
    h = careerbot
    general = h.channel("general")
    fake_discord.forbid(general.id)
    refused = await h.say(h.user("alice"), general, PAY_QUESTION, mention_bot=True)
    assert refused.request.status == 403
    # The bot keeps running and answers elsewhere.
    reply = await h.dm(h.user("alice"), PAY_QUESTION)
    assert reply.ok


async def test_prefix_ask(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("careers"), "!ask what is machine learning")
    assert "machine learning" in reply.text.lower()


async def test_cooldown_is_friendly(start_bot, fake_discord, tmp_path):
    settings = make_settings(tmp_path / "data", cooldown_questions=2, cooldown_seconds=60)
    h = await start_bot(make_bot(settings))
    alice, general = h.user("alice"), h.channel("general")
    for _ in range(2):
        assert (await h.say(alice, general, PAY_QUESTION, mention_bot=True)).embeds
    slow_down = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    assert "try again in" in slow_down.content
    result = await h.slash(alice, general, "ask", question=PAY_QUESTION)
    assert result.ephemeral and "try again in" in result.content
    other = await h.say(h.user("bob"), general, PAY_QUESTION, mention_bot=True)
    assert other.embeds  # one person's cooldown is theirs alone


# -- application commands ---------------------------------------------------------------------


async def test_slash_ask(careerbot):
    h = careerbot
    result = await h.slash(h.user("alice"), h.channel("general"), "ask", question=PAY_QUESTION)
    assert result.type == 4
    assert "$127,712" in result.message.text
    assert result.data["allowed_mentions"]["parse"] == []


async def test_autocomplete(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    empty = await h.autocomplete(alice, general, "ask", "question", "")
    assert 0 < len(empty) <= 25
    partial = await h.autocomplete(alice, general, "ask", "question", "how much do ml eng")
    assert partial
    assert "earn" in partial[0]["name"].lower()
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in empty + partial)


async def test_sources_and_help(careerbot):
    h = careerbot
    sources = await h.slash(h.user("alice"), h.channel("general"), "sources")
    assert sources.ephemeral
    assert "US Bureau of Labor Statistics" in sources.message.text
    help_ = await h.slash(h.user("alice"), h.channel("general"), "help")
    assert "/ask" in help_.message.text


async def test_context_menu_answers_someone_elses_message(careerbot):
    h = careerbot
    question = await h.post(h.user("bob"), h.channel("general"), "is ml engineering entry level?")
    result = await h.context_menu(h.user("alice"), h.channel("general"),
                                  "Answer with CareerBot", question)
    assert result.type == 4
    assert "Answering" in result.content
    assert "entry-level" in result.message.text.lower()


async def test_topics_browser_pages(careerbot):
    h = careerbot
    alice = h.user("alice")
    result = await h.slash(alice, h.channel("general"), "topics")
    assert result.ephemeral
    first_title = result.message.embeds[0]["title"]
    selects = [c for row in result.message.components for c in row["components"]
               if c["type"] == 3]
    topic_menu = selects[0]
    assert len(topic_menu["options"]) <= 25
    changed = await h.click(alice, result, topic_menu["custom_id"], values=["1"])
    assert changed.type == 7
    assert changed.message.embeds[0]["title"] != first_title
    question_menu = selects[1]
    fact_id = question_menu["options"][0]["value"]
    answered = await h.click(alice, result, question_menu["custom_id"], values=[fact_id])
    assert answered.type == 4 and answered.ephemeral
    stranger = await h.click(h.user("bob"), result, topic_menu["custom_id"], values=["2"])
    assert "belongs to someone else" in stranger.content


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
