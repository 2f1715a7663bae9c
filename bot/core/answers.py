"""A question's outcome in a form every front can show: the answer, its sources, suggestions.

No Discord here: the CLI prints it, the bot turns it into an embed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import MatchResult, OffTopic


@dataclass(frozen=True, slots=True)
class CitedSource:
    source_id: str
    title: str
    publisher: str | None
    published: str | None
    url: str | None
    quote: str
    via: str | None
    verified: bool = True
    """False: nothing checks the quote is in the source (it has no fingerprint)."""


@dataclass(frozen=True, slots=True)
class SuggestedFact:
    fact_id: str
    question: str


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    fact_id: str | None
    confidence: float
    answer: str | None
    citations: tuple[CitedSource, ...] = ()
    suggestions: tuple[SuggestedFact, ...] = ()
    matched_question: str | None = None
    related: tuple[SuggestedFact, ...] = ()
    off_topic: OffTopic | None = None
    """A decline's reason when the question is about something the sources do not cover
    (another job, a place, a year): the fronts say so."""
    not_covered: OffTopic | None = None
    """An answer's side the sources do not cover: the other job a pay or outlook question
    compares the subject with (`MatchResult.not_covered`); the fronts say so."""
    in_context: bool = False
    """Read as a follow-up of the answer before it (`MatchResult.in_context`)."""
    more_about: str | None = None
    """A request for more after the answer to this question ("tell me more"): not a miss;
    `suggestions` are that answer's related questions."""
    also: tuple[Answer, ...] = ()
    """The answers of the message's other questions, when it asks several
    (`bot.core.compound`): each a reply of its own, after this one."""

    def to_json(self) -> dict:
        """The CLI's JSON shape (`ask --json`)."""
        data = asdict(self)
        data["confidence"] = round(self.confidence, 4)
        for key in ("matched_question", "related", "in_context", "more_about"):
            data.pop(key)
        data["also"] = [other.to_json() for other in self.also]
        return data


def cite(knowledge: KnowledgeBase, fact: Fact) -> tuple[CitedSource, ...]:
    cited = []
    for citation in fact.citations:
        source = knowledge.sources.get(citation.source)
        cited.append(
            CitedSource(
                source_id=citation.source,
                title=source.title if source else citation.source,
                publisher=source.publisher if source else None,
                published=source.published if source else None,
                url=source.url if source else None,
                quote=citation.quote,
                via=citation.via,
                verified=source.verified if source else False,
            )
        )
    return tuple(cited)


def fact_answer(knowledge: KnowledgeBase, fact: Fact, question: str, confidence: float) -> Answer:
    """The answer of one known fact (a match, a follow-up button, a "did you mean" click)."""
    related = tuple(
        SuggestedFact(r, knowledge.facts[r].question) for r in fact.related if r in knowledge.facts
    )
    return Answer(
        question=question,
        answered=True,
        fact_id=fact.id,
        confidence=confidence,
        answer=fact.answer.strip(),
        citations=cite(knowledge, fact),
        matched_question=fact.question,
        related=related,
    )


def from_match(knowledge: KnowledgeBase, result: MatchResult) -> Answer:
    if result.fact is not None:
        answer = fact_answer(knowledge, result.fact, result.question, result.confidence)
        # A close runner-up comes first among the follow-ups: it may be what was meant.
        if result.suggestions:
            close = [SuggestedFact(s.fact.id, s.fact.question) for s in result.suggestions]
            offered = {c.fact_id for c in close}
            kept = [r for r in answer.related if r.fact_id not in offered]
            answer = replace(answer, related=(*close, *kept))
        return replace(answer, in_context=result.in_context, not_covered=result.not_covered)
    return Answer(
        question=result.question,
        answered=False,
        fact_id=None,
        confidence=result.confidence,
        answer=None,
        suggestions=tuple(SuggestedFact(s.fact.id, s.fact.question) for s in result.suggestions),
        off_topic=result.off_topic,
        more_about=result.more_about.question if result.more_about is not None else None,
    )
