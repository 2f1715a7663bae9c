"""Shared fixtures: small knowledge bases written to temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.matching import Matcher
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
    return Matcher(shipped_kb)
