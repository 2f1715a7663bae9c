"""The meaning signal: how close a question is to each fact by sentence embedding.

`SemanticModel` is the embedder with its cache of phrasing vectors (one per process and data
directory: `semantic_model`); `SemanticIndex` is one knowledge base's vectors: every phrasing's,
and each fact's centroid (the normalised mean of its phrasings). The matcher asks it for the
centroid similarity of every fact (one matrix-vector product) and the best phrasing similarity
of its few candidates.

When the model can not be used, `semantic_model` logs one line saying why and returns None:
the matcher then works with its lexical signals alone.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.knowledge.models import Fact
from bot.core.matching.density import Density, learn_density
from bot.core.matching.embedding import (
    DIMENSION,
    Embedder,
    EmbeddingUnavailable,
    default_model_path,
    load_embedder,
)
from bot.core.matching.embedding_cache import EmbeddingCache, text_key

log = logging.getLogger(__name__)

EMBEDDINGS_DIR = "embeddings"
"""The cache's folder in the data directory."""
PROGRESS_EVERY_S = 3.0
"""A cold build longer than this reports its progress (a bar on a terminal, else a log line)."""
PROGRESS_CHUNK = 256
RECENT_QUESTIONS = 64


class SemanticModel:
    """An embedder and its cache of vectors (on disk when given a directory)."""

    def __init__(
        self, embedder: Embedder, cache_dir: Path | None = None,
        shared: dict[bytes, np.ndarray] | None = None,
    ) -> None:
        self.embedder = embedder
        self.cache = EmbeddingCache(embedder.info.model_sha256, DIMENSION, cache_dir, shared)
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}
        self.embedded = 0
        """Texts this model has embedded (not found in its cache)."""

    def vectors(self, texts: Sequence[str], *, save: bool = True, file: str | None = None
                ) -> np.ndarray:
        """The vectors of `texts` (float16 rows), embedding only those not cached yet.
        `file`: the checksum of the cache file that held exactly `texts`, in order, when a
        snapshot was taken (`EmbeddingCache.checksum_of`): if it still does, its array."""
        if file is not None:
            with self._lock:
                vectors = self.cache.file_vectors(file)
            if vectors is not None and len(vectors) == len(texts):
                return vectors
        keys = [text_key(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(texts[i] for i in self.cache.missing(keys)))
            if missing:
                self._embed_into_cache(missing)
            if save and self.cache.worth_rewriting_for(keys):
                self.cache.save(keep=keys)
            return self.cache.vectors(keys)

    def _embed_into_cache(self, texts: list[str]) -> None:
        started = last = time.monotonic()
        bar = sys.stderr.isatty() and len(texts) > 4 * PROGRESS_CHUNK
        for start in range(0, len(texts), PROGRESS_CHUNK):
            chunk = texts[start : start + PROGRESS_CHUNK]
            self.cache.put(chunk, self.embedder.embed(chunk))
            self.embedded += len(chunk)
            done, now = start + len(chunk), time.monotonic()
            if bar:
                filled = 30 * done // len(texts)
                print(f"\rembedding phrasings [{'#' * filled}{'.' * (30 - filled)}] "
                      f"{done}/{len(texts)}", end="", file=sys.stderr, flush=True)
            elif now - last >= PROGRESS_EVERY_S:
                log.info("embedding phrasings: %d of %d (%.0f a second)",
                         done, len(texts), done / (now - started))
                last = now
        if bar:
            print(file=sys.stderr)
        elapsed = time.monotonic() - started
        if elapsed >= PROGRESS_EVERY_S:
            log.info("embedded %d phrasings in %.1f s", len(texts), elapsed)

    def embed_question(self, text: str) -> np.ndarray:
        """The question's vector; the last few are remembered (an answer and its
        suggestions, `rank` after `match`, ask the same question more than once)."""
        with self._lock:
            vector = self._recent.get(text)
        if vector is None:
            vector = self.embedder.embed_one(text)
            with self._lock:
                self._recent[text] = vector
                while len(self._recent) > RECENT_QUESTIONS:
                    del self._recent[next(iter(self._recent))]
        return vector


_models: dict[Path | None, SemanticModel | None] = {}
_models_lock = threading.Lock()
_embedder: Embedder | None = None
_unavailable: str | None = None
_vectors: dict[bytes, np.ndarray] = {}
"""The process's phrasing vectors, shared by the models of every cache directory."""


def semantic_model(
    cache_dir: Path | None = None, configured: str | None = None
) -> SemanticModel | None:
    """The process's model for `cache_dir` (loaded once; None, logged once, if unusable).
    `configured`: the `CAREERBOT_EMBEDDING_MODEL` setting (a path, or "off")."""
    global _embedder, _unavailable
    with _models_lock:
        if cache_dir in _models:
            return _models[cache_dir]
        if _embedder is None and _unavailable is None:
            try:
                started = time.monotonic()
                path = default_model_path(configured)
                if path is None:
                    raise EmbeddingUnavailable("turned off (CAREERBOT_EMBEDDING_MODEL=off)")
                _embedder = load_embedder(path)
                log.debug("embedding model loaded in %.2f s", time.monotonic() - started)
            except EmbeddingUnavailable as exc:
                _unavailable = str(exc)
                log.warning("semantic matching off, answering with lexical signals only: %s",
                            exc)
        model = (SemanticModel(_embedder, cache_dir, _vectors)
                 if _embedder is not None else None)
        _models[cache_dir] = model
        return model


LEARN = object()
"""`SemanticIndex(density=...)` default: learn the curve on the index's own facts."""
CENTROID_BLOCK = 8192
"""Phrasings converted to float32 at a time when the centroids are summed."""


def _centroids(
    phrasings: np.ndarray, first_phrasing: np.ndarray, block: int = CENTROID_BLOCK
) -> np.ndarray:
    """Each fact's normalised mean phrasing vector (float32). Summed a block of whole facts
    at a time: numpy adds float16 slowly (1 s for 100,000 vectors), and a float32 copy of every
    vector at once would cost 154 MB at 10,000 facts."""
    facts = len(first_phrasing) - 1
    sums = np.zeros((facts, phrasings.shape[1]), dtype=np.float32)
    start = 0
    while start < facts:
        # the facts whose phrasings start within the next block (at least one fact)
        end = max(start + 1, int(np.searchsorted(
            first_phrasing, first_phrasing[start] + block, side="right")) - 1)
        end = min(end, facts)
        rows = slice(int(first_phrasing[start]), int(first_phrasing[end]))
        vectors = phrasings[rows].astype(np.float32)
        present = np.diff(first_phrasing[start : end + 1]) > 0
        if len(vectors):
            offsets = (first_phrasing[start:end] - first_phrasing[start])[present]
            sums[start:end][present] = np.add.reduceat(vectors, offsets, axis=0)
        start = end
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return sums


class SemanticIndex:
    """One knowledge base's vectors: its phrasings' (in the matcher's fact order) and each
    fact's centroid. Immutable once built."""

    def __init__(self, model: SemanticModel, facts: Sequence[Fact], *, save: bool = True,
                 centroids: np.ndarray | None = None, file: str | None = None,
                 density: Density | object | None = LEARN) -> None:
        """`centroids`: those an index of the same phrasings and model summed (a snapshot's),
        instead of summing them again; `file`: as `SemanticModel.vectors`'s (a snapshot's).
        `density`: the curve that lifts a fact with few phrasings (`bot.core.matching.density`;
        default: learned on these facts; a server's layer takes the base's)."""
        self.model = model
        texts = [p for fact in facts for p in fact.phrasings]
        counts = np.fromiter((len(f.phrasings) for f in facts), dtype=np.int64, count=len(facts))
        self.first_phrasing = np.zeros(len(facts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.first_phrasing[1:])
        before = model.embedded
        self.phrasings = model.vectors(texts, save=save, file=file)  # float16 rows
        self.file = model.cache.checksum_of(self.phrasings)
        """The checksum of the cache file whose array the phrasings are, if they are."""
        self.embedded = model.embedded - before
        """Phrasings the model had to embed for this index (the rest came from the cache)."""
        self.centroids = (
            _centroids(self.phrasings, self.first_phrasing) if centroids is None else centroids)
        self.density: Density | None = (
            learn_density(self.phrasings, self.first_phrasing) if density is LEARN
            else density)  # type: ignore[assignment]
        self.lift = (self.density.lift(counts) if self.density is not None
                     else np.zeros(len(facts), dtype=np.float32))
        """Per fact: what its closest phrasing's cosine gains for having few phrasings."""

    def question(self, text: str) -> np.ndarray:
        return self.model.embed_question(text)

    def by_centroid(self, vector: np.ndarray, held_out: int | None = None) -> np.ndarray:
        """Cosine of the question with every fact's centroid; with `held_out` (a phrasing
        row), that fact's centroid is the mean of its other phrasings (0 if it has none)."""
        scores = self.centroids @ vector
        if held_out is not None:
            fact = int(np.searchsorted(self.first_phrasing, held_out, side="right")) - 1
            rows = np.arange(self.first_phrasing[fact], self.first_phrasing[fact + 1])
            rest = self.phrasings[rows[rows != held_out]].astype(np.float32).sum(axis=0)
            norm = float(np.linalg.norm(rest))
            scores[fact] = float(rest @ vector) / norm if norm > 0 else 0.0
        return scores

    def lift_of(self, facts: Sequence[int], held_out: int | None = None) -> np.ndarray:
        """`lift` of each of `facts`; with `held_out` (a phrasing row), its fact's as if it
        had one phrasing fewer."""
        lift = self.lift[np.asarray(facts, dtype=np.int64)]
        if held_out is not None and self.density is not None:
            fact = int(np.searchsorted(self.first_phrasing, held_out, side="right")) - 1
            fewer = self.first_phrasing[fact + 1] - self.first_phrasing[fact] - 1
            lift[np.asarray(facts) == fact] = self.density.lift(np.array([fewer]))[0]
        return lift

    def best_phrasing(
        self, vector: np.ndarray, facts: Sequence[int], held_out: int | None = None
    ) -> np.ndarray:
        """For each of `facts`, the cosine of the question with its closest phrasing (the
        phrasing row `held_out` aside; a fact left with none scores 0)."""
        first = self.first_phrasing
        facts = np.asarray(facts, dtype=np.int64)
        counts = first[facts + 1] - first[facts]
        starts = np.repeat(first[facts] - np.cumsum(counts) + counts, counts)
        rows = starts + np.arange(int(counts.sum()))
        cosines = self.phrasings[rows].astype(np.float32) @ vector
        if held_out is not None:
            cosines[rows == held_out] = -np.inf
        out = np.zeros(len(facts), dtype=np.float32)
        some = counts > 0
        out[some] = np.maximum.reduceat(cosines, (np.cumsum(counts) - counts)[some])
        out[~np.isfinite(out)] = 0.0
        return out
