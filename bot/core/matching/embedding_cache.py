"""Phrasing vectors on disk, so that a restart loads them instead of running the model again.

One file per model (`embeddings-<model sha256, 16 hex>.npz` in the data directory): the texts'
keys (sha256 of the text, 16 bytes), their vectors (float16: a unit vector loses nothing a
cosine needs), the model's hash and a checksum of both arrays. A file that does not open, is
cut short, belongs to another model or fails its checksum is logged once and rebuilt; it is
never trusted and never a crash. Writes go to a temporary file in the same directory that then
replaces the old one (`os.replace`), so two processes starting at once on one data directory
each leave a whole file: the last one wins and both are valid.

The file is read on first use, not when the cache is made: the bot builds its word index first,
then its meaning index, and the file's array arriving after the word index's short-lived arrays
are gone keeps the peak of a start lower (at 10,000 facts the array alone is 77 MB).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

KEY_BYTES = 16
FORMAT = 2
"""2: keys stored as rows of bytes (numpy's fixed-size byte strings drop trailing NULs)."""


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:KEY_BYTES]


def _checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(memoryview(np.ascontiguousarray(keys)).cast("B"))  # no copy of the arrays
    digest.update(memoryview(np.ascontiguousarray(vectors)).cast("B"))
    return digest.hexdigest()


def _owner(array: np.ndarray) -> object:
    """The object that holds the memory of `array` (numpy points a view's base there)."""
    return array if array.base is None else array.base


class EmbeddingCache:
    """Text -> vector for one model, in memory and (with `directory`) on disk."""

    def __init__(
        self, model_sha256: str, dimension: int, directory: Path | None = None,
        shared: dict[bytes, np.ndarray] | None = None,
    ) -> None:
        """`shared`: the in-memory vectors of the process, shared by the caches of every
        data directory (tests and benchmarks run many bots in one process)."""
        self.model_sha256 = model_sha256
        self.dimension = dimension
        self.path = (
            directory / f"embeddings-{model_sha256[:16]}.npz" if directory is not None else None
        )
        self._vectors: dict[bytes, np.ndarray] = {} if shared is None else shared
        self._loaded_from_disk = 0
        self._unread = self.path is not None
        self._on_disk: set[bytes] = set()
        self._block: tuple[list[bytes], np.ndarray] | None = None
        """The keys and vectors of the file as last read or written (read-only): asked for
        those very keys, in that order (a restart on the same knowledge base), `vectors`
        returns this array instead of a copy, so the vectors are in memory once, not twice."""
        self._rejected: str | None = None

    def __len__(self) -> int:
        self._read_once()
        return len(self._vectors)

    @property
    def loaded_from_disk(self) -> int:
        """Vectors read from the file (reading it now if it has not been read yet)."""
        self._read_once()
        return self._loaded_from_disk

    @property
    def rejected(self) -> str | None:
        """Why the file on disk was not used, if it was not (reading it now if need be)."""
        self._read_once()
        return self._rejected

    def _read_once(self) -> None:
        if self._unread:
            self._unread = False
            self._read()

    def _read(self) -> None:
        path = self.path
        assert path is not None
        if not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = data["meta"]
                keys = data["keys"]
                vectors = data["vectors"]
            fmt, model, checksum = (str(x) for x in meta)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            self._reject(f"it can not be read ({type(exc).__name__})")
            return
        if fmt != str(FORMAT) or model != self.model_sha256:
            self._reject("it was written for another model or format")
            return
        if (
            keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != KEY_BYTES
            or vectors.dtype != np.float16 or vectors.shape != (len(keys), self.dimension)
        ):
            self._reject("its arrays have the wrong shape")
            return
        if _checksum(keys, vectors) != checksum:
            self._reject("its checksum does not match (corrupt or truncated)")
            return
        as_bytes = [row.tobytes() for row in keys]
        vectors.flags.writeable = False
        self._vectors.update(zip(as_bytes, vectors, strict=True))
        self._loaded_from_disk = len(keys)
        self._on_disk = set(as_bytes)
        self._block = (as_bytes, vectors)

    def _reject(self, why: str) -> None:
        self._rejected = why
        log.warning("embedding cache %s ignored and rebuilt: %s", self.path, why)

    def missing(self, keys: Sequence[bytes]) -> list[int]:
        """The places in `keys` (see `text_key`) with no vector yet."""
        self._read_once()
        return [i for i, key in enumerate(keys) if key not in self._vectors]

    def on_disk(self, keys: Sequence[bytes]) -> bool:
        """Whether the file on disk holds every key of `keys` (always, without a file)."""
        self._read_once()
        return self.path is None or self._on_disk.issuperset(keys)

    def worth_rewriting_for(self, keys: Sequence[bytes]) -> bool:
        """Whether the file should be written again for a knowledge base of `keys`: it lacks
        some, or it holds them in another order or beside others (an edit reordered or
        dropped texts) and they are most of it. Asked for a file's own keys in its own order,
        `vectors` hands out the file's array; for any other list, a copy: a knowledge base
        that no longer fits its file would hold its vectors twice at every start. A list that
        is a small part of the file (a cut-down knowledge base, an evaluation) leaves it."""
        self._read_once()
        if self.path is None:
            return False
        if not self._on_disk.issuperset(keys):
            return True
        held = len(self._block[0]) if self._block is not None else len(self._on_disk)
        return not self.holds_in_order(keys) and 2 * len(set(keys)) >= held

    def holds_in_order(self, keys: Sequence[bytes]) -> bool:
        """Whether the file holds exactly `keys`, in that order (its array can be shared)."""
        self._read_once()
        return self._block is not None and self._block[0] == list(keys)

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._read_once()
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[text_key(text)] = vector.astype(np.float16)

    def _forget_rows_of(self, replaced: np.ndarray) -> None:
        """Drop the vectors that are still rows of the array the file held before a save
        (texts the knowledge base no longer has): one such row would keep that whole array,
        77 MB at 10,000 facts, alive after every edit."""
        owner = _owner(replaced)
        stale = [key for key, vector in self._vectors.items() if _owner(vector) is owner]
        for key in stale:
            del self._vectors[key]

    def vectors(self, keys: Sequence[bytes]) -> np.ndarray:
        """The vectors of `keys` (all must be present), as float16 rows (read-only when they
        are the file's own array: see `_block`)."""
        if self.holds_in_order(keys):
            assert self._block is not None
            return self._block[1]
        out = np.empty((len(keys), self.dimension), dtype=np.float16)
        for row, key in enumerate(keys):
            out[row] = self._vectors[key]
        return out

    def save(self, keep: Sequence[bytes] | None = None) -> None:
        """Write the cache atomically: with `keep`, the vectors of those keys only, in that
        order, repeats too (a knowledge base's list, so that the next start can share the
        file's array); else
        every vector held. A failure to write (a full disk, a read-only directory) is logged;
        the vectors stay in memory."""
        if self.path is None:
            return
        self._read_once()
        if keep is not None:
            vectors_of = self._vectors
            items = [(k, vectors_of[k]) for k in keep if k in vectors_of]
        else:
            items = list(self._vectors.items())
        keys = np.frombuffer(b"".join(k for k, _ in items), dtype=np.uint8).reshape(
            len(items), KEY_BYTES)
        vectors = (
            np.stack([v for _, v in items]).astype(np.float16)
            if items else np.zeros((0, self.dimension), dtype=np.float16)
        )
        meta = np.array([str(FORMAT), self.model_sha256, _checksum(keys, vectors)])
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".embeddings-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, meta=meta, keys=keys, vectors=vectors)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            tmp = None
            self._on_disk = {k for k, _ in items}
            vectors.flags.writeable = False
            saved = [k for k, _ in items]
            self._vectors.update(zip(saved, vectors, strict=True))  # rows of one array now
            if self._block is not None:
                self._forget_rows_of(self._block[1])
            self._block = (saved, vectors)
        except OSError as exc:
            log.warning("embedding cache not saved to %s: %s", self.path, exc.strerror or exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
