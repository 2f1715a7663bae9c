"""Fixtures of this package."""

from __future__ import annotations

import pytest

from bot.core.matching import semantic as semantic_module
from bot.core.matching.embedding import (
    load_embedder,
)


@pytest.fixture(scope="module")
def embedder():
    return load_embedder()


@pytest.fixture
def fresh_models(monkeypatch):
    """semantic_model() as in a new process: nothing loaded, nothing known to be missing."""
    monkeypatch.setattr(semantic_module, "_models", {})
    monkeypatch.setattr(semantic_module, "_embedder", None)
    monkeypatch.setattr(semantic_module, "_unavailable", None)
