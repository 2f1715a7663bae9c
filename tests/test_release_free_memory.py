"""`release_free_memory`: what a build freed goes back to the system, not kept by the heap."""

from __future__ import annotations

import gc

import pytest

from bot.core.memory import release_free_memory
from bot.devtools.bench.timing import rss_now_mb


def test_memory_freed_between_live_objects_goes_back_to_the_system():
    if not release_free_memory():
        pytest.skip("this C library has no malloc_trim")
    # 8,000 blocks of 16 kB in the heap, one in eight kept: the freed ones are holes between
    # live blocks, which the heap keeps (it returns only a free top) until trimmed
    blocks = [bytes(16_000) + bytes([i % 256]) for i in range(8000)]
    kept = blocks[::8]
    del blocks
    gc.collect()
    before = rss_now_mb()
    assert release_free_memory()
    assert before - rss_now_mb() > 60  # of the ~112 MB freed
    assert len(kept) == 1000
