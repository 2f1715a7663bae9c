"""Fixtures for the editing tests: a private copy of the shipped knowledge and a store on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.editing import ChangeHistory, KnowledgeStore
from bot.core.knowledge.loader import bundled_knowledge_dir, load_report
from bot.core.knowledge.models import Citation, Fact, KnowledgeBase


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), root)
    return root


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "careerbot.sqlite3"


@pytest.fixture
def store(kb_dir: Path, db_path: Path) -> KnowledgeStore:
    return KnowledgeStore(kb_dir, ChangeHistory(db_path))


LOCK = ".careerbot.lock"


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones too, temp files, backups) but the lock file."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != LOCK
    }


def knowledge_files_of(root: Path) -> dict[str, bytes]:
    """The files the loader reads (no lock file)."""
    return {k: v for k, v in files_of(root).items() if k.endswith(".yaml")}


def loaded(root: Path) -> KnowledgeBase:
    report = load_report(root)
    assert report.ok, report.issues
    assert report.knowledge is not None
    return report.knowledge


def new_fact(fact_id: str = "new-fact", **changes) -> Fact:
    fact = Fact(
        id=fact_id,
        question=f"What is the {fact_id.replace('-', ' ')} question?",
        answer="A two-line answer.\nWith a second line.",
        alternates=(f"{fact_id} alternate one", f"{fact_id} alternate two"),
        keywords=("testing",),
        citations=(
            Citation("ml-engineer-article-2024",
                     "The average base pay for a machine learning engineer in the US is $127,712 "
                     "as of March 2024"),
        ),
    )
    return Fact(**{**{f: getattr(fact, f) for f in Fact.__slots__}, **changes})
