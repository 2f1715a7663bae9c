"""A sparse matrix stored by term, the shape of the index's vectors: scoring a question reads
only the columns of its terms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Postings:
    """A sparse matrix stored by term (column): rows and weights of term t are the slice
    `indptr[t]:indptr[t + 1]` of `rows` and `weights`.

    The columns of the few terms in a quarter or more of the rows (function words, mostly)
    are also kept dense: adding a dense column to every row is several times faster than
    adding a long posting list row by row, and gives the same sums (a row without the term
    adds 0.0, which changes no float)."""

    DENSE_SHARE = 4
    """A term in at least 1 / DENSE_SHARE of the rows gets a dense column..."""
    MAX_DENSE = 16
    """...and at most this many terms do (the commonest), to bound their memory."""

    def __init__(self, terms: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                 n_terms: int, n_rows: int, *, ordered: bool = False) -> None:
        """From (term, row, weight) triples in any order; a term's rows keep their order."""
        if ordered:
            self.rows = rows.astype(np.int32)
            self.weights = weights.astype(np.float64)
        else:
            order = stable_argsort(terms, n_terms)
            self.rows = rows[order].astype(np.int32, copy=False)
            self.weights = weights[order].astype(np.float64, copy=False)
            del order
        counts = np.bincount(terms, minlength=n_terms)
        self.indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=self.indptr[1:])
        self.n_rows = n_rows
        self._dense = self._dense_columns()

    @classmethod
    def of_parts(cls, rows: np.ndarray, weights: np.ndarray, indptr: np.ndarray,
                 n_rows: int) -> Postings:
        """From its own arrays (`parts`), as a snapshot kept them."""
        n_terms = len(indptr) - 1
        if (n_terms < 0 or len(rows) != len(weights) or int(indptr[0]) != 0
                or int(indptr[-1]) != len(rows) or np.any(np.diff(indptr) < 0)
                or (len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= n_rows))):
            raise ValueError("the postings' arrays do not fit together")
        postings = cls.__new__(cls)
        postings.rows = rows.astype(np.int32, copy=False)
        postings.weights = weights.astype(np.float64, copy=False)
        postings.indptr = indptr.astype(np.int64, copy=False)
        postings.n_rows = n_rows
        postings._dense = postings._dense_columns()
        return postings

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """rows, weights, indptr: all `of_parts` needs beside the number of rows."""
        return self.rows, self.weights, self.indptr

    def _dense_columns(self) -> dict[int, np.ndarray]:
        n_rows = self.n_rows
        counts = np.diff(self.indptr)
        dense: dict[int, np.ndarray] = {}
        common = np.flatnonzero(counts * self.DENSE_SHARE >= max(n_rows, 1))
        for term in common[np.argsort(-counts[common], kind="stable")][: self.MAX_DENSE]:
            column = np.zeros(n_rows)
            a, b = self.indptr[term], self.indptr[term + 1]
            column[self.rows[a:b]] = self.weights[a:b]
            dense[int(term)] = column
        return dense

    @classmethod
    def of_sorted(cls, terms: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                  n_terms: int, n_rows: int) -> Postings:
        """From triples already ordered by term."""
        return cls(terms, rows, weights, n_terms, n_rows, ordered=True)

    def rows_with(self, term: int) -> np.ndarray:
        """The rows that have term number `term`, in order."""
        return self.rows[self.indptr[term] : self.indptr[term + 1]]

    def dot(self, terms: Sequence[int], weights: Sequence[float]) -> np.ndarray:
        """Dot product of every row with the sparse query vector (terms, weights).

        Each row adds its terms' products in the order of `terms`, starting from 0.0."""
        out = np.zeros(self.n_rows)
        scratch = None
        for term, weight in zip(terms, weights, strict=True):
            column = self._dense.get(term)
            if column is None:
                a, b = self.indptr[term], self.indptr[term + 1]
                np.add.at(out, self.rows[a:b], self.weights[a:b] * weight)
            else:
                scratch = np.multiply(column, weight, out=scratch)
                out += scratch
        return out


def stable_argsort(keys: np.ndarray, bound: int) -> np.ndarray:
    """`np.argsort(keys, kind="stable")` for integers 0 <= keys < bound, in linear time.

    numpy sorts integers of 16 bits or fewer by radix; wider keys are sorted 16 bits at a
    time, lowest first (each pass stable, so the last one leaves them in full order)."""
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while bound > 1 << shift:
        digit = (keys[order] >> shift) & 0xFFFF
        order = order[np.argsort(digit.astype(np.uint16), kind="stable")]
        shift += 16
    return order
