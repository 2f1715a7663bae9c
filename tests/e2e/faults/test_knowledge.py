"""Knowledge files broken while the bot runs, and moderator edits when the history cannot
record them, over the real wire."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from tests.e2e.careerbot import make_bot
from tests.e2e.faults.shared import (
    DB_ERROR,
    DB_FILE,
    KB_BROKEN,
    PAY,
    PAY_QUESTION,
    QUESTIONS,
    fact_of,
    mention,
    records,
    settings_for,
    until,
)

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
