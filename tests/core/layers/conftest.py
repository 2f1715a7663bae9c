"""Fixtures for the server layers: the shipped base with the real model, layers in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.editing import EditResult
from bot.core.knowledge.models import Citation, Fact
from bot.core.service import AnswerService

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222
OWN_SOURCE = "server-guide"
OWN_SOURCES = (b"sources:\n  - id: server-guide\n    title: The server's guide\n"
               b"    url: https://example.org/guide\n")
BASE_QUOTE = Citation(
    "ml-engineer-article-2024",
    "The average base pay for a machine learning engineer in the US is $127,712 as of March 2024",
)
"""A quote of a base source that its fingerprint verifies."""
CV_QUESTION = "Where do I post my CV for review?"


def local_fact(fact_id: str, question: str, *alternates: str,
               citation: Citation | None = None) -> Fact:
    """A fact of a server's own, citing the server's own source unless told otherwise."""
    return Fact(fact_id, question, f"The answer of {fact_id}.", alternates=alternates,
                citations=(citation or Citation(OWN_SOURCE, f"Quoted for {fact_id}"),))


CV_FACT = local_fact("cv-channel", CV_QUESTION, "where can i get feedback on my resume")


@pytest.fixture
def service(tmp_path: Path, shipped_kb, shipped_semantic_service) -> AnswerService:
    """The shipped base with the real model (warmed by the session's service: the base's
    calibration and vectors are then the process's) and server layers under tmp_path."""
    return AnswerService(shipped_kb, semantic=shipped_semantic_service.matcher.semantic.model,
                         layers=tmp_path / "servers")


def give(service: AnswerService, guild_id: int, *facts: Fact,
         topic: str = "server") -> EditResult | None:
    """Give a server its own source and these facts, through its store (as moderators do)."""
    store = service.layer_store(guild_id)
    if "server-guide" not in (store.load().knowledge or service.knowledge).sources:
        service.edited(lambda: store.import_topics({"sources.yaml": OWN_SOURCES}, actor="mod",
                                                   apply=True), guild_id=guild_id)
    result = None
    for fact in facts:
        result = service.edited(lambda f=fact: store.add_fact(topic, f, actor="mod"),
                                guild_id=guild_id)
    return result
