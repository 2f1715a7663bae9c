"""Asking CareerBot over the real wire: start-up, mentions, replies, DMs, Q&A channels, !ask."""

from __future__ import annotations

import threading

import discord
import pytest

from tests.e2e.asking.shared import PAY_QUESTION, field_names
from tests.e2e.careerbot import make_bot, make_settings

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


async def test_a_comparison_with_another_job_says_which_side_it_answers(careerbot):
    """"ML engineer vs software engineer salary" got the ML figure as if it answered both."""
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"),
                        "ml engineer vs software engineer salary?", mention_bot=True)
    description = reply.embeds[0]["description"]
    assert description.startswith(
        "*My sources are about machine learning, not **software engineer**, so this answers "
        "the machine learning side only.*")
    assert "$127,712" in description
    command = await h.slash(h.user("bob"), h.channel("general"), "ask",
                            question="do ml engineers make more than data scientists")
    assert "not **data scientists**" in command.message.embeds[0]["description"]


async def test_decline_is_honest_and_lists_topics(careerbot):
    h = careerbot
    reply = await h.say(h.user("alice"), h.channel("general"),
                        "what is the capital of France", mention_bot=True)
    embed = reply.embeds[0]
    assert "don't have an answer" in embed["title"]
    assert "Pay and salary" in embed["description"]


async def test_a_decline_says_why_when_the_sources_are_about_something_else(careerbot):
    """A question about another job, or a figure for a place the sources never name, is
    declined with the reason, then the closest answers (or the topics)."""
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    place = await h.say(alice, general, "how much does an ml engineer earn in the uk",
                        mention_bot=True)
    embed = place.embeds[0]
    assert "don't have an answer" in embed["title"]
    assert embed["description"].startswith("My sources give no figures for **uk**.")
    assert "The closest I can answer" in embed["description"]
    assert "earn in the US" in " ".join(f["value"] for f in embed["fields"])
    role = await h.say(alice, general, "how much does a nurse make", mention_bot=True)
    description = role.embeds[0]["description"]
    assert description.startswith("My sources are about machine learning, not **nurse**.")
    unrelated = await h.say(alice, general, "what is the capital of France", mention_bot=True)
    assert "My sources" not in unrelated.embeds[0]["description"]


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
