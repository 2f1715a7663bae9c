"""The one matching function behind every entry point: a question in, a fact or a decline out.

Scoring, for each fact, mixes four signals in [0, 1]:

- *phrasing*: the best IDF-weighted Dice overlap between the question's terms and one phrasing
  (question or alternate) of the fact: both sides' unmatched words cost, so a question about
  something else ("how much does a nurse make") scores low even when it shares words;
- *coverage*: the share of the question's content words (not function words) found anywhere in
  the fact's phrasings and keywords;
- *answer*: the same share, found in the fact's answer text (a weak, supporting signal);
- *fuzzy*: RapidFuzz's `token_sort_ratio` between the question's terms and the best phrasing's,
  computed for the few best candidates only (catches near-spellings the terms miss).

The confidence is that mix. The matcher answers when the confidence reaches `Thresholds.answer`
and the runner-up is at least `Thresholds.margin` behind; otherwise it declines and offers up to
`max_suggestions` facts that reach `Thresholds.suggest` ("did you mean").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from bot.knowledge.models import Fact, KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.normalize import MAX_QUESTION_CHARS, clean
from bot.matching.synonyms import DOMAIN_SYNONYMS, STOP_WORDS, SynonymTable

PHRASING_WEIGHT = 0.60
COVERAGE_WEIGHT = 0.20
FUZZY_WEIGHT = 0.20
ANSWER_CREDIT = 0.5
"""A question word found only in a fact's answer counts this much towards its coverage."""
UNCOVERED_PENALTY = 0.5
"""The score is scaled by 1 - UNCOVERED_PENALTY x (share of the question's content the fact
does not cover): a question about a nurse's pay is not about a machine learning engineer's."""
STOP_WORD_WEIGHT = 0.3
"""Function words ("what", "do", "a") weigh this fraction of their IDF."""
RERANK_CANDIDATES = 12
"""How many of the best facts by word overlap get the (costlier) fuzzy comparison."""

_STOP_STEMS = frozenset(STOP_WORDS)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When to answer, when to suggest. All in [0, 1]."""

    answer: float = 0.55
    """Lowest confidence the matcher answers with."""
    margin: float = 0.04
    """How far the best fact must be ahead of the runner-up to be answered."""
    suggest: float = 0.30
    """Lowest score of a fact offered as "did you mean"."""


DEFAULT_THRESHOLDS = Thresholds()


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

    @property
    def answered(self) -> bool:
        return self.fact is not None


class _Postings:
    """Term -> array of row ids (phrasings or facts), built once."""

    def __init__(self, rows_by_term: Mapping[int, list[int]], n_terms: int) -> None:
        empty = np.empty(0, dtype=np.int32)
        self.rows = [empty] * n_terms
        for term, rows in rows_by_term.items():
            self.rows[term] = np.asarray(rows, dtype=np.int32)

    def accumulate(self, terms: list[int], weights: np.ndarray, size: int) -> np.ndarray:
        if not terms:
            return np.zeros(size)
        rows = [self.rows[t] for t in terms]
        lengths = [len(r) for r in rows]
        return np.bincount(
            np.concatenate(rows), weights=np.repeat(weights, lengths), minlength=size
        )


class Matcher:
    """An index over one knowledge base. Immutable once built; safe to share between tasks."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        *,
        synonyms: Mapping[str, str] = DOMAIN_SYNONYMS,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.knowledge = knowledge
        self.thresholds = thresholds
        self.facts: tuple[Fact, ...] = tuple(knowledge.facts.values())
        table = SynonymTable(synonyms)
        vocabulary: set[str] = set()
        for fact in self.facts:
            for text in (*fact.phrasings, *fact.keywords, fact.answer):
                vocabulary.update(Analyzer.raw_words(text))
        self.analyzer = Analyzer(table, vocabulary)
        self._build()

    # -- index -------------------------------------------------------------------------------

    def _term_id(self, term: str) -> int:
        tid = self._terms.get(term)
        if tid is None:
            tid = self._terms[term] = len(self._terms)
        return tid

    def _build(self) -> None:
        self._terms: dict[str, int] = {}
        phrasing_terms: list[list[int]] = []
        phrasing_fact: list[int] = []
        self._phrasing_text: list[str] = []
        bag: dict[int, set[int]] = {}
        answer: dict[int, set[int]] = {}
        for f_index, fact in enumerate(self.facts):
            for text in fact.phrasings:
                terms = self.analyzer.terms(text, correct_typos=False)
                phrasing_terms.append(sorted({self._term_id(t) for t in terms}))
                phrasing_fact.append(f_index)
                self._phrasing_text.append(" ".join(terms))
            for text in (*fact.phrasings, *fact.keywords):
                for t in self.analyzer.terms(text, correct_typos=False):
                    bag.setdefault(self._term_id(t), set()).add(f_index)
            for t in self.analyzer.terms(fact.answer, correct_typos=False):
                answer.setdefault(self._term_id(t), set()).add(f_index)

        n_terms, n_phrasings = len(self._terms), len(phrasing_terms)
        df = np.zeros(n_terms)
        by_term: dict[int, list[int]] = {}
        for p_index, terms in enumerate(phrasing_terms):
            for t in terms:
                df[t] += 1
                by_term.setdefault(t, []).append(p_index)
        self._idf = np.log1p((n_phrasings - df + 0.5) / (df + 0.5))
        for term, tid in self._terms.items():
            if term in _STOP_STEMS:
                self._idf[tid] *= STOP_WORD_WEIGHT
        self._idf_unknown = math.log1p((n_phrasings + 0.5) / 0.5)
        self._phrasing_postings = _Postings(by_term, n_terms)
        self._bag_postings = _Postings({t: sorted(f) for t, f in bag.items()}, n_terms)
        self._answer_postings = _Postings({t: sorted(f) for t, f in answer.items()}, n_terms)
        self._phrasing_fact = np.asarray(phrasing_fact, dtype=np.int32)
        self._phrasing_weight = np.asarray(
            [self._idf[terms].sum() for terms in phrasing_terms], dtype=np.float64
        )
        self._phrasings_of: list[list[int]] = [[] for _ in self.facts]
        for p_index, f_index in enumerate(phrasing_fact):
            self._phrasings_of[f_index].append(p_index)

    # -- scoring -----------------------------------------------------------------------------

    def _scores(self, terms: list[str], extra: list[str] = ()) -> list[tuple[int, float]]:
        """(fact index, score) for the best candidates, best first."""
        unique = list(dict.fromkeys([*terms, *extra]))
        known = [(t, self._terms[t]) for t in unique if t in self._terms]
        unknown_content = [t for t in unique if t not in self._terms and t not in _STOP_STEMS]
        if not known:
            return []
        ids = [tid for _, tid in known]
        weights = self._idf[ids]
        query_weight = weights.sum() + self._idf_unknown * len(unknown_content)

        shared = self._phrasing_postings.accumulate(ids, weights, len(self._phrasing_weight))
        hit = np.flatnonzero(shared)
        dice = 2.0 * shared[hit] / (query_weight + self._phrasing_weight[hit])
        best_phrasing = np.zeros(len(self.facts))
        np.maximum.at(best_phrasing, self._phrasing_fact[hit], dice)

        content = [(i, t) for i, (term, t) in enumerate(known) if term not in _STOP_STEMS]
        content_weight = sum(weights[i] for i, _ in content) + self._idf_unknown * len(
            unknown_content
        )
        if content_weight > 0:
            c_ids = [t for _, t in content]
            c_w = np.asarray([weights[i] for i, _ in content])
            size = len(self.facts)
            in_bag = self._bag_postings.accumulate(c_ids, c_w, size)
            in_answer = self._answer_postings.accumulate(c_ids, c_w, size)
            coverage = np.maximum(in_bag, ANSWER_CREDIT * in_answer) / content_weight
        else:
            coverage = np.ones(len(self.facts))

        lexical = PHRASING_WEIGHT * best_phrasing + COVERAGE_WEIGHT * coverage
        lexical *= 1.0 - UNCOVERED_PENALTY * (1.0 - coverage)
        lexical[best_phrasing == 0] = 0.0
        candidates = np.flatnonzero(lexical)
        if len(candidates) > RERANK_CANDIDATES:
            top = np.argpartition(-lexical[candidates], RERANK_CANDIDATES)[:RERANK_CANDIDATES]
            candidates = candidates[top]
        query_text = " ".join(terms)
        scored = []
        for f_index in candidates.tolist():
            fuzzy = max(
                fuzz.token_sort_ratio(query_text, self._phrasing_text[p])
                for p in self._phrasings_of[f_index]
            )
            penalty = 1.0 - UNCOVERED_PENALTY * (1.0 - coverage[f_index])
            score = float(lexical[f_index] + FUZZY_WEIGHT * penalty * fuzzy / 100.0)
            scored.append((f_index, min(1.0, max(0.0, score))))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored

    # -- public API --------------------------------------------------------------------------

    def rank(self, question: str, *, limit: int = 10) -> list[tuple[Fact, float]]:
        """The best facts for `question`, best first, with their scores (no thresholds)."""
        terms = self.analyzer.terms(question[:MAX_QUESTION_CHARS])
        return [(self.facts[i], s) for i, s in self._scores(terms)[:limit]]

    def match(
        self,
        question: str,
        *,
        thresholds: Thresholds | None = None,
        max_suggestions: int = 3,
    ) -> MatchResult:
        """Answer `question` with a fact when confident; otherwise decline with suggestions."""
        t = thresholds or self.thresholds
        question = question[:MAX_QUESTION_CHARS]
        ranked = self.rank(question, limit=max(2, max_suggestions + 1))
        if not ranked:
            return MatchResult(question, None, 0.0)
        best, confidence = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if confidence >= t.answer and confidence - runner_up >= t.margin:
            return MatchResult(question, best, confidence)
        suggestions = tuple(
            Suggestion(fact, score) for fact, score in ranked[:max_suggestions]
            if score >= t.suggest
        )
        return MatchResult(question, None, confidence, suggestions)

    def complete(self, partial: str, *, limit: int = 25) -> list[Fact]:
        """Facts whose questions fit what is being typed (autocomplete), best first."""
        partial = partial[:MAX_QUESTION_CHARS]
        text = clean(partial).strip()
        if not text:
            return list(self.facts[:limit])
        raw = Analyzer.raw_words(partial)
        extra: list[str] = []
        if raw and not partial[-1:].isspace():
            extra = self.analyzer.prefix_terms(raw[-1])
        terms = self.analyzer.terms(partial)
        return [self.facts[i] for i, _ in self._scores(terms, extra)[:limit]]
