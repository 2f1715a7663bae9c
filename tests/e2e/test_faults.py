"""Faults over the real wire: a dropped or recycled gateway mid-stream, Discord refusing sends
(429, 5xx), a locked or unusable database, knowledge files broken while the bot runs, and
moderator edits when the history cannot record them. The bot keeps answering throughout."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from tests.discord_harness import BotMessage, FakeChannel, FakeUser, Harness
from tests.e2e.careerbot import make_bot, make_settings

pytestmark = pytest.mark.e2e

PAY_QUESTION = "how much do ML engineers earn?"
PAY = "average-salary"
QUESTIONS = (
    PAY_QUESTION, "what degree do i need to become an mle", "what is machine learning",
    "what skills does a machine learning engineer need", "is ml engineering entry level?",
    "where do i start learning ml", "what does an ml engineer do",
    "what is the capital of France",  # a decline is an answer too
)
DB_FILE = "careerbot.sqlite3"
DB_ERROR = "questions are still answered"  # the database's one ERROR line
KB_BROKEN = "knowledge files on disk are invalid"  # the bot's one ERROR line


def settings_for(tmp_path: Path, **changes):
    changes.setdefault("cooldown_questions", 200)
    changes.setdefault("cooldown_seconds", 60)
    changes.setdefault("watch_interval", 0)
    return make_settings(tmp_path / "data", **changes)


def is_reply_to(trigger: dict) -> Callable:
    def match(request) -> bool:
        body = request.body if isinstance(request.body, dict) else {}
        reference = body.get("message_reference") or {}
        return str(reference.get("message_id")) == trigger["id"] and request.status < 300
    return match


async def reply_to(h: Harness, trigger: dict, *, since: int = 0,
                   timeout: float = 5.0) -> BotMessage:
    """The bot's delivered reply to ``trigger`` (whatever else it sends meanwhile)."""
    def delivered(request) -> bool:
        return 200 <= request.status < 300 and is_reply_to(trigger)(request)

    request = await h.errors.fail_fast(
        h.server.wait_for_request("POST", "/channels/*/messages", since=since,
                                  timeout=timeout, where=delivered),
        f"waiting for the reply to {trigger['content']!r}")
    return BotMessage(request, h.server.store.get(request.response["id"]), trigger=trigger)


def replies_to(h: Harness, trigger: dict, since: int = 0) -> list:
    return h.server.recorder.find("POST", "/channels/*/messages", since=since,
                                  where=is_reply_to(trigger))


def fact_of(message: BotMessage) -> str | None:
    votes = [c for c in message.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def mention(h: Harness, user: FakeUser, channel: FakeChannel, text: str) -> BotMessage:
    since = h.server.mark()
    trigger = await h.post(user, channel, text, mention_bot=True)
    return await reply_to(h, trigger, since=since)


async def until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Bounded polling for something that happens off the wire (a thread, a log record)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


def records(guard, logger: str, level: int = logging.ERROR) -> list[logging.LogRecord]:
    return [r for r in guard.records if r.name.startswith(logger) and r.levelno >= level]


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


# -- the database -----------------------------------------------------------------------------


async def vote(h: Harness, user: FakeUser, answer: BotMessage, *, timeout: float = 5.0):
    """Click "Helpful"; when the bot deferred (a slow database), wait for its final word."""
    helpful = next(c for c in answer.custom_ids if c.startswith("cb:vote:") and c.endswith(":1"))
    result = await h.click(user, answer, helpful, timeout=timeout)
    if result.type == 5:
        await result.next_message(timeout=timeout)
    return result


@pytest.fixture
def locked_database(tmp_path):
    """Call it with the bot's database path: a separate connection then holds the write lock
    (BEGIN EXCLUSIVE) until the end of the test."""
    holders: list[sqlite3.Connection] = []

    def lock(path: Path) -> sqlite3.Connection:
        blocker = sqlite3.connect(path, timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")
        holders.append(blocker)
        return blocker

    yield lock
    for blocker in holders:
        blocker.rollback()
        blocker.close()


async def test_locked_database_questions_answered_votes_refused_politely(
        start_bot, tmp_path, discord_errors, locked_database):
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")
    h = await start_bot(make_bot(settings_for(tmp_path)))
    alice, general = h.user("alice"), h.channel("general")
    answer = await mention(h, alice, general, PAY_QUESTION)
    await h.bot.database.flush()
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
    await h.bot.database.flush()
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


# -- knowledge files broken while running -----------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(b"")


def _cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BREAKAGES: dict[str, Callable[[Path], None]] = {
    "topic file truncated to nothing": lambda kb: _truncate(kb / "topics" / "pay.yaml"),
    "topic file cut in half": lambda kb: _cut_in_half(kb / "topics" / "pay.yaml"),
    "invalid YAML": lambda kb: (kb / "topics" / "pay.yaml").write_text("topic: pay\nfacts: [\n"),
    "not UTF-8": lambda kb: (kb / "topics" / "pay.yaml").write_bytes(b"\xff\xfe\x00 topic"),
    "topic file deleted": lambda kb: (kb / "topics" / "pay.yaml").unlink(),
    "sources.yaml deleted": lambda kb: (kb / "sources.yaml").unlink(),
    "whole directory deleted": shutil.rmtree,
}


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), target)
    return target


class PollCounter:
    """Counts the watcher's polls, so a test can let several pass without guessing times."""

    def __init__(self, watcher) -> None:
        self.count = 0
        self._poll = watcher.poll
        watcher.poll = self

    def __call__(self):
        try:
            return self._poll()
        finally:
            self.count += 1

    async def wait(self, polls: int) -> None:
        target = self.count + polls
        await until(lambda: self.count >= target, f"{polls} polls of the watcher")


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
async def test_broken_knowledge_files_keep_the_last_good_knowledge(
        start_bot, tmp_path, knowledge_dir, discord_errors, caplog, breakage):
    discord_errors.allow(KB_BROKEN, logger="bot.discord.client")
    caplog.set_level(logging.WARNING, logger="bot")
    h = await start_bot(make_bot(settings_for(tmp_path, knowledge_dir=knowledge_dir,
                                              watch_interval=0.05)))
    polls = PollCounter(h.bot.watcher)
    alice, general = h.user("alice"), h.channel("general")
    assert fact_of(await mention(h, alice, general, PAY_QUESTION)) == PAY
    good = h.bot.service.knowledge

    BREAKAGES[breakage](knowledge_dir)
    await until(lambda: records(discord_errors, "bot.discord.client"), "the ERROR line")
    await polls.wait(6)  # the watcher keeps looking; the problem is not reported again
    errors = records(discord_errors, "bot.discord.client")
    assert len(errors) == 1
    assert "still answering from the last good knowledge base" in errors[0].getMessage()
    warnings = [r for r in caplog.records if r.name == "bot.core.editing.watch"]
    assert len(warnings) == 1
    assert h.bot.service.knowledge is good
    replies = [await mention(h, alice, general, q) for q in QUESTIONS[:3]]
    assert fact_of(replies[0]) == PAY and all(r.embeds for r in replies)
    slash = await h.slash(h.user("bob"), general, "ask", question=PAY_QUESTION)
    assert "$127,712" in slash.message.text

    # Fixed on disk: loaded again (silently); broken again: said again, once.
    shutil.rmtree(knowledge_dir, ignore_errors=True)
    shutil.copytree(bundled_knowledge_dir(), knowledge_dir)
    await until(lambda: h.bot.watcher.knowledge is not good, "the repaired files to load")
    assert h.bot.watcher.knowledge == load_knowledge_base(knowledge_dir)
    assert len(records(discord_errors, "bot.discord.client")) == 1
    BREAKAGES[breakage](knowledge_dir)
    await until(lambda: len(records(discord_errors, "bot.discord.client")) == 2,
                "a second ERROR line")
    await polls.wait(4)
    assert len(records(discord_errors, "bot.discord.client")) == 2
    assert fact_of(await mention(h, alice, general, PAY_QUESTION)) == PAY


# -- moderator edits when the history cannot record them --------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


@pytest.fixture
def kb_settings(tmp_path, knowledge_dir, fake_discord):
    return settings_for(tmp_path, knowledge_dir=knowledge_dir,
                        admin_guilds=frozenset({fake_discord.world.guild.id}))


async def test_moderator_edits_refused_when_the_history_is_unusable(
        start_bot, tmp_path, knowledge_dir, kb_settings, discord_errors):
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")
    (tmp_path / "data" / DB_FILE).mkdir(parents=True)
    h = await start_bot(make_bot(kb_settings))
    mod, general = h.user("mod"), h.channel("general")
    before = snapshot(knowledge_dir)

    alias = await h.slash(mod, general, "kb alias", fact=PAY, phrasing="what do mles take home")
    assert alias.ephemeral and alias.content.startswith("Not saved")
    assert "the database failed" in alias.content and "nothing was changed" in alias.content

    opened = await h.slash(mod, general, "kb add", topic="pay")
    added = await h.submit_modal(mod, opened, {
        "Question": "Do machine learning engineers earn over six figures?",
        "Other phrasings (one per line)": "do mles make six figures",
        "Answer": "Often, yes: the 2022 article says ML engineers often earn over six figures.",
        "Source id (see /sources)": "ml-engineer-article-2022",
        "Quote from the source": "often over six figures",
    })
    assert added.content.startswith("Not saved") and "the database failed" in added.content
    assert any(c.get("label") == "Fix and try again" for row in added.message.components
               for c in row["components"])

    asking = await h.slash(mod, general, "kb remove", fact="automation-demand-covid")
    removed = await h.click(mod, asking, label="Remove")
    assert "Not removed" in removed.data["content"]

    reverted = await h.slash(mod, general, "kb revert", change=1)
    assert reverted.content.startswith("Not saved")
    history = await h.slash(mod, general, "kb history")
    assert "Cannot read the history" in history.content

    assert snapshot(knowledge_dir) == before
    assert not any(p.name.startswith(".") and p.is_file() and p.suffix != ".lock"
                   for p in knowledge_dir.rglob("*")), "backups or a journal were left behind"
    assert "what do mles take home" not in {p for f in h.bot.service.knowledge.facts.values()
                                            for p in f.phrasings}
    assert fact_of(await mention(h, h.user("alice"), general, PAY_QUESTION)) == PAY
    assert len(records(discord_errors, "bot")) == 1  # the database's line, nothing else


async def test_moderator_edit_refused_when_the_history_is_locked(
        start_bot, tmp_path, knowledge_dir, kb_settings, discord_errors, locked_database):
    """The history waits up to 5 s for the lock, then the edit is refused: nothing written."""
    discord_errors.allow(DB_ERROR, logger="bot.core.storage.database")  # the question's record
    h = await start_bot(make_bot(kb_settings))
    await h.bot.database.flush()
    before = snapshot(knowledge_dir)
    locked_database(tmp_path / "data" / DB_FILE)
    alias = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                          phrasing="what do mles take home", timeout=10)
    assert alias.content.startswith("Not saved") and "locked" in alias.content
    assert snapshot(knowledge_dir) == before
    reply = await mention(h, h.user("alice"), h.channel("general"), PAY_QUESTION)
    assert fact_of(reply) == PAY  # questions are answered meanwhile


async def test_moderator_edit_is_answered_within_discords_3_seconds_when_locked(
        start_bot, tmp_path, kb_settings, locked_database):
    h = await start_bot(make_bot(kb_settings))
    await h.bot.database.flush()
    locked_database(tmp_path / "data" / DB_FILE)
    started = time.monotonic()
    alias = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                          phrasing="what do mles take home", resolve_deferred=False,
                          timeout=10)
    took = time.monotonic() - started  # until Discord got the interaction's first response
    assert took < 3.0, f"acknowledged after {took:.1f}s"
    if alias.type == 5:  # "thinking…", then the verdict
        await alias.next_message(timeout=10)
    assert "Not saved" in alias.content
