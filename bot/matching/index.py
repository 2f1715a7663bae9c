"""The search index over one knowledge base: terms, their weights, and sparse vectors.

Every phrasing (a fact's question or an alternate) is a unit-length vector of IDF weights. Each
fact also has a *centroid*: the mean of its phrasing vectors, plus its keywords and (weakly) its
answer, normalised. A word most phrasings of a fact use weighs more in its centroid than a word
one phrasing happens to contain. Vectors are stored as postings (term -> rows, weights) so that
scoring a question touches only the rows that share a term with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from bot.knowledge.models import Fact
from bot.matching.analyzer import Analyzer
from bot.matching.synonyms import STOP_WORDS

STOP_WORD_WEIGHT = 0.5
"""Function words ("what", "do", "a") weigh this fraction of their IDF."""
BIGRAM_WEIGHT = 0.5
"""A pair of neighbouring terms weighs this fraction of its IDF."""
KEYWORD_WEIGHT = 0.5
"""A fact's keywords count in its centroid as this fraction of one phrasing."""
ANSWER_WEIGHT = 0.35
"""A fact's answer text counts in its centroid as this fraction of one phrasing."""


class Postings:
    """Term id -> (row ids, weights): a sparse matrix stored by column."""

    def __init__(self, n_terms: int, n_rows: int) -> None:
        self.n_rows = n_rows
        self._rows: list[list[int]] = [[] for _ in range(n_terms)]
        self._weights: list[list[float]] = [[] for _ in range(n_terms)]
        self.rows: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []

    def add(self, term: int, row: int, weight: float) -> None:
        self._rows[term].append(row)
        self._weights[term].append(weight)

    def freeze(self) -> Postings:
        self.rows = [np.asarray(r, dtype=np.int32) for r in self._rows]
        self.weights = [np.asarray(w, dtype=np.float64) for w in self._weights]
        del self._rows, self._weights
        return self

    def dot(self, terms: Sequence[int], weights: Sequence[float]) -> np.ndarray:
        """Dot product of every row with the sparse query vector (terms, weights)."""
        if not terms:
            return np.zeros(self.n_rows)
        rows = np.concatenate([self.rows[t] for t in terms])
        values = np.concatenate([self.weights[t] * w for t, w in zip(terms, weights, strict=True)])
        return np.bincount(rows, weights=values, minlength=self.n_rows)


class Index:
    """Built once from the facts and an analyzer; read-only afterwards."""

    def __init__(self, facts: Sequence[Fact], analyzer: Analyzer, alternate_words: dict) -> None:
        self.terms: dict[str, int] = {}
        phrasing_terms: list[list[int]] = []
        self.phrasing_fact: list[int] = []
        self.phrasing_text: list[str] = []
        self.phrasings_of: list[list[int]] = []
        extra: list[tuple[list[int], list[int]]] = []  # per fact: keyword terms, answer terms

        def index_terms(text: str) -> list[str]:
            raw = alternate_words.get(text)
            if raw is None:
                return analyzer.terms(text, correct_typos=False)
            return analyzer.terms_of(raw, correct_typos=False)

        def features(terms: list[str]) -> set[int]:
            return {self._id(t) for t in analyzer.with_bigrams(terms)}

        for f_index, fact in enumerate(facts):
            self.phrasings_of.append([])
            for text in fact.phrasings:
                terms = index_terms(text)
                self.phrasings_of[f_index].append(len(phrasing_terms))
                phrasing_terms.append(sorted(features(terms)))
                self.phrasing_fact.append(f_index)
                self.phrasing_text.append(" ".join(terms))
            keywords = {t for k in fact.keywords for t in features(index_terms(k))}
            answer = features(analyzer.terms(fact.answer, correct_typos=False))
            extra.append((sorted(keywords), sorted(answer)))

        n_terms, n_phrasings = len(self.terms), len(phrasing_terms)
        df = np.zeros(n_terms)
        for terms in phrasing_terms:
            df[terms] += 1
        self.idf = np.log1p((n_phrasings - df + 0.5) / (df + 0.5))
        for term, tid in self.terms.items():
            if term in STOP_WORDS:
                self.idf[tid] *= STOP_WORD_WEIGHT
            elif " " in term:
                self.idf[tid] *= BIGRAM_WEIGHT
        self.idf_unknown = math.log1p((n_phrasings + 0.5) / 0.5)

        self.phrasings = Postings(n_terms, n_phrasings)
        for p_index, terms in enumerate(phrasing_terms):
            norm = math.sqrt(float((self.idf[terms] ** 2).sum())) or 1.0
            for t in terms:
                self.phrasings.add(t, p_index, self.idf[t] / norm)
        self.phrasings.freeze()

        self.centroids = Postings(n_terms, len(facts))
        for f_index, (keywords, answer) in enumerate(extra):
            centroid: dict[int, float] = defaultdict(float)
            parts = [(phrasing_terms[p], 1.0) for p in self.phrasings_of[f_index]]
            parts += [(keywords, KEYWORD_WEIGHT), (answer, ANSWER_WEIGHT)]
            for terms, share in parts:
                norm = math.sqrt(float((self.idf[terms] ** 2).sum())) if terms else 0.0
                for t in terms:
                    centroid[t] += share * self.idf[t] / norm
            norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
            for t, value in centroid.items():
                self.centroids.add(t, f_index, value / norm)
        self.centroids.freeze()
        self.phrasing_fact_array = np.asarray(self.phrasing_fact, dtype=np.int32)

    def _id(self, term: str) -> int:
        tid = self.terms.get(term)
        if tid is None:
            tid = self.terms[term] = len(self.terms)
        return tid
