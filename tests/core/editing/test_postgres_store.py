"""The knowledge base kept in PostgreSQL (a real server: `tests.postgres`), each process with a
working copy in a folder of its own, as on separate machines: edits land in the database
first, reach the other copies, never get lost to a concurrent edit, a crash or a start on
files changed meanwhile."""

from __future__ import annotations

import os
import random
import shutil
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.editing import (
    ChangeHistory,
    EditConflict,
    EditOutcomeUnknown,
    HistoryUnavailable,
    KnowledgeStore,
)
from bot.core.editing.postgres import (
    PostgresHistory,
    PostgresTransaction,
    layer_scope,
    unavailable,
)
from bot.core.editing.replica import CONFLICT_SUFFIX, SYNC_FILE
from bot.core.knowledge.loader import bundled_knowledge_dir
from tests.postgres import fresh_database

from .conftest import loaded
from .test_concurrency import phrasings, worker

PAY = "average-salary"


@pytest.fixture
def url():
    with fresh_database() as url:
        yield url


def machine(tmp_path: Path, name: str, url: str, scope: str = "shared") -> KnowledgeStore:
    """A store on a folder of its own (a copy of the shipped files), joined to the database."""
    root = tmp_path / name / "knowledge"
    if not root.exists():
        shutil.copytree(bundled_knowledge_dir(), root)
    store = KnowledgeStore(root, PostgresHistory(url, scope))
    store.reconcile()
    return store


def test_the_first_start_seeds_the_database_and_records_it(tmp_path, url):
    one = machine(tmp_path, "one", url)
    [seed] = one.changes()
    assert seed.action == "import" and seed.actor == "start-up" and "seeded" in seed.summary
    assert one.history.version() == 1
    two = machine(tmp_path, "two", url)  # the database has it now: no second seed
    assert len(two.changes()) == 1


def test_an_edit_on_one_machine_reaches_the_other(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    assert two.sync() is None  # nothing new yet
    one.add_alias(PAY, "what do ml people take home", actor="mod")
    report = two.sync()
    assert report is not None and report.knowledge is not None
    assert "what do ml people take home" in report.knowledge.facts[PAY].alternates
    assert "what do ml people take home" in loaded(two.root).facts[PAY].alternates
    assert two.sync() is None
    assert [c.summary for c in two.changes(limit=1)] == ["added phrasing 'what do ml people "
                                                         "take home'"]


def test_an_edit_starts_from_the_databases_files_not_a_stale_copy(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    one.add_alias(PAY, "first alias from machine one", actor="a")
    two.add_alias(PAY, "second alias from machine two", actor="b")  # two never synced
    for store in (one, two):
        store.sync()
        alternates = loaded(store.root).facts[PAY].alternates
        assert {"first alias from machine one", "second alias from machine two"} <= set(
            alternates)


def test_twenty_concurrent_edits_through_two_machines_all_land(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    facts = sorted(loaded(one.root).facts)[:10]
    jobs = [(store, fact, f"concurrent alias {n} via {name}")
            for n, fact in enumerate(facts) for store, name in ((one, "one"), (two, "two"))]
    random.Random(3).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: job[0].add_alias(job[1], job[2], actor="mod"), jobs))
    two.sync()
    one.sync()
    for store in (one, two):
        assert {j[2] for j in jobs} <= phrasings(store.root)
    assert len(one.changes(limit=100)) == 21  # the seed and the twenty


def test_two_moderators_editing_one_fact_at_once_merge_or_are_refused(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    seen = loaded(one.root).facts[PAY]  # both opened the edit form on this
    one.edit_fact(PAY, replace(seen, answer="Answer from machine one."), actor="a", base=seen)
    with pytest.raises(EditConflict):  # the same text changed: refused, not overwritten
        two.edit_fact(PAY, replace(seen, answer="Answer from machine two."), actor="b",
                      base=seen)
    two.edit_fact(PAY, replace(seen, alternates=(*seen.alternates, "what's the pay like")),
                  actor="b", base=seen)  # another field: merged
    one.sync()
    fact = loaded(one.root).facts[PAY]
    assert fact.answer == "Answer from machine one." and "what's the pay like" in fact.alternates


def test_with_the_database_gone_an_edit_is_refused_and_nothing_changes(tmp_path, url):
    one = machine(tmp_path, "one", url)
    before = sorted(p.read_bytes() for p in (one.root / "topics").glob("*.yaml"))
    gone = KnowledgeStore(one.root, PostgresHistory(
        url.replace(url.rsplit("/", 1)[1], "no_such_database"), connect_timeout=1))
    with pytest.raises(HistoryUnavailable) as refused:
        gone.add_alias(PAY, "never saved", actor="mod")
    assert "knowledge database" in str(refused.value)
    assert "no_such_database" not in str(refused.value)  # the log says where, not moderators
    assert sorted(p.read_bytes() for p in (one.root / "topics").glob("*.yaml")) == before


def lose_the_commit_reply(monkeypatch, *, commit: bool) -> None:
    """COMMIT sent, the connection lost before its reply (as when the server or the network
    goes down at that moment): with `commit`, the server had committed the edit."""
    real = PostgresTransaction.commit

    def lost(transaction: PostgresTransaction) -> None:
        if commit:
            real(transaction)
        else:
            transaction.rollback()
        raise unavailable("the test's server", OSError("server closed the connection"))

    monkeypatch.setattr(PostgresTransaction, "commit", lost)


def test_an_edit_whose_commit_reply_was_lost_but_landed_is_acknowledged(tmp_path, url,
                                                                         monkeypatch):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    lose_the_commit_reply(monkeypatch, commit=True)
    result = one.add_alias(PAY, "landed without a reply", actor="mod")
    assert "landed without a reply" in result.knowledge.facts[PAY].phrasings
    assert "landed without a reply" in loaded(one.root).facts[PAY].phrasings  # kept here
    monkeypatch.undo()
    two.sync()
    assert "landed without a reply" in loaded(two.root).facts[PAY].phrasings


def test_an_edit_whose_commit_reply_was_lost_and_did_not_land_is_refused(tmp_path, url,
                                                                         monkeypatch):
    one = machine(tmp_path, "one", url)
    before = loaded(one.root).facts[PAY].phrasings
    lose_the_commit_reply(monkeypatch, commit=False)
    with pytest.raises(HistoryUnavailable) as refused:
        one.add_alias(PAY, "never landed", actor="mod")
    assert "not saved" in str(refused.value)
    assert loaded(one.root).facts[PAY].phrasings == before
    assert "never landed" not in {c.summary for c in one.changes(limit=100)}


def test_an_edit_whose_outcome_can_not_be_known_says_so(tmp_path, url, monkeypatch):
    """The database gone both during COMMIT and when asked afterwards: the moderator is told
    the edit may have been saved (not that it was not), without the database's address."""
    one = machine(tmp_path, "one", url)
    before = loaded(one.root).facts[PAY].phrasings
    lose_the_commit_reply(monkeypatch, commit=True)

    def gone(token: str) -> bool:
        raise unavailable("the test's server", OSError("connection refused"))

    monkeypatch.setattr(one.history, "has_token", gone)
    with pytest.raises(EditOutcomeUnknown) as unknown:
        one.add_alias(PAY, "maybe landed", actor="mod")
    assert "may not have been saved" in str(unknown.value) and "/kb history" in str(unknown.value)
    assert url.rsplit("/", 1)[1] not in str(unknown.value)
    assert loaded(one.root).facts[PAY].phrasings == before  # the database's copy decides
    monkeypatch.undo()
    one.refresh()
    assert "maybe landed" in loaded(one.root).facts[PAY].phrasings  # it had landed


def test_files_changed_on_this_machine_are_imported_at_start(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    topic = loaded(two.root).facts[PAY].topic
    # While machine two was down, `git pull` brought a topic file edited elsewhere.
    elsewhere = tmp_path / "git" / "knowledge"
    shutil.copytree(two.root, elsewhere)
    KnowledgeStore(elsewhere, ChangeHistory(tmp_path / "git.sqlite3")).add_alias(
        PAY, "pulled from git meanwhile", actor="git")
    shutil.copy(elsewhere / "topics" / f"{topic}.yaml", two.root / "topics" / f"{topic}.yaml")
    note = KnowledgeStore(two.root, PostgresHistory(url)).reconcile()
    assert note and "imported" in note
    one.sync()
    assert "pulled from git meanwhile" in loaded(one.root).facts[PAY].alternates
    assert one.changes(limit=1)[0].actor == "start-up"
    assert not list(two.root.rglob(f"*{CONFLICT_SUFFIX}"))


def test_a_file_changed_on_both_sides_keeps_the_databases_and_sets_this_one_aside(tmp_path,
                                                                                  url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    topic = loaded(two.root).facts[PAY].topic
    target = two.root / "topics" / f"{topic}.yaml"
    one.add_alias(PAY, "changed in the database", actor="a")
    local = target.read_bytes() + b"\n# an edit made by hand on machine two\n"
    target.write_bytes(local)
    note = KnowledgeStore(two.root, PostgresHistory(url)).reconcile()
    assert note and "changed here and in the database" in note
    assert "changed in the database" in loaded(two.root).facts[PAY].alternates
    assert (target.parent / (target.name + CONFLICT_SUFFIX)).read_bytes() == local


def test_a_first_start_on_an_old_checkout_takes_the_databases_files(tmp_path, url):
    one = machine(tmp_path, "one", url)
    one.add_alias(PAY, "added from discord last week", actor="mod")
    fresh = machine(tmp_path, "fresh", url)  # a new machine, from git: no sync marker yet
    assert "added from discord last week" in loaded(fresh.root).facts[PAY].alternates
    assert (fresh.root / SYNC_FILE).exists()


def test_layers_are_scopes_of_their_own(tmp_path, url):
    base = machine(tmp_path, "one", url)
    layer_root = tmp_path / "layer" / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), layer_root)
    layer = KnowledgeStore(layer_root, PostgresHistory(url, layer_scope(42)))
    layer.reconcile()
    layer.add_alias(PAY, "only in server 42", actor="mod")
    assert base.sync() is None  # the shared knowledge base did not change
    assert "only in server 42" not in loaded(base.root).facts[PAY].alternates
    assert base.history.for_scope(layer_scope(42)).version() == 2
    with pytest.raises(Exception, match="no change"):
        base.history.get(layer.changes(limit=1)[0].id)  # another scope's change is not found


def test_killed_mid_stream_keeps_every_acknowledged_edit(tmp_path, url):
    root = tmp_path / "worker" / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), root)
    acked: list[str] = []
    for round_ in range(3):
        proc = worker(root, url, f"round {round_}", 10_000)  # type: ignore[arg-type]
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        wanted = random.Random(round_).randint(3, 12)
        while len([a for a in acked if a.startswith(f"round {round_} ")]) < wanted:
            line = proc.stdout.readline()
            assert line.startswith("ACK "), line
            acked.append(line[4:].strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        acked += [line[4:].strip() for line in proc.stdout if line.startswith("ACK ")]
        proc.stdout.close()
    other = machine(tmp_path, "other", url)  # another machine reads the database
    assert set(acked) <= phrasings(other.root)
    recorded = {c.summary for c in other.changes(limit=1000)}
    assert {f"added phrasing {a!r}" for a in acked} <= recorded


def edited_elsewhere(tmp_path: Path, store: KnowledgeStore, phrasing: str) -> bytes:
    """Write into `store`'s folder the pay topic file with one more alias, as `git pull` or an
    editor would (not through the store); the new file's bytes."""
    topic = loaded(store.root).facts[PAY].topic
    scratch = tmp_path / "scratch" / phrasing.replace(" ", "-") / "knowledge"
    shutil.copytree(store.root, scratch)
    KnowledgeStore(scratch, ChangeHistory(scratch.parent / "h.sqlite3")).add_alias(
        PAY, phrasing, actor="editor")
    data = (scratch / "topics" / f"{topic}.yaml").read_bytes()
    (store.root / "topics" / f"{topic}.yaml").write_bytes(data)
    return data


def test_files_edited_while_running_reach_the_database_on_refresh(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    edited_elsewhere(tmp_path, two, "typed into the file on machine two")
    report = two.refresh()  # what the file watcher and /kb reload call
    assert "typed into the file on machine two" in report.knowledge.facts[PAY].alternates
    one.sync()
    assert "typed into the file on machine two" in loaded(one.root).facts[PAY].alternates


def test_an_edit_never_overwrites_files_edited_here_and_not_imported(tmp_path, url):
    one, two = machine(tmp_path, "one", url), machine(tmp_path, "two", url)
    local = edited_elsewhere(tmp_path, two, "typed by hand and not imported yet")
    one.add_alias(PAY, "meanwhile through machine one", actor="a")
    two.add_alias("what-is-machine-learning", "what is this machine learning thing", actor="b")
    topic = loaded(two.root).facts[PAY].topic
    aside = two.root / "topics" / f"{topic}.yaml{CONFLICT_SUFFIX}"
    assert aside.read_bytes() == local  # kept beside the database's version, not lost
    assert "meanwhile through machine one" in loaded(two.root).facts[PAY].alternates
