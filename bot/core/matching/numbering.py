"""Numbering equal keys by first sight, in linear time, with numpy.

Building the index numbers millions of things that repeat: the words of every text (keyed by
their bytes) and the features of every phrasing (keyed by their stem ids). A Python dict does
it one key per call; sorting does it in n log n. This is an open-addressing hash table whose
probes run for all keys at once: a few rounds of vectorised steps, so that the cost per key is
that of a few numpy operations rather than of a Python call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
"""Odd 64-bit constants (golden ratio and xxHash primes) that spread keys over the table."""
_FIRST_SIZE = 1 << 14


def first_seen(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number equal keys by first sight; key i is `(columns[0][i], columns[1][i], ...)`.

    Returns (ids, firsts): `ids[i]` is the number of key i (0 for the first key, then each
    new key the next number) and `firsts[j]` the position of key j's first occurrence."""
    keys = [np.ascontiguousarray(c).astype(np.uint64, copy=False) for c in columns]
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        mixed = np.zeros(n, dtype=np.uint64)
        for k, column in enumerate(keys):
            mixed ^= column * np.uint64(_MULTIPLIERS[k % len(_MULTIPLIERS)])
            mixed ^= mixed >> np.uint64(29)
    size = min(_FIRST_SIZE, 1 << (2 * n - 1).bit_length())
    while (slot_of := _slots(keys, mixed, size)) is None:
        size *= 4  # more distinct keys than the table holds at half load: a bigger one
    first = np.full(size, n, dtype=np.int64)
    np.minimum.at(first, slot_of, np.arange(n))
    taken = np.flatnonzero(first < n)
    by_sight = taken[np.argsort(first[taken], kind="stable")]
    number = np.empty(size, dtype=np.int32)
    number[by_sight] = np.arange(len(by_sight), dtype=np.int32)
    return number[slot_of], first[by_sight]


def _slots(keys: Sequence[np.ndarray], mixed: np.ndarray, size: int) -> np.ndarray | None:
    """The slot of each key in a table of `size` slots (linear probing), or None if the keys
    would fill more than half of it."""
    table = [np.zeros(size, dtype=np.uint64) for _ in keys]
    used = np.zeros(size, dtype=bool)
    n_used = 0
    slot_of = np.empty(len(mixed), dtype=np.int64)
    pending = np.arange(len(mixed))
    slots = (mixed & np.uint64(size - 1)).astype(np.int64)
    while len(pending):
        # Claim the free slots (when several keys claim one, one of them gets it), then keep
        # the keys whose slot holds them; the others try the next slot. Equal keys always
        # stand on the same slot, so each key ends on exactly one slot, its own.
        claims = slots[~used[slots]]
        if len(claims):
            claimed = pending[~used[slots]]
            for column, key in zip(table, keys, strict=True):
                column[claims] = key[claimed]
            used[claims] = True
            n_used = int(used.sum())
            if 2 * n_used > size:
                return None
        home = np.ones(len(pending), dtype=bool)
        for column, key in zip(table, keys, strict=True):
            home &= column[slots] == key[pending]
        slot_of[pending[home]] = slots[home]
        pending = pending[~home]
        slots = (slots[~home] + 1) & (size - 1)
    return slot_of
