"""Lexical baselines the matcher is measured against, and their decline threshold."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process, utils

from bot.devtools.bench.datasets import Entry

#: Okapi BM25 parameters (the usual defaults, as in rank-bm25's BM25Okapi).
BM25_K1 = 1.5
BM25_B = 0.75
#: Floor for negative idf, as a fraction of the mean idf (rank-bm25's ``epsilon``).
BM25_IDF_FLOOR = 0.25


class Baseline(Protocol):
    name: str

    def top(self, query: str) -> tuple[str | None, float]:
        """The best entry id for ``query`` (None if nothing at all) and its score."""
        ...


def tokenize(text: str) -> list[str]:
    """RapidFuzz's default processing (lower case, no punctuation), split on whitespace."""
    return utils.default_process(text).split()


class FuzzBaseline:
    """``process.extractOne`` with ``token_set_ratio`` over every phrasing of every entry."""

    name = "rapidfuzz token_set_ratio"

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._phrasings = [p for e in entries for p in e.phrasings]
        self._owner = [e.id for e in entries for _ in e.phrasings]

    def top(self, query: str) -> tuple[str | None, float]:
        hit = process.extractOne(
            query, self._phrasings, scorer=fuzz.token_set_ratio, processor=utils.default_process
        )
        if hit is None:
            return None, 0.0
        _, score, index = hit
        return self._owner[index], float(score)


class BM25:
    """Okapi BM25 over pre-tokenised documents."""

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = BM25_K1, b: float = BM25_B):
        self.k1, self.size = k1, len(docs)
        avgdl = (sum(len(d) for d in docs) / len(docs)) if docs else 0.0
        norm = [k1 * (1 - b + b * len(d) / (avgdl or 1)) for d in docs]
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            for term, f in Counter(doc).items():
                # the document-side factor of the term's score: f * (k1 + 1) / (f + norm)
                self.postings.setdefault(term, []).append((i, f * (k1 + 1) / (f + norm[i])))
        n = len(docs)
        idf = {t: math.log((n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        floor = BM25_IDF_FLOOR * (sum(idf.values()) / len(idf)) if idf else 0.0
        self.idf = {t: (v if v >= 0 else floor) for t, v in idf.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        """One score per document, in document order (repeated query terms count again)."""
        out = [0.0] * self.size
        for term in query:
            idf = self.idf.get(term, 0.0)
            for i, weight in self.postings.get(term, ()):
                out[i] += idf * weight
        return out


class BM25Baseline:
    """BM25 where an entry's document is all its phrasings concatenated."""

    name = "BM25 (all phrasings)"

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._ids = [e.id for e in entries]
        self._bm25 = BM25([tokenize(" ".join(e.phrasings)) for e in entries])

    def top(self, query: str) -> tuple[str | None, float]:
        scores = self._bm25.scores(tokenize(query))
        if not scores:
            return None, 0.0
        best = max(range(len(scores)), key=scores.__getitem__)  # first of any tie
        return self._ids[best], scores[best]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One query's top guess under a baseline, with what the data set expected."""

    top: str | None
    score: float
    expected: tuple[str, ...]


#: How the decline threshold is tuned: "count" maximises correct answers + out-of-scope declines
#: (each query counts once); "rates" maximises in-scope top-1 rate + out-of-scope declined rate
#: (the two groups weigh the same, as the figures in the benchmarks' README were tuned).
OBJECTIVES = ("count", "rates")


def tune_threshold(outcomes: Sequence[Outcome], *, objective: str = "count") -> float:
    """The decline threshold (answer iff score >= it) scoring best on these very queries.

    Maximises (in-scope answered correctly) + (out-of-scope declined), as counts or as rates (see
    OBJECTIVES); the lowest such threshold wins ties. Without out-of-scope queries nothing should
    be declined, so it is 0.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
    n_oos = sum(1 for o in outcomes if not o.expected)
    if not n_oos:
        return 0.0
    n_in = len(outcomes) - n_oos
    w_in, w_oos = (1.0, 1.0) if objective == "count" else (1 / max(n_in, 1), 1 / n_oos)
    ranked = sorted(outcomes, key=lambda o: o.score)
    # threshold = ranked[i].score: declines ranked[:i] (all scores below it), answers the rest.
    correct_at_or_above = sum(1 for o in ranked if o.expected and o.top in o.expected)
    oos_below = 0
    best, best_threshold = -1.0, 0.0
    i = 0
    while i < len(ranked):
        score = ranked[i].score
        value = w_in * correct_at_or_above + w_oos * oos_below
        if value > best:
            best, best_threshold = value, score
        while i < len(ranked) and ranked[i].score == score:  # step past every tie
            o = ranked[i]
            correct_at_or_above -= 1 if o.expected and o.top in o.expected else 0
            oos_below += 0 if o.expected else 1
            i += 1
    if w_oos * oos_below > best:  # declining everything
        best_threshold = ranked[-1].score + 1.0
    # answering everything reads better as 0 (every score here is >= 0)
    return 0.0 if best_threshold <= ranked[0].score else best_threshold


def threshold_declining(outcomes: Sequence[Outcome], share: float) -> float:
    """The lowest threshold that declines at least `share` of the out-of-scope queries.

    Raising a threshold only ever declines more, so this is the threshold that answers the
    most in-scope queries correctly of all those that reach `share`: the best in-scope top-1
    a system's score allows at that decline rate (a target such as "70 % in scope with 85 %
    of out of scope declined" is within reach of a threshold iff it is met here). Without
    out-of-scope queries it is 0."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, not {share!r}")
    outside = [o for o in outcomes if not o.expected]
    ranked = sorted(o.score for o in outside if o.top is not None)  # the rest: always declined
    # float noise: 0.85 * 1000 = 850.0000000000001
    must_decline = math.ceil(share * len(outside) - 1e-9) - (len(outside) - len(ranked))
    if must_decline <= 0:
        return 0.0
    # Answer from just above the highest score that must be declined (ties with it go too).
    return math.nextafter(ranked[must_decline - 1], math.inf)


def answered(outcome: Outcome, threshold: float) -> bool:
    return outcome.top is not None and outcome.score >= threshold
