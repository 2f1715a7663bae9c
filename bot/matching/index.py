"""The search index over one knowledge base: terms, their weights, and sparse vectors.

Every phrasing (a fact's question or an alternate) is a unit-length vector of IDF weights. Each
fact also has a *centroid*: the mean of its phrasing vectors, plus its keywords and (weakly) its
answer, normalised. A word most phrasings of a fact use weighs more in its centroid than a word
one phrasing happens to contain. Vectors are stored as postings (term -> rows, weights, in one
compressed array each) so that scoring a question touches only rows that share a term with it.
"""

from __future__ import annotations

import math
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
    """A sparse matrix stored by term (column): rows and weights of term t are the slice
    `indptr[t]:indptr[t + 1]` of `rows` and `weights`."""

    def __init__(self, terms: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                 n_terms: int, n_rows: int) -> None:
        order = np.argsort(terms, kind="stable")
        self.rows = rows[order].astype(np.int32)
        self.weights = weights[order].astype(np.float64)
        self.indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=self.indptr[1:])
        self.n_rows = n_rows

    def dot(self, terms: Sequence[int], weights: Sequence[float]) -> np.ndarray:
        """Dot product of every row with the sparse query vector (terms, weights)."""
        if not len(terms):
            return np.zeros(self.n_rows)
        starts, ends = self.indptr[terms], self.indptr[np.asarray(terms) + 1]
        rows = np.concatenate([self.rows[a:b] for a, b in zip(starts, ends, strict=True)])
        values = np.concatenate([
            self.weights[a:b] * w for a, b, w in zip(starts, ends, weights, strict=True)
        ])
        return np.bincount(rows, weights=values, minlength=self.n_rows)


def _norms(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0] = 1.0
    return norms


class Index:
    """Built once from the facts and an analyzer; read-only afterwards."""

    def __init__(
        self, facts: Sequence[Fact], analyzer: Analyzer, words: dict[str, list[str]]
    ) -> None:
        """`words`: the raw words of every text of the facts (typos of alternates corrected)."""
        self.terms: dict[str, int] = {}
        term_id = self.terms.setdefault
        self.phrasing_text: list[str] = []
        self.phrasings_of: list[range] = []
        p_terms: list[int] = []  # flat (term, phrasing) pairs
        p_rows: list[int] = []
        x_terms: list[int] = []  # flat (term, fact, share) triples: keywords and answers
        x_rows: list[int] = []
        x_share: list[float] = []
        x_kind: list[int] = []  # 0 keywords, 1 answer: each is its own unit vector
        phrasing_fact: list[int] = []

        known = self.terms.get

        def features(terms: list[str]) -> set[int]:
            ids = set(map(known, analyzer.with_bigrams(terms)))
            if None in ids:  # new terms: number them
                ids = {term_id(t, len(self.terms)) for t in analyzer.with_bigrams(terms)}
            return ids

        for f_index, fact in enumerate(facts):
            first = len(phrasing_fact)
            for text in fact.phrasings:
                terms = analyzer.terms_of(words[text], correct_typos=False)
                ids = features(terms)
                p_terms.extend(ids)
                p_rows.extend([len(phrasing_fact)] * len(ids))
                phrasing_fact.append(f_index)
                self.phrasing_text.append(" ".join(terms))
            self.phrasings_of.append(range(first, len(phrasing_fact)))
            keyword_terms = [
                t for k in fact.keywords for t in analyzer.terms_of(words[k], correct_typos=False)
            ]
            answer_terms = analyzer.terms_of(words[fact.answer], correct_typos=False)
            for kind, extra, share in (
                (0, features(keyword_terms) if keyword_terms else set(), KEYWORD_WEIGHT),
                (1, features(answer_terms), ANSWER_WEIGHT),
            ):
                x_terms.extend(extra)
                x_rows.extend([f_index] * len(extra))
                x_share.extend([share] * len(extra))
                x_kind.extend([kind] * len(extra))

        n_terms, n_phrasings, n_facts = len(self.terms), len(phrasing_fact), len(facts)
        pt, pr = np.asarray(p_terms, dtype=np.int64), np.asarray(p_rows, dtype=np.int64)
        df = np.bincount(pt, minlength=n_terms).astype(np.float64)
        self.idf = np.log1p((n_phrasings - df + 0.5) / (df + 0.5))
        for term, tid in self.terms.items():
            if term in STOP_WORDS:
                self.idf[tid] *= STOP_WORD_WEIGHT
            elif " " in term:
                self.idf[tid] *= BIGRAM_WEIGHT
        self.idf_unknown = math.log1p((n_phrasings + 0.5) / 0.5)

        # Phrasing vectors: binary term presence x IDF, unit length.
        p_values = self.idf[pt]
        p_values = p_values / _norms(pr, p_values, n_phrasings)[pr]
        self.phrasings = Postings(pt, pr, p_values, n_terms, n_phrasings)
        self.phrasing_fact_array = np.asarray(phrasing_fact, dtype=np.int32)

        # Centroids: sum of the fact's phrasing vectors, keywords and answer (each unit length,
        # weighted by its share), then unit length. Duplicate (fact, term) pairs are summed.
        xt, xr = np.asarray(x_terms, dtype=np.int64), np.asarray(x_rows, dtype=np.int64)
        x_values = self.idf[xt]
        x_keys = xr * 2 + np.asarray(x_kind, dtype=np.int64)
        x_values = x_values / _norms(x_keys, x_values, n_facts * 2)[x_keys] * np.asarray(x_share)
        c_rows = np.concatenate([self.phrasing_fact_array.astype(np.int64)[pr], xr])
        c_terms = np.concatenate([pt, xt])
        keys, inverse = np.unique(c_rows * n_terms + c_terms, return_inverse=True)
        c_values = np.bincount(inverse, weights=np.concatenate([p_values, x_values]))
        c_rows, c_terms = keys // max(n_terms, 1), keys % max(n_terms, 1)
        c_values = c_values / _norms(c_rows, c_values, n_facts)[c_rows]
        self.centroids = Postings(c_terms, c_rows, c_values, n_terms, n_facts)
