"""What a match gives back: the answer (or a decline) and the facts offered beside it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge.models import Fact
from bot.core.matching.scope import OffTopic


@dataclass(frozen=True, slots=True)
class Suggestion:
    fact: Fact
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    question: str
    """The question as read (bounded to MAX_QUESTION_CHARS)."""
    fact: Fact | None
    """The answer, or None when the matcher declines."""
    confidence: float
    suggestions: tuple[Suggestion, ...] = ()
    """A decline's "did you mean"; an answer's close runner-up, if any."""
    off_topic: OffTopic | None = None
    """Why the question is about something the knowledge base does not cover (its scope:
    another job, a place or year the sources give no figure for), when that is why it was
    declined."""
    not_covered: OffTopic | None = None
    """An answer's side the knowledge base does not cover: the other job a pay or outlook
    question compares its subject with ("ML engineer vs software engineer pay": answered for
    ML engineers only, and the fronts say so)."""
    more_about: Fact | None = None
    """A request for more after this fact's answer ("tell me more"): declined, its related
    facts offered as `suggestions` (`bot.core.conversation.asks_for_more`)."""
    in_context: bool = False
    """Whether the answer was read as a follow-up of the answer before it (not a question
    complete in itself): what the asker's next follow-up should follow, too."""

    @property
    def answered(self) -> bool:
        return self.fact is not None
