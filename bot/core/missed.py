"""The questions the bot missed, grouped when alike, most frequent first (no Discord here).

Moderators fix misses in one click: attach the question to a fact as a new phrasing, or start a
new fact from it. Grouping keeps "mle salary in nyc?" and "MLE salary in NYC" as one line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.core.matching.normalize import clean, words

ALIKE = 88.0
"""`token_sort_ratio` at or above which two missed questions are the same question."""
MAX_GROUPS = 200


@dataclass
class MissedGroup:
    question: str
    """The most frequent wording, shown to moderators."""
    count: int = 0
    reasons: Counter = field(default_factory=Counter)
    wordings: Counter = field(default_factory=Counter)
    last_at: float = 0.0


def _key(question: str) -> str:
    return " ".join(sorted(words(clean(question))))


def group_missed(
    rows: list[tuple[str, str, float]], *, limit: int = MAX_GROUPS
) -> list[MissedGroup]:
    """Group (question, reason, time) rows; most frequent groups first, then most recent."""
    groups: list[tuple[str, MissedGroup]] = []
    for question, reason, at in rows:
        question = question.strip()
        if not question:
            continue
        key = _key(question)
        group = next((g for k, g in groups if k == key or fuzz.token_sort_ratio(k, key) >= ALIKE),
                     None)
        if group is None:
            if len(groups) >= limit * 5:
                continue  # bounded work: the long tail is not shown anyway
            group = MissedGroup(question)
            groups.append((key, group))
        group.count += 1
        group.reasons[reason] += 1
        group.wordings[question] += 1
        group.last_at = max(group.last_at, at)
    result = [g for _, g in groups]
    for group in result:
        group.question = group.wordings.most_common(1)[0][0]
    result.sort(key=lambda g: (-g.count, -g.last_at))
    return result[:limit]
