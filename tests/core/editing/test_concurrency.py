"""Concurrent edits from threads and from processes all land; a killed process loses nothing
it acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from bot.core.editing import ChangeHistory, KnowledgeStore

from .conftest import loaded

REPO = Path(__file__).resolve().parents[3]


def phrasings(root: Path) -> set[str]:
    return {p for fact in loaded(root).facts.values() for p in fact.phrasings}


def test_fifty_concurrent_aliases_and_edits_all_land(store: KnowledgeStore, kb_dir: Path):
    kb = loaded(kb_dir)
    fact_ids = sorted(kb.facts)
    aliases = [(fact_ids[n % len(fact_ids)], f"moderator {n} found another way to ask")
               for n in range(35)]
    edits = [(fid, f"Answer rewritten by moderator {n}.") for n, fid in enumerate(fact_ids[:15])]

    def alias(job: tuple[int, tuple[str, str]]) -> None:
        n, (fid, phrasing) = job
        store.add_alias(fid, phrasing, actor=f"alias-mod-{n}")

    def edit(job: tuple[int, tuple[str, str]]) -> None:
        n, (fid, answer) = job
        base = kb.facts[fid]  # the form was opened before the other edits
        store.edit_fact(fid, replace(base, answer=answer), actor=f"edit-mod-{n}", base=base)

    jobs = [(alias, job) for job in enumerate(aliases)] + [(edit, job) for job in enumerate(edits)]
    random.Random(4).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=12) as pool:
        for future in [pool.submit(func, job) for func, job in jobs]:
            future.result()

    after = loaded(kb_dir)
    for fid, phrasing in aliases:
        assert phrasing in after.facts[fid].alternates
    for fid, answer in edits:
        assert after.facts[fid].answer == answer
    assert len(store.changes(limit=100)) == 50
    assert {c.actor for c in store.changes(limit=100)} == (
        {f"alias-mod-{n}" for n in range(35)} | {f"edit-mod-{n}" for n in range(15)})


def worker(root: Path, db: Path, prefix: str, count: int, go: Path | None = None):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "tests.core.editing._worker", str(root), str(db), prefix,
            str(count), *([str(go)] if go else [])]
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)


def test_two_processes_share_one_directory(kb_dir: Path, db_path: Path, tmp_path: Path):
    go = tmp_path / "go"
    procs = [worker(kb_dir, db_path, name, 20, go) for name in ("alpha", "beta")]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    go.touch()
    acked = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        acked += [line[4:] for line in out.splitlines() if line.startswith("ACK ")]
    assert len(acked) == 40
    assert set(acked) <= phrasings(kb_dir)
    changes = KnowledgeStore(kb_dir, ChangeHistory(db_path)).changes(limit=100)
    assert len(changes) == 40 and {c.actor for c in changes} == {"alpha", "beta"}


def test_killed_mid_stream_keeps_every_acknowledged_edit(kb_dir: Path, db_path: Path):
    rng = random.Random(7)
    acked: list[str] = []
    for round_ in range(3):
        proc = worker(kb_dir, db_path, f"round {round_}", 10_000)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        wanted = rng.randint(3, 12)
        while len([a for a in acked if a.startswith(f"round {round_} ")]) < wanted:
            line = proc.stdout.readline()
            assert line.startswith("ACK "), line
            acked.append(line[4:].strip())
        os.kill(proc.pid, signal.SIGKILL)  # somewhere inside the next edit
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        acked += [line[4:].strip() for line in proc.stdout if line.startswith("ACK ")]
        proc.stdout.close()
        assert set(acked) <= phrasings(kb_dir)  # the files load, and every ack is there

    store = KnowledgeStore(kb_dir, ChangeHistory(db_path))
    store.recover()  # an interrupted unrecorded write, if any, is undone
    recorded = {c.summary for c in store.changes(limit=1000)}
    assert {f"added phrasing {a!r}" for a in acked} <= recorded
    assert set(acked) <= phrasings(kb_dir)
    assert not list(kb_dir.rglob("*.tmp"))  # recover() swept any left by a killed write
