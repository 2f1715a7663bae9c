"""Shared fixtures: small knowledge bases written to temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.core.matching import Matcher
from bot.core.service import AnswerService
from tests.kb_samples import PATH, PAY, SOURCES, write_kb

pytest_plugins = ["tests.discord_harness.fixtures"]

SHARED_DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "source-documents"


@pytest.fixture
def small_kb_dir(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "knowledge",
        {"sources.yaml": SOURCES, "topics/pay.yaml": PAY, "topics/path.yaml": PATH},
    )


@pytest.fixture(scope="session")
def shipped_kb():
    return load_knowledge_base(bundled_knowledge_dir())


@pytest.fixture(scope="session")
def shipped_matcher(shipped_kb) -> Matcher:
    """The shipped knowledge base, lexical signals only (the rules' tests)."""
    return Matcher(shipped_kb, semantic=None)


@pytest.fixture(scope="session")
def shipped_semantic_matcher(shipped_kb) -> Matcher:
    """The shipped knowledge base with the meaning signal, as the bot runs it."""
    return Matcher(shipped_kb)


@pytest.fixture(scope="session")
def shipped_service(shipped_kb) -> AnswerService:
    """The application service over the shipped knowledge base, lexical signals only."""
    return AnswerService(shipped_kb, semantic=None)


@pytest.fixture(scope="session")
def shipped_semantic_service(shipped_kb) -> AnswerService:
    """The application service over the shipped knowledge base, as the bot runs it."""
    return AnswerService(shipped_kb)


@pytest.fixture
def lexical_only(monkeypatch):
    """Matchers built in the test use the lexical signals alone (as when the model can not be
    loaded): for the tests of the lexical rules, whose scores they construct by hand."""
    monkeypatch.setattr("bot.core.matching.matcher.semantic_model", lambda *a, **k: None)
