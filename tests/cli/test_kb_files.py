"""`python -m bot kb export DIR` / `kb import DIR`: the knowledge base between its store (the
folder, or PostgreSQL: a real server) and a git working tree, run as an operator would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.editing import ChangeHistory, KnowledgeStore
from bot.core.editing.postgres import PostgresHistory
from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from tests.postgres import fresh_database

from .test_cli import run

PAY = "average-salary"


def copy_of_shipped(where: Path) -> Path:
    shutil.copytree(bundled_knowledge_dir(), where)
    return where


def phrasings(folder: Path, fact: str = PAY) -> tuple[str, ...]:
    return load_knowledge_base(folder).facts[fact].alternates


@pytest.fixture
def url():
    with fresh_database() as url:
        yield url


def test_export_writes_the_databases_knowledge_for_git(tmp_path, url):
    live = KnowledgeStore(copy_of_shipped(tmp_path / "machine"), PostgresHistory(url))
    live.reconcile()
    live.add_alias(PAY, "added from discord on the live bot", actor="mod")
    checkout = copy_of_shipped(tmp_path / "checkout")  # the git working tree, behind
    env = {"CAREERBOT_DATABASE_URL": url, "CAREERBOT_DATA_DIR": str(tmp_path / "data")}
    result = run("kb", "export", str(checkout), env=env)
    assert result.returncode == 0, result.stderr
    assert "1 written" in result.stdout and "version 2" in result.stdout
    assert "password" not in result.stdout
    assert "added from discord on the live bot" in phrasings(checkout)
    topic = load_knowledge_base(checkout).facts[PAY].topic
    path = f"topics/{topic}.yaml"
    assert (checkout / path).read_bytes() == (live.root / path).read_bytes()  # the stable form
    again = run("kb", "export", str(checkout), env=env)
    assert "0 written" in again.stdout


def test_export_without_a_database_copies_the_folder(tmp_path):
    folder = copy_of_shipped(tmp_path / "knowledge")
    out = tmp_path / "out"
    result = run("kb", "export", str(out), env={"CAREERBOT_KNOWLEDGE": str(folder)})
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "topics").glob("*.yaml")) == sorted(
        p.name for p in (folder / "topics").glob("*.yaml"))


def test_import_brings_edited_files_back_as_one_recorded_change(tmp_path, url):
    live = KnowledgeStore(copy_of_shipped(tmp_path / "machine"), PostgresHistory(url))
    live.reconcile()
    edited = copy_of_shipped(tmp_path / "checkout")
    KnowledgeStore(edited, ChangeHistory(tmp_path / "scratch.sqlite3")).add_alias(
        PAY, "edited in a pull request", actor="git")
    env = {"CAREERBOT_DATABASE_URL": url, "CAREERBOT_DATA_DIR": str(tmp_path / "data"),
           "CAREERBOT_KNOWLEDGE": str(tmp_path / "cli-copy")}
    copy_of_shipped(tmp_path / "cli-copy")
    preview = run("kb", "import", str(edited), env=env)
    assert preview.returncode == 0, preview.stderr
    assert "changed average-salary" in preview.stdout and "--apply" in preview.stdout
    assert live.changes(limit=1)[0].action == "import" and len(live.changes()) == 1  # the seed

    applied = run("kb", "import", str(edited), "--apply", env=env)
    assert applied.returncode == 0, applied.stderr
    [change] = live.changes(limit=1)
    assert change.actor == "cli" and f"imported as change #{change.id}" in applied.stdout
    live.sync()
    assert "edited in a pull request" in phrasings(live.root)


def test_import_of_an_invalid_file_is_refused_and_changes_nothing(tmp_path):
    folder = copy_of_shipped(tmp_path / "knowledge")
    bad = copy_of_shipped(tmp_path / "bad")
    topic = next((bad / "topics").glob("*.yaml"))
    topic.write_text(topic.read_text() + "\n  - id: [broken\n")
    before = topic.name, (folder / "topics" / topic.name).read_bytes()
    env = {"CAREERBOT_KNOWLEDGE": str(folder), "CAREERBOT_DATA_DIR": str(tmp_path / "data")}
    result = run("kb", "import", str(bad), "--apply", env=env)
    assert result.returncode == 1 and "refused" in result.stderr
    assert (folder / "topics" / before[0]).read_bytes() == before[1]


def test_export_of_a_server_that_is_not_one_is_refused(tmp_path):
    result = run("kb", "export", str(tmp_path / "out"), "--server", "0",
                 env={"CAREERBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1 and "not a server id" in result.stderr
    assert "Traceback" not in result.stderr
