"""Plain records of edits: a fact as JSON-ready data, and one change of the history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from bot.core.knowledge.models import Citation, Fact, KnowledgeBase

Action = Literal["add", "edit", "remove", "alias", "revert", "import"]


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """A fact as JSON-ready data (keys in the files' order, plus its topic)."""
    return {
        "id": fact.id,
        "topic": fact.topic,
        "question": fact.question,
        "alternates": list(fact.alternates),
        "keywords": list(fact.keywords),
        "answer": fact.answer,
        "citations": [
            {"source": c.source, "quote": c.quote, "via": c.via} for c in fact.citations
        ],
        "related": list(fact.related),
    }


def fact_from_dict(data: dict[str, Any]) -> Fact:
    return Fact(
        id=data["id"],
        topic=data.get("topic", ""),
        question=data["question"],
        answer=data["answer"],
        alternates=tuple(data.get("alternates", ())),
        keywords=tuple(data.get("keywords", ())),
        citations=tuple(
            Citation(c["source"], c["quote"], c.get("via")) for c in data.get("citations", ())
        ),
        related=tuple(data.get("related", ())),
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change. `before`/`after` hold a fact (fact_to_dict) or, for an import,
    `{"files": {relative path: text or None}}`; None where there was no fact."""

    id: int
    at: float  # Unix time
    actor: str
    action: Action
    fact_id: str | None
    topic_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    summary: str
    reverts: int | None = None
    position: int | None = None  # index of the fact in its topic, to re-add it in place

    @property
    def is_file_change(self) -> bool:
        return any(isinstance(side, dict) and "files" in side for side in (self.before,
                                                                             self.after))

    @property
    def before_fact(self) -> Fact | None:
        return None if self.before is None or self.is_file_change else fact_from_dict(
            self.before)

    @property
    def after_fact(self) -> Fact | None:
        return None if self.after is None or self.is_file_change else fact_from_dict(
            self.after)


class EditResult(NamedTuple):
    """What an edit returns: the new knowledge base (already validated) and its change."""

    knowledge: KnowledgeBase
    change: Change
