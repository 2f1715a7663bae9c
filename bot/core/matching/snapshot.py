"""A built matcher's indexes on disk, so that a restart on the same knowledge base reads them
instead of building them again.

Building the word index reads every text of the knowledge base (1.8 s at 10,000 facts and
100,000 phrasings, on one core), and the meaning index sums every fact's phrasing vectors into
its centroid (0.4 s more). Both are functions of what `calibration_key` covers: the facts'
texts, the synonyms, the matching code and the model. A snapshot is written beside the
calibration under that key (`index-<key>.npz` in the embedding cache's directory: so only
with the meaning signal on) and read back by the next matcher whose key is the same: a
restart, or another process on the same data directory. A knowledge base of fewer than
`MIN_PHRASINGS` phrasings builds faster than it reads a file, and keeps none.

The file is a plain `.npz` (numpy arrays in a zip, read without pickle): the index's arrays,
its texts as UTF-8 with their lengths, the words the analyzer knows, and the meaning index's
centroids. The zip's checksums catch a damaged file; a file cut short, written for another key
or format, or whose parts do not fit the knowledge base is logged and the matcher built as
if there were none (and written again): never trusted, never a crash. Writes go to a temporary
file that replaces the old one, so two processes starting at once each leave a whole file.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.matching.index import Index
from bot.core.whole_files import keep_newest, replace_whole

log = logging.getLogger(__name__)

FORMAT = 1
MIN_PHRASINGS = 20_000
"""Knowledge bases with fewer phrasings build their indexes in about the time reading them back
would take (the shipped one, ~1,000 phrasings: 40 ms), and keep no snapshot."""
KEEP_ON_DISK = 2
"""Snapshots kept in the directory (the most recently written): the knowledge base before and
after the last edit. One is ~60 MB at 100,000 phrasings."""
_TEXTS = ("phrasing_text", "terms", "known_words")


@dataclass(frozen=True, slots=True)
class Snapshot:
    index: Index
    known_words: list[str]
    """The words the analyzer knows (typos are corrected towards them)."""
    centroids: np.ndarray
    """The meaning index's centroid of each fact (float32 rows)."""
    vectors_file: str | None = None
    """The checksum of the embedding cache's file, if its array was the phrasings' vectors
    (then a start that finds the same file uses its array without hashing every text)."""


def _encoded(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    joined = "".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8), lengths


def _decoded(blob: np.ndarray, lengths: np.ndarray) -> list[str]:
    joined = blob.tobytes().decode("utf-8", "surrogatepass")
    if np.any(lengths < 0) or int(lengths.sum()) != len(joined):
        raise ValueError("its texts are cut short")
    ends = np.cumsum(lengths).tolist()
    return list(map(joined.__getitem__, map(slice, [0, *ends[:-1]], ends)))


class SnapshotStore:
    """Snapshots in one directory, by key (see the module's docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / f"index-{key[:32]}.npz"

    def get(self, key: str, n_facts: int, n_phrasings: int, dimension: int) -> Snapshot | None:
        """The snapshot kept under `key`, for a knowledge base of `n_facts` facts and
        `n_phrasings` phrasings, with centroids of `dimension`."""
        path = self._path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes().decode("utf-8"))
                if meta.get("format") != FORMAT or meta.get("key") != key:
                    raise ValueError("written for another knowledge base or version")
                vectors_file = meta.get("vectors_file")
                if vectors_file is not None and not isinstance(vectors_file, str):
                    raise ValueError("its vectors' file is not named by a checksum")
                texts = {name: _decoded(data[f"{name}_blob"], data[f"{name}_lengths"])
                         for name in _TEXTS}
                arrays = {name: data[name] for name in data.files
                          if name != "meta" and not name.endswith(("_blob", "_lengths"))}
            centroids = arrays.pop("meaning_centroids")
            if centroids.shape != (n_facts, dimension):
                raise ValueError("its centroids do not fit the model")
            index = Index.restored(arrays, texts, n_facts, n_phrasings)
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("index snapshot %s ignored and built anew: %s", path, exc)
            return None
        centroids = centroids.astype(np.float32, copy=False)
        centroids.flags.writeable = False
        return Snapshot(index, texts["known_words"], centroids, vectors_file)

    def put(self, key: str, snapshot: Snapshot) -> None:
        """Write it (a full disk or a read-only directory: logged; the next start builds)."""
        path = self._path(key)
        arrays, texts = snapshot.index.state()
        texts = {**texts, "known_words": snapshot.known_words}
        named: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps({"format": FORMAT, "key": key,
                                              "vectors_file": snapshot.vectors_file}).encode(),
                                  dtype=np.uint8),
            **arrays,
        }
        for name in _TEXTS:
            named[f"{name}_blob"], named[f"{name}_lengths"] = _encoded(texts[name])
        named["meaning_centroids"] = snapshot.centroids
        try:
            replace_whole(path, lambda handle: np.savez(handle, **named))  # type: ignore[arg-type]
            keep_newest(self.directory, "index-*.npz", KEEP_ON_DISK)
        except OSError as exc:
            log.warning("index snapshot not saved to %s: %s", path, exc.strerror or exc)
