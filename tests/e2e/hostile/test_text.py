"""Hostile input over the real wire: arbitrary text people might send (Hypothesis), and the
replies it gets."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.core.compound import questions_in
from bot.core.matching import MAX_QUESTION_CHARS
from bot.core.smalltalk import small_talk
from tests.discord_harness import (
    BotMessage,
    FakeChannel,
    FakeUser,
    Harness,
    new_id,
    payloads,
)
from tests.discord_harness.gateway import message_as_delivered
from tests.e2e.hostile.shared import (
    HINT,
    PAY,
    PAY_QUESTION,
    REPLY_TIMEOUT,
    SILENCE,
    assert_pings_nobody,
    fact_of,
    still_serving,
)

# -- text people might send -------------------------------------------------------------------

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
RTL_WORDS = ("مهندس تعلم الآلة", "כמה מרוויח מהנדס", "‮ecnetnes desrever‬")
MARKDOWN = ("**", "__", "*", "_", "~~", "||", "`", "> ", "# ", "- ", "-# ")
COMMAND_WORDS = ("ask", "sync", "help", "status", "kb", "!ask", "/ask")
QUESTIONS = (PAY_QUESTION, "what degree do i need to become an mle", "what is machine learning",
             "what is the capital of France", "is ml engineering entry level?")


def mentions(world) -> st.SearchStrategy[str]:
    guild = world.guild
    user_ids = [m.id for m in guild.members]
    role_ids = [r.id for r in guild.roles]
    channel_ids = [c.id for c in guild.channels]
    return st.one_of(
        st.sampled_from(["@everyone", "@here", "@ everyone", "@\u200beveryone", "＠everyone"]),
        st.sampled_from(user_ids).map(lambda i: f"<@{i}>"),
        st.sampled_from(user_ids).map(lambda i: f"<@!{i}>"),
        st.sampled_from(role_ids).map(lambda i: f"<@&{i}>"),
        st.sampled_from(channel_ids).map(lambda i: f"<#{i}>"),
        st.integers(0, 2**64).map(lambda i: f"<@{i}>"),
        st.just(f"<@{world.bot.id}>"),
    )


def markdown(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def wrap(strategy):
        return st.builds(lambda text, mark: f"{mark}{text}{mark}", strategy,
                         st.sampled_from(MARKDOWN))
    return st.recursive(inner, wrap, max_leaves=6)


def hostile_text(world) -> st.SearchStrategy[str]:
    small = st.text(max_size=40)
    piece = st.one_of(
        st.text(max_size=120),  # any Unicode
        st.sampled_from(QUESTIONS),
        st.text(alphabet=ZERO_WIDTH + BIDI + " \n\t", min_size=1, max_size=20),
        st.sampled_from(RTL_WORDS),
        mentions(world),
        markdown(small),
        st.builds(lambda lang, code: f"```{lang}\n{code}\n```",
                  st.sampled_from(["", "py", "sql", "```"]), st.text(max_size=80)),
        st.builds(lambda code: f"`{code}`", small),
        st.sampled_from(["'); DROP TABLE questions; --", "\" OR 1=1 --", "%s %d {0} {{x}}",
                         "\x00\x01\x7f", "../../etc/passwd", "<script>alert(1)</script>"]),
    )
    long = st.builds(lambda chars, n: (chars * n)[:4000], st.text(min_size=1, max_size=8),
                     st.integers(500, 4000))
    composed = st.lists(piece, max_size=6).map(" ".join)
    commandish = st.builds(lambda word, rest: f"{word} {rest}", st.sampled_from(COMMAND_WORDS),
                           composed)
    return st.one_of(composed, long, commandish, st.just(""), st.just(" \n "),
                     st.just("".join(ZERO_WIDTH)))


def command_word(text: str) -> str:
    """The word discord.py reads as a prefix command after ``<@bot> `` (up to whitespace)."""
    end = next((i for i, c in enumerate(text) if c.isspace()), len(text))
    return text[:end]


def expected_reply(text: str, bot_id: int) -> str:
    """What a mention with ``text`` must get: "hint", "answer" (or decline), or "silence"."""
    word = command_word(text)
    if word == "sync":
        return "silence"  # the owner's command: ignored for everyone else
    if word == "ask":
        rest = text[len(word):]
        return "answer" if rest.strip() else "hint"
    question = re.sub(rf"<@!?{bot_id}>", " ", f"<@{bot_id}> {text}").strip()
    if question and small_talk(question) is not None:
        return "small talk"  # "help ", "hi": a short reply in plain text
    return "answer" if question else "hint"


async def check_mention(h: Harness, user: FakeUser, channel: FakeChannel, text: str) -> None:
    expected = expected_reply(text, h.world.bot.id)
    if expected == "silence":
        since = h.server.mark()
        await h.post(user, channel, text, mention_bot=True)
        await h.server.expect_no_request("POST", "/channels/*/messages", since=since,
                                         within=SILENCE)
        return
    reply = await h.say(user, channel, text, mention_bot=True, timeout=REPLY_TIMEOUT)
    assert reply.ok, (text, reply.request)
    assert reply.reference_id == int(reply.trigger["id"])
    assert_pings_nobody(reply)
    if expected == "hint":
        assert HINT in reply.content
    elif expected == "small talk":
        assert reply.content and not reply.embeds
    else:
        assert reply.embeds, (text, reply.content)
        title = reply.embeds[0]["title"]
        assert (fact_of(reply) or "don't have an answer" in title or "Did you mean" in reply.text
                or title == texts.MORE_TITLE)  # "more" after an answer: its related questions
        question = re.sub(rf"<@!?{h.world.bot.id}>", " ", text).strip()
        if questions_in(question[:MAX_QUESTION_CHARS * 2]):
            await replies_settled(h, int(reply.trigger["id"]))


async def replies_settled(h: Harness, trigger: int, quiet: float = 0.3,
                          limit: float = REPLY_TIMEOUT) -> None:
    """Wait until no further reply to `trigger` comes (a message asking several questions gets
    one reply each): a late one must not be taken for the reply to the next message."""
    loop = asyncio.get_running_loop()
    deadline, count, since = loop.time() + limit, -1, loop.time()
    while loop.time() < deadline:
        now = sum(1 for r in h.server.find_requests("POST", "/channels/*/messages")
                  if isinstance(r.response, dict)
                  and (r.response.get("message_reference") or {}).get("message_id")
                  == str(trigger))
        if now != count:
            count, since = now, loop.time()
        elif loop.time() - since >= quiet:
            return
        await asyncio.sleep(0.02)


HYPOTHESIS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow, HealthCheck.data_too_large])


@HYPOTHESIS
@given(data=st.data())
async def test_any_mention_gets_an_answer_a_decline_or_the_hint(h, data):
    text = data.draw(hostile_text(h.world), label="text")
    user = data.draw(st.sampled_from([h.user("alice"), h.user("bob")]), label="user")
    channel = data.draw(st.sampled_from([h.channel("general"), h.channel("careers")]))
    event(f"expected: {expected_reply(text, h.world.bot.id)}")
    await check_mention(h, user, channel, text)


@HYPOTHESIS
@given(data=st.data())
async def test_any_dm_gets_an_answer_a_decline_or_the_hint(h, data):
    text = data.draw(hostile_text(h.world).filter(lambda t: command_word(t) != "sync"),
                     label="text")
    reply = await h.dm(h.user("bob"), text, timeout=REPLY_TIMEOUT)
    assert reply.ok
    assert_pings_nobody(reply)
    assert reply.embeds or HINT in reply.content or small_talk(text) is not None


@HYPOTHESIS
@given(data=st.data())
async def test_any_ask_option_gets_an_answer_or_a_decline(h, data):
    """What the Discord client lets a user type into `/ask question:` (1 to 500 characters)."""
    text = data.draw(hostile_text(h.world).map(lambda t: t[:MAX_QUESTION_CHARS])
                     .filter(bool), label="question")
    result = await h.slash(h.user("alice"), h.channel("general"), "ask", question=text,
                           timeout=REPLY_TIMEOUT)
    assert result.type == 4 and result.ok
    assert result.data["allowed_mentions"] == {"parse": []}
    assert result.message.pinged_user_ids == set()
    assert result.message.embeds or (small_talk(text) is not None and result.message.content)


@HYPOTHESIS
@given(data=st.data())
async def test_any_autocomplete_input_gets_valid_choices(h, data):
    typed = data.draw(hostile_text(h.world), label="typed")
    choices = await h.autocomplete(h.user("alice"), h.channel("general"), "ask", "question",
                                   typed, timeout=REPLY_TIMEOUT)
    assert len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


# A few inputs by name, so they are always covered whatever Hypothesis draws.
NAMED_TEXTS = {
    "4,000 characters": ("how much do ml engineers earn " * 200)[:4000],
    "4,000 emoji": "🤖" * 4000,
    "only zero-width characters": ZERO_WIDTH * 10,
    "right-to-left override": "\u202e?nrae sreenigne LM od hcum woh",
    "code block": "```py\nimport os; os.system('rm -rf /')\n```\nhow much do ml engineers earn?",
    "nested markdown": "**__*~~||`how much do ml engineers earn`||~~*__**",
    "everyone and here": "@everyone @here how much do ml engineers earn?",
    "combining marks": "h\u0336o\u0336w\u0336" + "\u0301" * 500,
    "null bytes": "how\x00much\x00do ml engineers earn",
    "sql": "'); DROP TABLE questions; -- how much do ml engineers earn",
    "line breaks and spaces": "how much do ml engineers earn?" + "\n " * 300,
    "two questions": "how much do ml engineers earn? and what is machine learning",
}


@pytest.mark.parametrize("name", sorted(NAMED_TEXTS))
async def test_named_hostile_mentions(h, name):
    general = h.channel("general")
    await check_mention(h, h.user("alice"), general, NAMED_TEXTS[name])
    text = NAMED_TEXTS[name]
    with_mentions = f"<@{h.user('bob').id}> <@&{h.world.role('Moderator').id}> {text}"
    await check_mention(h, h.user("alice"), general, with_mentions[:4000])


async def test_replies_quote_nothing_that_pings(h):
    """The decline echoes nothing that could notify anyone, even under allowed_mentions."""
    bob, role = h.user("bob"), h.world.role("Moderator")
    reply = await h.say(h.user("alice"), h.channel("general"),
                        f"@everyone <@{bob.id}> <@&{role.id}> what is the capital of France",
                        mention_bot=True)
    assert_pings_nobody(reply)
    stored = h.server.store.get(reply.id)
    assert stored["mentions"] == [] and not stored["mention_everyone"]


async def test_empty_dm_gets_the_hint(h):
    reply = await h.dm(h.user("alice"), "")
    assert HINT in reply.content
    assert_pings_nobody(reply)


def attachment(name: str = "cv.pdf") -> dict[str, Any]:
    attachment_id = new_id()
    url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{name}"
    return {"id": str(attachment_id), "filename": name, "size": 1234, "url": url,
            "proxy_url": url, "content_type": "application/pdf"}


async def post_with_attachment(h: Harness, user: FakeUser, channel: FakeChannel,
                               content: str) -> dict:
    bot = h.world.bot
    mentioned = [bot] if bot.mention in content else []
    message = payloads.message_payload(channel=channel, author=user, content=content,
                                       mentions=mentioned, attachments=[attachment()])
    h.server.store.add(message)
    await h.server.dispatch("MESSAGE_CREATE", lambda intents: message_as_delivered(
        message, intents, bot_id=bot.id))
    return message


async def test_attachment_with_a_question_is_answered(h):
    since = h.server.mark()
    trigger = await post_with_attachment(h, h.user("alice"), h.channel("general"),
                                         f"{h.world.bot.mention} {PAY_QUESTION}")
    request = await h.server.wait_for_request("POST", "/channels/*/messages", since=since)
    reply = BotMessage(request, h.server.store.get(request.response["id"]), trigger=trigger)
    assert fact_of(reply) == PAY
    assert_pings_nobody(reply)


async def test_attachment_only_mention_gets_a_reply(h):
    """A mention or DM carrying only a file gets a short hint, and the bot keeps serving."""
    for user, channel, text in ((h.user("alice"), h.channel("general"), h.world.bot.mention),
                                (h.user("bob"), h.world.dm_channel(h.user("bob")), "")):
        since = h.server.mark()
        await post_with_attachment(h, user, channel, text)
        request = await h.server.wait_for_request("POST", "/channels/*/messages", since=since,
                                                  timeout=1.0)
        assert request.status == 200
        assert "only read questions written as text" in request.body["content"]
        assert request.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    await still_serving(h)
