"""A fact with few phrasings among facts with many: what its closest phrasing is worth.

The meaning signal's largest part is the cosine of a question with a fact's *closest*
phrasing: the best of the fact's n. The best of many is higher than the best of few for any
question, right or not. On the shipped knowledge base (28 phrasings a fact), a question asked
for another fact gets a closest cosine of 0.36 on average from one phrasing, 0.43 from two,
0.48 from five and 0.55 from all 28. So a fact a moderator has just added with two phrasings
loses, among facts with 28, to neighbours that merely have more phrasings: with each gold fact
in turn cut to two phrasings, 48 % of its questions were answered right and 21 % with
another fact.

`Density` is that curve, learned from the knowledge base itself when the matcher is built:
random phrasings (the probes) against random n-phrasing subsets of the other facts, the mean
of the best cosine, for n from 1 to the knowledge base's typical count (the median). A fact
with n phrasings, at most half the typical count, has its closest cosine lifted by `lift(n)`:
the curve at the typical count minus the curve at n, what a question from elsewhere gains from
the missing phrasings alone. Other facts are not touched, so a knowledge base whose facts are
alike in size (the shipped one; one with a single phrasing per fact) scores as before. A
server's own facts, matched beside the shared base and compared with its answers, are lifted
by the base's curve (`bot.core.layers.layer.layer_matcher`).

Measured with `python -m bot eval --new-fact 2 [--own]` (README, "Quality and speed").

Cost: one matrix product of `PROBES` probes against at most `ROWS` sampled phrasing vectors
per build (a few ms at the shipped size, ~25 ms at 100,000 phrasings); computed again when a
snapshot is read (`bot.core.matching.snapshot`), which keeps only the phrasings' vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROBES = 256
"""Phrasings drawn at random as the questions from elsewhere."""
ROWS = 4_000
"""Sampled phrasing vectors at most, over every n of the curve."""
MIN_FACTS = 8
"""Below this many facts with the counts needed, the curve is not learned (no lift)."""
SPARSE_SHARE = 0.5
"""Only a fact with at most this share of the typical count is lifted: near the typical count
the curve is flat and its estimate as noisy as the lift (a fact of 26 phrasings among facts of
28 would gain 0.004-0.008, enough to move a close call and nothing else)."""
GRID = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
"""The counts the curve is measured at (it grows like a logarithm: between them it is
interpolated in log n)."""


@dataclass(frozen=True, slots=True)
class Density:
    """The mean closest cosine of a question from elsewhere, by a fact's phrasing count."""

    typical: int
    """The knowledge base's median phrasings a fact."""
    counts: np.ndarray
    """The counts the curve was measured at (ascending, the last one `typical`)."""
    curve: np.ndarray
    """Its value at each of `counts` (non-decreasing)."""

    def lift(self, counts: np.ndarray) -> np.ndarray:
        """For facts of `counts` phrasings: what their closest cosine gains (float32; 0 for
        no phrasing, and for more than `SPARSE_SHARE` of `typical`)."""
        counts = np.asarray(counts)
        known = np.clip(counts, 1, self.typical).astype(np.float64)
        at = np.interp(np.log(known), np.log(self.counts), self.curve)
        lift = (self.curve[-1] - at).astype(np.float32)
        lift[(counts <= 0) | (counts > self.typical * SPARSE_SHARE)] = 0.0
        return lift


def learn_density(phrasings: np.ndarray, first_phrasing: np.ndarray, *, seed: int = 0
                  ) -> Density | None:
    """The curve of `phrasings` (float rows, a fact's consecutive, starting at
    `first_phrasing`), or None when there is nothing to lift: a typical fact with one phrasing,
    or too few facts to measure it."""
    counts = np.diff(first_phrasing)
    if len(counts) < MIN_FACTS:
        return None
    typical = int(np.median(counts))
    if typical <= 1:
        return None
    grid = [n for n in GRID if n < typical] + [typical]
    rng = np.random.default_rng(seed)
    probes = rng.choice(len(phrasings), size=min(PROBES, len(phrasings)), replace=False)
    owner = np.searchsorted(first_phrasing, probes, side="right") - 1
    questions = phrasings[probes].astype(np.float32)
    per_count = max(MIN_FACTS, ROWS // sum(grid))
    """Facts sampled at each count (the same number at each: an even estimate)."""
    curve = []
    for n in grid:
        eligible = np.flatnonzero(counts >= n)
        if len(eligible) < MIN_FACTS:
            return None
        sampled = rng.choice(eligible, size=min(per_count, len(eligible)), replace=False)
        # n distinct phrasings of each: the n smallest of random keys over its own rows
        keys = rng.random((len(sampled), int(counts[sampled].max())))
        keys[np.arange(keys.shape[1]) >= counts[sampled][:, None]] = np.inf
        chosen = np.argpartition(keys, n - 1, axis=1)[:, :n]
        rows = (first_phrasing[sampled][:, None] + chosen).ravel()
        best = (questions @ phrasings[rows].astype(np.float32).T).reshape(
            len(probes), len(sampled), n).max(axis=2)
        elsewhere = owner[:, None] != sampled[None, :]
        curve.append(float(best[elsewhere].mean()))
    return Density(typical, np.asarray(grid, dtype=np.int64),
                   np.maximum.accumulate(np.asarray(curve)))
