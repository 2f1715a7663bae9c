"""Each fact's centroid, summed block by block (a property test)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import given
from hypothesis import strategies as st


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=16))
def test_centroids_are_each_facts_normalised_mean_whatever_the_blocks(counts, block):
    from bot.core.matching import semantic as semantic_mod

    rng = np.random.default_rng(len(counts) * 31 + block)
    vectors = rng.standard_normal((sum(counts), 8)).astype(np.float16)
    first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    expected = np.stack([vectors[a:b].astype(np.float64).sum(axis=0)
                         for a, b in pairwise(first)])
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-12)
    got = semantic_mod._centroids(vectors, first, block)
    assert got.dtype == np.float32 and np.allclose(got, expected, atol=1e-5)
