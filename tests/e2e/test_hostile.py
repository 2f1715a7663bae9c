"""Hostile input over the real wire: arbitrary text (Hypothesis), forged interactions, and the
token kept out of every log record, message and exported file."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.core.knowledge.loader import bundled_knowledge_dir
from bot.core.matching import MAX_QUESTION_CHARS
from tests.discord_harness import (
    BotMessage,
    FakeChannel,
    FakeUser,
    Harness,
    InteractionResult,
    InteractionType,
    new_id,
    payloads,
)
from tests.discord_harness.gateway import message_as_delivered
from tests.discord_harness.store import InteractionRecord
from tests.e2e.careerbot import make_bot, make_settings

pytestmark = pytest.mark.e2e

PAY_QUESTION = "how much do ML engineers earn?"
PAY = "average-salary"
HINT = "Ask me anything"
REPLY_TIMEOUT = 5.0  # "bounded time": every answer, decline or hint comes within this
SILENCE = 0.3  # how long "no answer" is watched for
SORRY = "Something went wrong on my side"


@pytest.fixture
async def h(start_bot, fake_discord, tmp_path):
    settings = make_settings(tmp_path / "data", cooldown_questions=10_000, cooldown_seconds=1,
                             watch_interval=0)
    return await start_bot(make_bot(settings))


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
    else:
        assert reply.embeds, (text, reply.content)
        title = reply.embeds[0]["title"]
        assert fact_of(reply) or "don't have an answer" in title or "Did you mean" in reply.text


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
    assert reply.embeds or HINT in reply.content


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
    assert result.message.embeds


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


# -- forged interactions ----------------------------------------------------------------------


async def forge(h: Harness, kind: int, user: FakeUser, channel: FakeChannel, data: dict, *,
                message: dict | None = None, within: float = 1.0) -> InteractionResult | None:
    """Dispatch an INTERACTION_CREATE built by hand (what a crafted client, or a stale
    command definition, makes Discord send); the bot's callback, or None if it sent none."""
    payload = payloads.interaction_payload(h.world, type=kind, user=user, channel=channel,
                                           data=data, message=message)
    record = InteractionRecord(id=int(payload["id"]), token=payload["token"], type=kind,
                               user=user, channel=channel, payload=payload,
                               message_id=int(message["id"]) if message else None)
    h.server.store.interactions[record.token] = record
    since = h.server.mark()
    await h.server.dispatch("INTERACTION_CREATE", payload)
    try:
        callback = await h.server.wait_for_request(
            "POST", f"/interactions/{record.id}/*/callback", since=since, timeout=within)
    except AssertionError:
        return None
    return InteractionResult(h, record, callback, since)


def command_payload(h: Harness, channel: FakeChannel, name: str, options: list[dict], *,
                    kind: int = 1) -> dict:
    """``data`` for command ``name`` as registered (or made up, when it is not)."""
    scopes = [channel.guild_id, None]
    registered = next((c for s in scopes for c in h.server.commands.get(s, [])
                       if c["name"] == name and c["type"] == kind),
                      {"id": str(new_id()), "name": name, "type": kind})
    return payloads.command_data(registered, options)


def option(name: str, value: Any, kind: int = 3) -> dict:
    return {"type": kind, "name": name, "value": value}


async def expect_no_followup(h: Harness, result: InteractionResult) -> None:
    """No followup or edit of the response comes after the interaction's answer."""
    await h.server.expect_no_request("*", f"/webhooks/*/{result.record.token}*",
                                     since=result.callback.index, within=SILENCE)


@pytest.fixture
async def mod_h(start_bot, fake_discord, tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    settings = make_settings(tmp_path / "data", knowledge_dir=knowledge, watch_interval=0,
                             admin_guilds=frozenset({fake_discord.world.guild.id}),
                             cooldown_questions=10_000, cooldown_seconds=1)
    return await start_bot(make_bot(settings))


# A forged interaction must not make the bot log an ERROR: each test allows the error handler's
# record (so the guard reports it through the assertion below rather than at teardown) and
# asserts that no ERROR was logged. These tests once exposed bugs, now fixed: unknown or stale
# commands, missing options and wrong option types reached the error handler as failures;
# `/kb revert` passed crafted numbers to SQLite; a refused non-moderator got two messages.
APP_COMMAND_FAILED = "application command .* failed"


def logged_errors(guard) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in guard.records if r.levelno >= logging.ERROR]


def refused_cleanly(result: InteractionResult | None) -> None:
    """No answer at all, or a private one that does not claim an internal failure."""
    if result is not None:
        assert result.ok and result.ephemeral, result.data
        assert SORRY not in result.content


UNKNOWN_COMMANDS = {
    "unknown slash command": ("definitely-not-a-command", [], 1),
    "unknown context menu": ("Do Something Else", [], 3),
    "unknown subcommand": ("kb", [{"type": 1, "name": "frobnicate", "options": []}], 1),
    "unknown subcommand group": (
        "kb", [{"type": 2, "name": "nope", "options": [{"type": 1, "name": "x"}]}], 1),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN_COMMANDS))
async def test_unknown_commands_are_refused_cleanly(mod_h, discord_errors, case):
    h = mod_h
    discord_errors.allow(APP_COMMAND_FAILED, logger="bot.discord.errors")
    name, options, kind = UNKNOWN_COMMANDS[case]
    data = command_payload(h, h.channel("general"), name, options, kind=kind)
    if kind == 3:
        message = await h.post(h.user("bob"), h.channel("general"), PAY_QUESTION)
        data.update(target_id=message["id"], resolved={"messages": {message["id"]: message}})
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("mod"),
                         h.channel("general"), data)
    await still_serving(h)
    assert logged_errors(discord_errors) == []
    refused_cleanly(result)


async def test_autocomplete_for_an_unknown_command_is_harmless(h, discord_errors):
    discord_errors.allow(APP_COMMAND_FAILED, logger="bot.discord.errors")
    data = command_payload(h, h.channel("general"), "nope",
                           [{"type": 3, "name": "q", "value": "how", "focused": True}])
    result = await forge(h, InteractionType.AUTOCOMPLETE, h.user("alice"), h.channel("general"),
                         data)
    await still_serving(h)
    assert logged_errors(discord_errors) == []
    assert result is None or result.type == 8


WRONG_ASK_OPTIONS = {
    "a number for the question": [option("question", 12345, kind=4)],
    "a float typed as a number": [option("question", 3.5, kind=10)],
    "a boolean": [option("question", True, kind=5)],
    "null": [option("question", None)],
    "a list": [option("question", ["how", "much"])],
    "an object": [option("question", {"$gt": ""})],
}


@pytest.mark.parametrize("case", sorted(WRONG_ASK_OPTIONS))
async def test_ask_with_a_wrong_option_type_is_refused_cleanly(h, discord_errors, case):
    discord_errors.allow(APP_COMMAND_FAILED, logger="bot.discord.errors")
    data = command_payload(h, h.channel("general"), "ask", WRONG_ASK_OPTIONS[case])
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("alice"),
                         h.channel("general"), data)
    await still_serving(h)
    assert logged_errors(discord_errors) == []
    refused_cleanly(result)


async def test_ask_without_its_required_option_is_refused_cleanly(h, discord_errors):
    discord_errors.allow(APP_COMMAND_FAILED, logger="bot.discord.errors")
    data = command_payload(h, h.channel("general"), "ask", [])
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("alice"),
                         h.channel("general"), data)
    await still_serving(h)
    assert logged_errors(discord_errors) == []
    refused_cleanly(result)


@pytest.mark.parametrize("length", [0, MAX_QUESTION_CHARS + 1, 4000, 100_000])
async def test_ask_option_longer_or_shorter_than_discord_allows(h, length):
    """`/ask` declares 1-500 characters, but a crafted interaction can carry anything: it is
    answered (the matcher reads the first 500 characters) or declined, never an error."""
    question = ("how much do ml engineers earn " * 4000)[:length]
    data = command_payload(h, h.channel("general"), "ask", [option("question", question)])
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("alice"),
                         h.channel("general"), data, within=REPLY_TIMEOUT)
    assert result is not None and result.ok
    assert result.ephemeral or result.message.embeds
    assert result.data["allowed_mentions"]["parse"] == []
    await still_serving(h)


REVERT_OPTIONS = {
    "a string for the integer": "abc",
    "too large for SQLite": 2**70,
    "a float": 1.5,
    "zero": 0,
    "negative": -7,
    "above the declared maximum": 2**53 + 1,
}


@pytest.mark.parametrize("value", list(REVERT_OPTIONS.values()), ids=list(REVERT_OPTIONS))
async def test_kb_revert_with_a_bad_change_number_is_refused_cleanly(mod_h, discord_errors,
                                                                     value):
    h = mod_h
    discord_errors.allow(APP_COMMAND_FAILED, logger="bot.discord.errors")
    kind = 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
    data = command_payload(h, h.channel("general"), "kb", [
        {"type": 1, "name": "revert", "options": [option("change", value, kind)]}])
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("mod"),
                         h.channel("general"), data, within=REPLY_TIMEOUT)
    await still_serving(h)
    assert logged_errors(discord_errors) == []
    assert result is not None
    refused_cleanly(result)
    assert "no such change" in result.content


async def test_refused_non_moderator_gets_one_message(mod_h):
    """The gate answers a non-moderator once; nothing else follows."""
    h = mod_h
    result = await h.slash(h.user("alice"), h.channel("general"), "kb reload")
    assert "Only moderators" in result.content
    await expect_no_followup(h, result)


async def test_oversized_kb_alias_is_refused_cleanly(mod_h):
    h = mod_h
    data = command_payload(h, h.channel("general"), "kb", [{
        "type": 1, "name": "alias",
        "options": [option("fact", PAY), option("phrasing", "how much money " * 5000)]}])
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("mod"),
                         h.channel("general"), data, within=REPLY_TIMEOUT)
    assert result is not None and result.ephemeral
    await still_serving(h)


async def test_tampered_custom_ids_are_refused(h):
    """A crafted client may send any custom_id: a fact that does not exist, another asker's
    id, a vote value other than 0/1, a path, junk. discord.py acts only on ids that are on the
    message Discord says was clicked, and the bot's templates are strict."""
    alice, bob = h.user("alice"), h.user("bob")
    answer = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    content_before = json.dumps(h.server.store.get(answer.id), sort_keys=True)
    since = h.server.mark()
    forged = [f"cb:fact:degree-required:{bob.id}", f"cb:fact:no-such-fact:{alice.id}",
              "cb:vote:no-such-fact:1", f"cb:vote:{PAY}:2", f"cb:vote:{PAY}:1:extra",
              "cb:fact:../../etc/passwd:1", "cb:fact:" + "a" * 90 + ":1", "", "🤖" * 25,
              "cb:fact:DEGREE-REQUIRED:1"]
    for custom_id in forged:
        for component_type in (2, 3):
            with pytest.raises(AssertionError, match="made no POST"):
                await h.forge_click(bob, answer, custom_id, component_type=component_type,
                                    values=["x"], timeout=0.1)
    assert h.server.find_requests("POST", "/interactions/*/callback", since=since) == []
    assert json.dumps(h.server.store.get(answer.id), sort_keys=True) == content_before
    await still_serving(h)


async def test_someone_elses_buttons_never_change_their_message(h):
    """Bob clicks the buttons under Alice's answer: he gets answers privately, his vote is his
    own (a second click changes it), and Alice's message is never edited."""
    alice, bob = h.user("alice"), h.user("bob")
    answer = await h.say(alice, h.channel("general"), PAY_QUESTION, mention_bot=True)
    before = json.dumps(h.server.store.get(answer.id), sort_keys=True)
    follow_up = next(c for c in answer.custom_ids if c.startswith("cb:fact:"))
    privately = await h.click(bob, answer, follow_up)
    assert privately.type == 4 and privately.ephemeral
    helpful = next(c for c in answer.custom_ids if c.startswith("cb:vote:") and c.endswith(":1"))
    first = await h.click(bob, answer, helpful)
    second = await h.click(bob, answer, helpful[:-1] + "0")
    assert "Noted as helpful" in first.content and "changed to not helpful" in second.content
    assert json.dumps(h.server.store.get(answer.id), sort_keys=True) == before
    await still_serving(h)


async def test_forged_modal_submit_and_select_are_ignored(mod_h):
    h = mod_h
    since = h.server.mark()
    for custom_id in ("kb:form:add", "x" * 100, ""):
        data = {"custom_id": custom_id, "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "q", "value": "x" * 5000}]}]}
        result = await forge(h, InteractionType.MODAL_SUBMIT, h.user("mod"),
                             h.channel("general"), data, within=0.2)
        assert result is None
    assert h.server.find_requests("POST", "/interactions/*/callback", since=since) == []
    await still_serving(h)


async def test_kb_from_a_dm_is_refused(mod_h):
    """`/kb` is guild-only; a forged DM invocation is refused by the gate, not obeyed."""
    h = mod_h
    data = command_payload(h, h.channel("general"), "kb", [{"type": 1, "name": "export",
                                                            "options": []}])
    data.pop("guild_id", None)
    result = await forge(h, InteractionType.APPLICATION_COMMAND, h.user("mod"),
                         h.world.dm_channel(h.user("mod")), data)
    assert result is None or (result.ephemeral and not result.callback.files)
    await still_serving(h)


# -- secrets ----------------------------------------------------------------------------------

SECRET_TOKEN = "MTE5OTk5OTk5OTk5OTk5OTk5OQ.GhQz7x.Zk9-secret-Tok3n-Pq2Lm8Vx4Wn6Yb1"


def everything_said(caplog) -> list[tuple[str, str]]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    said = []
    for record in caplog.records:
        text = formatter.format(record)  # message, args, exception and stack, formatted
        said.append((record.name, text + repr(record.args) + repr(record.__dict__)))
    return said


async def test_the_token_never_leaks(start_bot, fake_discord, tmp_path, caplog, discord_errors):
    """A session at DEBUG with sends, interactions, refusals, errors, a resume and
    `/kb export`: the token is in no log record, no request the bot made (except IDENTIFY and
    RESUME, where it belongs), no exported file and no file in the data directory."""
    caplog.set_level(logging.DEBUG)
    discord_errors.allow("sending the answer in channel .* failed: 503", logger="bot")
    fake_discord.token = SECRET_TOKEN
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, knowledge_dir=knowledge, watch_interval=0,
                             admin_guilds=frozenset({fake_discord.world.guild.id}),
                             cooldown_questions=100, cooldown_seconds=60)
    h = await start_bot(make_bot(settings))
    alice, mod, general = h.user("alice"), h.user("mod"), h.channel("general")

    answer = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    await h.dm(alice, "what is the capital of France")
    await h.slash(alice, general, "ask", question=PAY_QUESTION)
    await h.autocomplete(alice, general, "ask", "question", "how much")
    vote = next(c for c in answer.custom_ids if c.startswith("cb:vote:"))
    await h.click(h.user("bob"), answer, vote)
    fake_discord.fail_next("POST", f"/channels/{general.id}/messages", status=429,
                           retry_after=0.01)
    await h.say(alice, general, "what is machine learning", mention_bot=True)
    fake_discord.fail_next("POST", f"/channels/{general.id}/messages", status=503)
    await h.say(alice, general, "what degree do i need", mention_bot=True)  # logged, lost
    fake_discord.forbid(h.channel("careers").id)
    await h.say(alice, h.channel("careers"), PAY_QUESTION, mention_bot=True)  # 403
    await h.slash(alice, general, "kb reload")  # refused: not a moderator
    await h.slash(mod, general, "kb revert", change=999)  # refused: no such change
    await h.reconnect()  # RESUME carries the token
    exported = await h.slash(mod, general, "kb export")
    await still_serving(h)
    await h.bot.database.flush()

    leaked = [name for name, text in everything_said(caplog) if SECRET_TOKEN in text]
    assert leaked == [], f"the token is in log records of {sorted(set(leaked))}"
    assert len(caplog.records) > 50  # DEBUG really was on (discord.py logs every request)
    for request in fake_discord.requests:
        seen = json.dumps([request.path, request.query, request.body, request.response],
                          default=str)
        assert SECRET_TOKEN not in seen, f"the token went out in {request}"
    frames = [f.op for f in fake_discord.recorder.frames
              if SECRET_TOKEN in json.dumps(f.data, default=str)]
    assert set(frames) <= {2, 6}  # IDENTIFY and RESUME: where Discord needs it
    files = await asyncio.to_thread(h.bot.store.export)
    assert set(exported.callback.files) == set(files)
    assert all(SECRET_TOKEN.encode() not in data for data in files.values())
    stored = await asyncio.to_thread(
        lambda: {str(p): p.read_bytes() for p in Path(data_dir).rglob("*") if p.is_file()})
    assert stored and all(SECRET_TOKEN.encode() not in data for data in stored.values())
