"""The watcher: edits on disk are picked up; a broken file is reported once and the last good
knowledge base is kept."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from bot.core.editing import KnowledgeStore, KnowledgeWatcher, reload
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import bundled_knowledge_dir
from bot.core.knowledge.models import KnowledgeBase

from .conftest import loaded


class Recorder:
    def __init__(self) -> None:
        self.changes: list[KnowledgeBase] = []
        self.errors: list[list[Issue]] = []
        self.event = threading.Event()

    def on_change(self, kb: KnowledgeBase) -> None:
        self.changes.append(kb)
        self.event.set()

    def on_error(self, issues: list[Issue]) -> None:
        self.errors.append(issues)
        self.event.set()

    def wait(self, timeout: float = 5.0) -> None:
        assert self.event.wait(timeout), "the watcher did not report"
        self.event.clear()


def edit_pay_title(root: Path, title: str) -> None:
    path = root / "topics/pay.yaml"
    text = path.read_text().replace("title: Pay and salary", f"title: {title}", 1)
    path.write_text(text.replace("title: Pay now", f"title: {title}", 1))


def test_change_break_fix(kb_dir: Path):
    good = loaded(kb_dir)
    seen = Recorder()
    watcher = KnowledgeWatcher(kb_dir, seen.on_change, seen.on_error, interval=0.02,
                               knowledge=good).start()
    try:
        edit_pay_title(kb_dir, "Pay now")
        seen.wait()
        assert seen.changes[-1].topic("pay").title == "Pay now"
        assert watcher.knowledge is seen.changes[-1]
        last_good = watcher.knowledge

        (kb_dir / "topics/role.yaml").write_text("topic: role\nfacts: [\n")
        seen.wait()
        assert len(seen.errors) == 1
        assert "role.yaml" in str(seen.errors[0][0])
        time.sleep(0.2)  # ten more polls: the same problem is not reported again
        (kb_dir / "topics/role.yaml").touch()
        time.sleep(0.2)
        assert len(seen.errors) == 1
        assert watcher.knowledge is last_good  # still answering from the last good one

        (kb_dir / "topics/role.yaml").write_text("topic: role\n")  # a different problem
        seen.wait()
        assert len(seen.errors) == 2

        (kb_dir / "topics/role.yaml").write_bytes(
            (bundled_knowledge_dir() / "topics/role.yaml").read_bytes())
        seen.wait()
        assert len(seen.changes) == 2  # fixed: reported as a change, even if the same
        assert watcher.knowledge == last_good
    finally:
        watcher.stop()


def test_store_edits_are_seen(kb_dir: Path, store: KnowledgeStore):
    seen = Recorder()
    watcher = KnowledgeWatcher(kb_dir, seen.on_change, seen.on_error, interval=0.02,
                               knowledge=loaded(kb_dir)).start()
    try:
        kb, _ = store.add_alias("average-salary", "mle pay?", actor="mod")
        seen.wait()
        assert seen.changes[-1] == kb
        assert seen.errors == []
    finally:
        watcher.stop()


def test_callbacks_on_an_event_loop(kb_dir: Path):
    async def scenario() -> KnowledgeBase:
        loop = asyncio.get_running_loop()
        got: asyncio.Future[KnowledgeBase] = loop.create_future()
        watcher = KnowledgeWatcher(kb_dir, got.set_result, print, interval=0.02,
                                   knowledge=loaded(kb_dir), loop=loop).start()
        try:
            edit_pay_title(kb_dir, "Pay on the loop")
            return await asyncio.wait_for(got, 5)
        finally:
            watcher.stop()

    kb = asyncio.run(scenario())
    assert kb.topic("pay").title == "Pay on the loop"


def test_reload_reports_problems(kb_dir: Path):
    assert reload(kb_dir).ok
    (kb_dir / "topics/role.yaml").write_text("topic: role\n")
    report = reload(kb_dir)
    assert not report.ok and report.knowledge is None
    assert any("role.yaml" in str(i) for i in report.issues)


def test_a_reload_parses_only_the_file_that_changed(kb_dir: Path, tmp_path: Path, monkeypatch):
    from bot.core.knowledge import parsed_files

    parsed_dir = tmp_path / "data" / "parsed"
    store = KnowledgeStore(kb_dir, tmp_path / "history.sqlite3", parsed=parsed_dir)
    good = store.load().knowledge  # the bot's start: every file parsed, and kept
    parsed: list[str] = []
    real = parsed_files.parse_yaml_bytes
    monkeypatch.setattr(parsed_files, "parse_yaml_bytes",
                        lambda data, name: parsed.append(name) or real(data, name))
    seen = Recorder()
    watcher = KnowledgeWatcher(kb_dir, seen.on_change, seen.on_error, interval=0.02,
                               knowledge=good, parsed=store.parsed).start()
    try:
        edit_pay_title(kb_dir, "Pay now")
        seen.wait()
    finally:
        watcher.stop()
    assert seen.changes[-1].topic("pay").title == "Pay now"
    assert parsed == ["knowledge/topics/pay.yaml"]
    parsed.clear()
    assert store.load().knowledge == seen.changes[-1]  # the store's next load: nothing parsed
    assert parsed == []


def test_an_edits_check_parses_only_the_file_it_changes(kb_dir: Path, tmp_path: Path,
                                                       monkeypatch):
    from bot.core.knowledge import parsed_files

    store = KnowledgeStore(kb_dir, tmp_path / "history.sqlite3", parsed=tmp_path / "parsed")
    store.load()
    parsed: list[str] = []
    real = parsed_files.parse_yaml_bytes
    monkeypatch.setattr(parsed_files, "parse_yaml_bytes",
                        lambda data, name: parsed.append(name) or real(data, name))
    kb, _ = store.add_alias("average-salary", "what do ml engineers earn per annum", actor="mod")
    assert "what do ml engineers earn per annum" in kb.facts["average-salary"].alternates
    assert parsed == ["knowledge/topics/pay.yaml"]  # the private copy's, under the same name
    assert len(list((tmp_path / "parsed").iterdir())) == 1  # the folder's own: no other
    parsed.clear()
    assert store.load().knowledge == kb and parsed == []
