"""Asking CareerBot in threads, in forum posts and in a second server, over the real wire.

The world: the default guild plus a Q&A forum ``#ask-careerbot`` and a plain forum
``#showcase``; a second guild ("Second Server": ``#lounge``, ``carol``, moderator ``dana``).
Q&A channels: ``#careers`` and ``#ask-careerbot``.
"""

from __future__ import annotations

import discord
import pytest

from tests.discord_harness import Harness, World
from tests.e2e.asking.shared import PAY_QUESTION
from tests.e2e.careerbot import make_bot, make_settings

PAY_FIGURE = "$127,712"  # in the shipped answer to "how much do ML engineers earn?"
DEGREE_QUESTION = "What degree do I need to become an ML engineer?"


@pytest.fixture
def discord_world() -> World:
    world = World.default()
    world.add_forum("ask-careerbot")
    world.add_forum("showcase")
    world.add_guild("Second Server", channels=["lounge"], members=["carol"], moderator="dana")
    return world


@pytest.fixture
async def h(start_bot, discord_world, tmp_path) -> Harness:
    qa = frozenset({discord_world.channel("careers").id,
                    discord_world.channel("ask-careerbot").id})
    settings = make_settings(tmp_path / "data", qa_channels=qa, cooldown_questions=50,
                             cooldown_seconds=60)
    return await start_bot(make_bot(settings))


def answers_pay(reply) -> bool:
    return any(PAY_FIGURE in (e.get("description") or "") for e in reply.embeds)


# -- threads ----------------------------------------------------------------------------------


async def test_a_mention_in_a_thread_is_answered_in_the_thread(h: Harness):
    general = h.channel("general")
    thread = await h.create_thread(h.user("alice"), general, "study group")
    reply = await h.say(h.user("alice"), thread, PAY_QUESTION, mention_bot=True)
    assert reply.channel_id == thread.id
    assert reply.reference_id == int(reply.trigger["id"])
    assert answers_pay(reply)
    cached = h.bot.get_channel(thread.id)
    assert isinstance(cached, discord.Thread) and cached.parent_id == general.id


async def test_a_plain_question_in_a_thread_of_a_qa_channel(h: Harness):
    thread = await h.create_thread(h.user("bob"), h.channel("careers"), "degrees")
    reply = await h.say(h.user("alice"), thread, DEGREE_QUESTION)
    assert reply.channel_id == thread.id
    assert "bachelor" in reply.text.lower()


async def test_a_plain_question_in_a_thread_elsewhere_is_left_alone(h: Harness):
    """Only threads of Q&A channels are Q&A: the question is ignored, the next mention in
    the same thread is the bot's only message there."""
    thread = await h.create_thread(h.user("bob"), h.channel("general"), "chat")
    await h.post(h.user("alice"), thread, DEGREE_QUESTION)
    reply = await h.say(h.user("alice"), thread, PAY_QUESTION, mention_bot=True)
    assert [r.reference_id for r in h.replies_in(thread)] == [int(reply.trigger["id"])]


async def test_a_thread_named_like_a_question_is_not_answered_in_the_parent(h: Harness):
    """Opening a thread posts "alice started a thread: <name>" (type 18, content = the name)
    in the parent channel; that notice is not a question to answer there."""
    careers = h.channel("careers")
    since = h.server.mark()
    thread = await h.create_thread(h.user("alice"), careers, PAY_QUESTION)
    await h.post(h.user("alice"), thread, DEGREE_QUESTION)
    assert "bachelor" in (await h.reply_in(thread, since=since)).text.lower()
    assert h.replies_in(careers, since=since) == []


# -- forum posts ------------------------------------------------------------------------------


async def test_a_post_in_a_qa_forum_is_answered_in_the_post(h: Harness):
    post = await h.forum_post(h.user("alice"), h.channel("ask-careerbot"), "Salary question",
                              "how much do ml engineers make?")
    reply = await h.reply_in(post)
    assert reply.channel_id == post.id
    assert reply.reference_id == post.id  # a reply to the post's opening message
    assert answers_pay(reply)
    assert reply.pinged_user_ids == set()


async def test_the_title_is_part_of_the_question(h: Harness):
    """The body alone asks nothing the bot knows; title + body is the pay question."""
    post = await h.forum_post(h.user("bob"), h.channel("ask-careerbot"), PAY_QUESTION,
                              "I'm switching careers and wondering.")
    assert answers_pay(await h.reply_in(post))


async def test_a_post_the_bot_cannot_answer_gets_the_honest_decline(h: Harness):
    """A post in a Q&A forum is a question to the bot: unlike a message in a Q&A channel,
    it is not left unanswered when the bot has nothing."""
    post = await h.forum_post(h.user("alice"), h.channel("ask-careerbot"), "Travel",
                              "what is the capital of France?")
    reply = await h.reply_in(post)
    assert "don't have an answer" in reply.embeds[0]["title"]


async def test_a_qa_post_that_mentions_the_bot_is_answered_once(h: Harness):
    forum = h.channel("ask-careerbot")
    post = await h.forum_post(h.user("alice"), forum, "Salary question",
                              "how much do ml engineers make?", mention_bot=True)
    assert answers_pay(await h.reply_in(post))
    later = await h.say(h.user("bob"), post, "what is machine learning?", mention_bot=True)
    assert [r.reference_id for r in h.replies_in(post)] == [post.id, int(later.trigger["id"])]


async def test_a_post_in_another_forum_gets_nothing_unless_it_mentions_the_bot(h: Harness):
    showcase = h.channel("showcase")
    quiet = await h.forum_post(h.user("alice"), showcase, "Salary question",
                               "how much do ml engineers make?")
    mentioned = await h.forum_post(h.user("bob"), showcase, "Pay",
                                   "how much do ml engineers make?", mention_bot=True)
    assert answers_pay(await h.reply_in(mentioned))
    assert h.replies_in(quiet) == []


async def test_slash_ask_inside_a_forum_post(h: Harness):
    post = await h.forum_post(h.user("alice"), h.channel("showcase"), "My project", "a demo")
    result = await h.slash(h.user("bob"), post, "ask", question=PAY_QUESTION)
    assert result.ok and answers_pay(result.message)


# -- a second server --------------------------------------------------------------------------


async def test_the_bot_is_in_both_servers(h: Harness):
    assert {g.id for g in h.bot.guilds} == {g.id for g in h.world.guilds}
    lounge = h.channel("lounge")
    reply = await h.say(h.user("carol"), lounge, PAY_QUESTION, mention_bot=True)
    assert reply.channel_id == lounge.id and answers_pay(reply)
    assert reply["guild_id"] == str(h.world.guilds[1].id)
