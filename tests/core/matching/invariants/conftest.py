"""Fixtures of this package."""

from __future__ import annotations

import pytest

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.core.knowledge.models import KnowledgeBase
from bot.devtools.bench.synthetic import generate_facts


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge_base(bundled_knowledge_dir())


@pytest.fixture(scope="module")
def synthetic() -> KnowledgeBase:
    return KnowledgeBase.from_facts(generate_facts(600, seed=3))
