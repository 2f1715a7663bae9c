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

The vectors read from the file stay rows of its array, found by their keys through a sorted
array of the keys' first 8 bytes (`FileBlock`), not through a Python object per text: at
100,000 texts a dict of row views and a set of keys cost ~26 MB more, for as long as the bot
runs. The process's shared table (`shared`) holds only the vectors embedded in this process.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.whole_files import replace_whole

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


def key_rows(keys: Sequence[bytes]) -> np.ndarray:
    """`keys` as the rows of one uint8 array (KEY_BYTES columns)."""
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)


def _prefixes(rows: np.ndarray) -> np.ndarray:
    """Each key's first 8 bytes as one integer (sortable, searchable)."""
    return np.ascontiguousarray(rows[:, :8]).view("<u8").ravel()


class FileBlock:
    """The keys and vectors of the file as last read or written (read-only), with a sorted
    index of the keys: `rows` finds many keys with one `np.searchsorted` on their first 8
    bytes (keys sharing those, one chance in ~10^10 at 100,000 texts, are told apart one by
    one by the full key)."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        vectors.flags.writeable = False
        self.keys, self.vectors = keys, vectors
        prefixes = _prefixes(keys)
        self._order = np.argsort(prefixes, kind="stable")
        self._sorted = prefixes[self._order]

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self, wanted: np.ndarray) -> np.ndarray:
        """The row of each key of `wanted` (rows of bytes; the first row of a key the file
        holds twice), -1 where the file has none."""
        prefixes = _prefixes(wanted)
        first = np.searchsorted(self._sorted, prefixes, side="left")
        run = np.searchsorted(self._sorted, prefixes, side="right") - first
        rows = np.full(len(wanted), -1, dtype=np.int64)
        one = np.flatnonzero(run == 1)
        candidates = self._order[first[one]]
        same = (self.keys[candidates] == wanted[one]).all(axis=1)
        rows[one[same]] = candidates[same]
        for place in np.flatnonzero(run > 1).tolist():  # a shared prefix: key by key
            same = np.sort(self._order[first[place] : first[place] + run[place]])
            match = same[(self.keys[same] == wanted[place]).all(axis=1)]
            if len(match):
                rows[place] = match[0]
        return rows

    def is_exactly(self, wanted: np.ndarray) -> bool:
        """Whether the file holds exactly these keys, in this order."""
        return wanted.shape == self.keys.shape and bool(np.array_equal(wanted, self.keys))


class EmbeddingCache:
    """Text -> vector for one model, in memory and (with `directory`) on disk."""

    def __init__(
        self, model_sha256: str, dimension: int, directory: Path | None = None,
        shared: dict[bytes, np.ndarray] | None = None,
    ) -> None:
        """`shared`: the vectors embedded in this process, shared by the caches of every
        data directory (tests and benchmarks run many bots in one process)."""
        self.model_sha256 = model_sha256
        self.dimension = dimension
        self.path = (
            directory / f"embeddings-{model_sha256[:16]}.npz" if directory is not None else None
        )
        self._vectors: dict[bytes, np.ndarray] = {} if shared is None else shared
        self._loaded_from_disk = 0
        self._unread = self.path is not None
        self._file = FileBlock(np.zeros((0, KEY_BYTES), np.uint8),
                               np.zeros((0, dimension), np.float16))
        """The file's keys and vectors: asked for those very keys, in that order (a restart
        on the same knowledge base), `vectors` returns its array instead of a copy, so the
        vectors are in memory once, not twice."""
        self._rejected: str | None = None
        self._checksum: str | None = None
        """The file's checksum (of its keys and vectors), once it is read or written."""

    def __len__(self) -> int:
        """Vectors held (the file's and those embedded since)."""
        self._read_once()
        extra = list(self._vectors)
        if not extra:
            return len(self._file)
        return len(self._file) + int((self._file.rows(key_rows(extra)) < 0).sum())

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
        self._file = FileBlock(keys, vectors)
        self._checksum = checksum
        self._loaded_from_disk = len(keys)

    def _reject(self, why: str) -> None:
        self._rejected = why
        log.warning("embedding cache %s ignored and rebuilt: %s", self.path, why)

    def missing(self, keys: Sequence[bytes]) -> list[int]:
        """The places in `keys` (see `text_key`) with no vector yet."""
        self._read_once()
        wanted = key_rows(keys)
        if self._file.is_exactly(wanted):
            return []  # a restart on the same knowledge base: one comparison, no lookup
        rows = self._file.rows(wanted).tolist()
        shared = self._vectors
        return [i for i, (key, row) in enumerate(zip(keys, rows, strict=True))
                if row < 0 and key not in shared]

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
        wanted = key_rows(keys)
        if self._file.is_exactly(wanted):
            return False  # a restart on the same knowledge base: one comparison, no lookup
        if (self._file.rows(wanted) < 0).any():
            return True
        return 2 * len(set(keys)) >= len(self._file)

    def checksum_of(self, vectors: np.ndarray) -> str | None:
        """The file's checksum if `vectors` is the file's own array (`vectors` gave it)."""
        return self._checksum if vectors is self._file.vectors else None

    def file_vectors(self, checksum: str) -> np.ndarray | None:
        """The file's array, if the file is the one of that checksum (`checksum_of`): who
        recorded it then knows which texts its rows are, without hashing them again."""
        self._read_once()
        return self._file.vectors if checksum == self._checksum else None

    def holds_in_order(self, keys: Sequence[bytes]) -> bool:
        """Whether the file holds exactly `keys`, in that order (its array can be shared)."""
        self._read_once()
        return self._file.is_exactly(key_rows(keys))

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self._read_once()
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[text_key(text)] = vector.astype(np.float16)

    def _forget_rows_of(self, replaced: np.ndarray) -> None:
        """Drop the shared vectors that are still rows of the array the file held before a
        save (texts the knowledge base no longer has): one such row would keep that whole
        array, 77 MB at 10,000 facts, alive after every edit."""
        owner = _owner(replaced)
        stale = [key for key, vector in self._vectors.items() if _owner(vector) is owner]
        for key in stale:
            del self._vectors[key]

    def vectors(self, keys: Sequence[bytes]) -> np.ndarray:
        """The vectors of `keys` (all must be present), as float16 rows (read-only when they
        are the file's own array: see `_file`)."""
        self._read_once()
        wanted = key_rows(keys)
        if self._file.is_exactly(wanted):
            return self._file.vectors
        rows = self._file.rows(wanted)
        out = np.empty((len(keys), self.dimension), dtype=np.float16)
        in_file = rows >= 0
        out[in_file] = self._file.vectors[rows[in_file]]
        for place in np.flatnonzero(~in_file).tolist():
            out[place] = self._vectors[keys[place]]
        return out

    def save(self, keep: Sequence[bytes] | None = None) -> None:
        """Write the cache atomically: with `keep`, the vectors of those keys only, in that
        order, repeats too (a knowledge base's list, so that the next start can share the
        file's array); else every vector held. A failure to write (a full disk, a read-only
        directory) is logged; the vectors stay in memory."""
        if self.path is None:
            return
        self._read_once()
        if keep is None:
            own = list(self._vectors)
            new = [k for k, row in zip(own, self._file.rows(key_rows(own)).tolist(),
                                       strict=True) if row < 0] if own else []
            listed = [bytes(k) for k in self._file.keys] + new
        else:
            listed = list(keep)
        absent = set(self.missing(listed))
        present = [key for i, key in enumerate(listed) if i not in absent]
        keys = key_rows(present) if present else np.zeros((0, KEY_BYTES), dtype=np.uint8)
        vectors = (self.vectors(present) if present
                   else np.zeros((0, self.dimension), dtype=np.float16))
        checksum = _checksum(keys, vectors)
        meta = np.array([str(FORMAT), self.model_sha256, checksum])
        try:
            replace_whole(self.path, lambda handle: np.savez(handle, meta=meta, keys=keys,
                                                             vectors=vectors))
            replaced = self._file.vectors
            self._file = FileBlock(keys, vectors)
            self._checksum = checksum
            shared = self._vectors
            # the shared vectors this file now holds: rows of its array (held once)
            for row, key in enumerate(present):
                if key in shared:
                    shared[key] = vectors[row]
            if replaced is not vectors:
                self._forget_rows_of(replaced)
        except OSError as exc:
            log.warning("embedding cache not saved to %s: %s", self.path, exc.strerror or exc)
