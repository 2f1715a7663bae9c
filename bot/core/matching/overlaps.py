"""Phrasings that point at another fact: a check of the knowledge base against itself.

Each phrasing (a fact's question or an alternate) is asked as a question while its fact is
taken not to list it. If another fact then comes first, the phrasing reads more like that fact
(it is *misranked*): users who word a question that way get the other answer, or a decline.
If its own fact comes first but another one is within the matcher's lead, the two facts are a
*close call* for that wording. Both are signs that two facts' phrasings overlap, which costs
the matcher confident answers; moderators fix them by moving or rewording phrasings.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge.loader import phrasing_key
from bot.core.matching.matcher import Matcher


@dataclass(frozen=True, slots=True)
class Overlap:
    fact_id: str
    phrasing: str
    other_id: str
    """The fact ranked first instead (misranked), or the close runner-up."""
    score: float
    """The score of the fact ranked first."""
    other_score: float
    """The score of `other_id` (equal to `score` when misranked)."""


@dataclass(frozen=True, slots=True)
class OverlapReport:
    phrasings: int
    misranked: tuple[Overlap, ...]
    close: tuple[Overlap, ...]


def find_overlaps(matcher: Matcher) -> OverlapReport:
    """Every phrasing of every fact, asked with itself held out (see the module docstring)."""
    lead = matcher.thresholds.lead
    misranked: list[Overlap] = []
    close: list[Overlap] = []
    count = 0
    for f_index, fact in enumerate(matcher.facts):
        for p_index, text in enumerate(fact.phrasings):
            count += 1
            ranked = matcher.rank_held_out(f_index, p_index)
            if not ranked:
                continue
            (first, score), runner_up = ranked[0], ranked[1] if len(ranked) > 1 else None
            if first.id != fact.id:
                misranked.append(Overlap(fact.id, text, first.id, score, score))
            elif runner_up is not None and score < lead * runner_up[1]:
                close.append(Overlap(fact.id, text, runner_up[0].id, score, runner_up[1]))
    return OverlapReport(count, tuple(misranked), tuple(close))


def reads_like(matcher: Matcher, fact_id: str, phrasing: str) -> str | None:
    """The other fact that `phrasing`, one of `fact_id`'s phrasings, reads more like (asked
    with itself held out, another fact comes first), or None. For a moderator who just
    attached it: a phrasing of the wrong fact takes its questions from the right one."""
    key = phrasing_key(phrasing)
    for f_index, fact in enumerate(matcher.facts):
        if fact.id != fact_id:
            continue
        for p_index, text in enumerate(fact.phrasings):
            if phrasing_key(text) == key:
                ranked = matcher.rank_held_out(f_index, p_index, limit=1)
                return ranked[0][0].id if ranked and ranked[0][0].id != fact_id else None
    return None
