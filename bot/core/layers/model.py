"""The model of meaning as a server's layer uses it: the base's model, the layer's vectors.

A layer's phrasings are embedded by the process's model like the base's, but kept apart:
- on disk in the layer's own cache file, because the base's file is rewritten with the vectors
  of the knowledge base being built only (`EmbeddingCache.save(keep=...)`): a layer writing
  there would drop the base's vectors, and the next start would embed the whole base again;
- in memory with the layer, so that a layer dropped from the cache frees its vectors (the
  process's shared table of vectors is never emptied), and only while it is built.
A question is embedded once per ask, by the base's model: both matchers read that vector.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.core.matching.semantic import SemanticModel


class LayerModel(SemanticModel):
    """The base's embedder with a cache of this layer's vectors (in `cache_dir`, if given)."""

    def __init__(self, base: SemanticModel, cache_dir: Path | None) -> None:
        self._own: dict[bytes, np.ndarray] = {}
        super().__init__(base.embedder, cache_dir, self._own)
        self.base = base

    def forget_vectors(self) -> None:
        """Drop the cache's copy of the vectors once the layer's index holds them (a fifth of
        a layer's memory): a layer's model serves one build, the next one reads the file."""
        self._own.clear()

    def embed_question(self, text: str) -> np.ndarray:
        """The base model's vector of the question (computed once for both matchers)."""
        return self.base.embed_question(text)
