"""Failures while saving: disk full, read-only, history database down, a crash mid-write.
In every case the files on disk are unchanged (or restored) and the error says what to do."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from bot.core.editing import (
    ChangeHistory,
    EditNotSaved,
    HistoryUnavailable,
    KnowledgeStore,
    StorageFull,
)
from bot.core.editing import files as files_module
from bot.core.editing.files import JOURNAL_FILE, FileTransaction
from bot.core.editing.history import HistoryTransaction

from .conftest import files_of, loaded


def failing(real, code: int, when=lambda *args: True):
    def fake(*args, **kwargs):
        if when(*args):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fake


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_replace_fails_nothing_changes(store, kb_dir: Path, monkeypatch, code: int):
    before = files_of(kb_dir)
    monkeypatch.setattr(os, "replace", failing(os.replace, code))
    with pytest.raises(EditNotSaved) as caught:
        store.add_alias("average-salary", "mle pay?", actor="mod")
    assert caught.value.errno == code
    assert "nothing was changed" in str(caught.value)
    monkeypatch.undo()
    assert files_of(kb_dir) == before
    assert store.changes() == []


def test_disk_full_message_says_what_to_do(store, kb_dir: Path, monkeypatch):
    monkeypatch.setattr(os, "fsync", failing(os.fsync, errno.ENOSPC))
    with pytest.raises(StorageFull, match="the disk is full; free some space"):
        store.add_alias("average-salary", "mle pay?", actor="mod")


def test_failure_on_the_topic_file_after_the_journal_puts_everything_back(
    store, kb_dir: Path, monkeypatch
):
    """The journal and the backup are written, then the topic file's replace fails."""
    before = files_of(kb_dir)
    monkeypatch.setattr(os, "replace", failing(
        os.replace, errno.ENOSPC, when=lambda src, dst, *rest: str(dst).endswith("pay.yaml")))
    with pytest.raises(EditNotSaved, match=r"topics/pay\.yaml"):
        store.add_alias("average-salary", "mle pay?", actor="mod")
    monkeypatch.undo()
    assert files_of(kb_dir) == before  # no temp file, backup or journal left either
    assert store.changes() == []


def test_history_database_unavailable_refuses_the_edit(kb_dir: Path, tmp_path: Path):
    not_a_database = tmp_path / "data"
    not_a_database.mkdir()
    store = KnowledgeStore(kb_dir, ChangeHistory(not_a_database))  # a directory
    before = files_of(kb_dir)
    with pytest.raises(HistoryUnavailable, match="edit not saved"):
        store.add_alias("average-salary", "mle pay?", actor="mod")
    assert files_of(kb_dir) == before


def test_history_database_locked_refuses_the_edit(kb_dir: Path, db_path: Path):
    history = ChangeHistory(db_path, timeout=0.1)
    store = KnowledgeStore(kb_dir, history)
    store.changes()  # creates the table
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        before = files_of(kb_dir)
        with pytest.raises(HistoryUnavailable, match="locked"):
            store.add_alias("average-salary", "mle pay?", actor="mod")
        assert files_of(kb_dir) == before
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.add_alias("average-salary", "mle pay?", actor="mod")  # works again


def test_commit_failure_puts_the_files_back(store, kb_dir: Path, monkeypatch):
    before = files_of(kb_dir)
    real_commit = HistoryTransaction.commit

    def full_disk(self):
        self.rollback()
        raise HistoryUnavailable("careerbot.sqlite3", "the disk is full; free some space")

    monkeypatch.setattr(HistoryTransaction, "commit", full_disk)
    with pytest.raises(HistoryUnavailable):
        store.add_alias("average-salary", "mle pay?", actor="mod")
    assert files_of(kb_dir) == before
    monkeypatch.setattr(HistoryTransaction, "commit", real_commit)
    assert store.changes() == []


def test_crash_after_writing_before_commit_is_undone(store, kb_dir: Path):
    """A write whose change never reached the history is rolled back by the next edit."""
    before = files_of(kb_dir)
    crashed = FileTransaction(kb_dir, "token-that-was-never-committed")
    crashed.apply({"topics/pay.yaml": b"topic: pay\ntitle: half-done\nfacts: []\n",
                   "topics/new.yaml": b"topic: new\n"})
    assert (kb_dir / JOURNAL_FILE).exists()  # the process "died" here
    assert store.recover() == "undone"
    assert files_of(kb_dir) == before
    assert store.recover() is None


def test_crash_after_commit_keeps_the_edit(store, kb_dir: Path, monkeypatch):
    monkeypatch.setattr(FileTransaction, "finish", lambda self: None)  # "dies" after commit
    store.add_alias("average-salary", "mle pay?", actor="mod")
    assert (kb_dir / JOURNAL_FILE).exists()
    monkeypatch.undo()
    kb, _ = store.add_alias("average-salary", "ml eng pay?", actor="mod")  # recovers first
    assert {"mle pay?", "ml eng pay?"} <= set(kb.facts["average-salary"].alternates)
    assert not (kb_dir / JOURNAL_FILE).exists()
    assert not list(kb_dir.rglob("*careerbot-bak"))
    assert loaded(kb_dir) == kb


def test_copy_used_where_hard_links_are_not_supported(store, kb_dir: Path, monkeypatch):
    monkeypatch.setattr(files_module.os, "link", failing(os.link, errno.EPERM))
    before = files_of(kb_dir)
    monkeypatch.setattr(os, "replace", failing(
        os.replace, errno.ENOSPC, when=lambda src, dst, *rest: str(dst).endswith("pay.yaml")
        and ".careerbot-bak" not in str(src)))
    with pytest.raises(EditNotSaved):
        store.add_alias("average-salary", "mle pay?", actor="mod")
    monkeypatch.undo()
    assert files_of(kb_dir) == before


def test_temp_files_of_a_killed_writer_are_swept(store, kb_dir: Path):
    (kb_dir / "topics/.pay.yaml.abc123.tmp").write_text("half a file")
    (kb_dir / "..careerbot-journal.json.abc123.tmp").write_text("{")
    (kb_dir / "topics/.notes.tmp").write_text("not ours")
    store.recover()
    assert sorted(p.name for p in kb_dir.rglob("*.tmp")) == [".notes.tmp"]
