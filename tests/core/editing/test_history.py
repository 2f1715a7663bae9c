"""The change history and reverts: who, when, what; every kind of change can be undone."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.editing import ChangeHistory, ChangeNotFound, KnowledgeStore, RevertConflict
from bot.core.knowledge.loader import bundled_knowledge_dir
from bot.core.knowledge.models import KnowledgeBase

from .conftest import files_of, loaded, new_fact


def same_knowledge(a: KnowledgeBase, b: KnowledgeBase) -> bool:
    return a.facts == b.facts and a.topics == b.topics and a.sources == b.sources


def test_history_lists_who_when_what(store: KnowledgeStore):
    start = time.time()
    store.add_alias("average-salary", "mle pay?", actor="Alice (123)")
    store.add_fact("pay", new_fact(), actor="Bob (456)")
    store.remove_fact("new-fact", actor="Carol")
    changes = store.changes()
    assert [(c.actor, c.action, c.fact_id) for c in changes] == [
        ("Carol", "remove", "new-fact"), ("Bob (456)", "add", "new-fact"),
        ("Alice (123)", "alias", "average-salary"),
    ]
    assert all(start - 1 <= c.at <= time.time() + 1 for c in changes)
    assert changes[2].summary == "added phrasing 'mle pay?'"
    assert [c.action for c in store.changes(fact_id="new-fact")] == ["remove", "add"]
    assert len(store.changes(limit=1)) == 1
    assert store.history.get(changes[1].id) == changes[1]
    with pytest.raises(ChangeNotFound):
        store.history.get(999)


def test_history_is_in_the_bots_database_file_in_wal_mode(store: KnowledgeStore,
                                                          db_path: Path):
    import sqlite3

    store.add_alias("average-salary", "mle pay?", actor="mod")
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT actor, action FROM changes").fetchall() == [("mod", "alias")]
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["add", "edit", "remove", "alias"])
def test_revert_restores_the_previous_files(store: KnowledgeStore, kb_dir: Path, kind: str):
    original = loaded(kb_dir)
    if kind == "add":
        _, change = store.add_fact("outlook", new_fact(), actor="a")
    elif kind == "edit":
        fact = original.facts["bls-median-salary"]
        _, change = store.edit_fact(fact.id, replace(fact, question="A new question?"),
                                    actor="a")
    elif kind == "remove":
        _, change = store.remove_fact("is-machine-learning-hard", actor="a")
    else:
        _, change = store.add_alias("average-salary", "mle pay?", actor="a")
    assert not same_knowledge(loaded(kb_dir), original)
    kb, revert = store.revert(change.id, actor="b")
    assert revert.action == "revert" and revert.reverts == change.id and revert.actor == "b"
    assert same_knowledge(kb, original)
    assert same_knowledge(loaded(kb_dir), original)
    # Facts are back in their place, so the files are back byte for byte.
    assert files_of(kb_dir) == files_of(bundled_knowledge_dir())
    # A revert is a change like any other: reverting it redoes the change.
    kb, redo = store.revert(revert.id, actor="c")
    assert redo.reverts == revert.id
    assert not same_knowledge(kb, original)


def test_revert_refused_when_the_fact_changed_since(store: KnowledgeStore, kb_dir: Path):
    _, first = store.add_alias("average-salary", "mle pay?", actor="a")
    store.add_alias("average-salary", "ml eng pay?", actor="b")
    before = files_of(kb_dir)
    with pytest.raises(RevertConflict, match="has changed since"):
        store.revert(first.id, actor="c")
    assert files_of(kb_dir) == before


def test_revert_twice_is_refused(store: KnowledgeStore):
    _, change = store.add_alias("average-salary", "mle pay?", actor="a")
    _, revert = store.revert(change.id, actor="b")
    with pytest.raises(RevertConflict, match=f"already reverted by #{revert.id}"):
        store.revert(change.id, actor="b")


def test_revert_of_unknown_change(store: KnowledgeStore):
    with pytest.raises(ChangeNotFound):
        store.revert(42, actor="a")


def test_history_survives_a_new_store(store: KnowledgeStore, kb_dir: Path, db_path: Path):
    _, change = store.add_alias("average-salary", "mle pay?", actor="a")
    again = KnowledgeStore(kb_dir, ChangeHistory(db_path))
    assert again.changes()[0] == change
    again.revert(change.id, actor="b")
    assert "mle pay?" not in loaded(kb_dir).facts["average-salary"].alternates
