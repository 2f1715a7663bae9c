"""Timing and memory helpers of the speed bench."""

from __future__ import annotations

import gc
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Latency:
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float


def percentile(sorted_ns: Sequence[int], share: float) -> float:
    """Nearest-rank percentile of sorted nanoseconds, in milliseconds."""
    if not sorted_ns:
        return 0.0
    rank = max(1, -(-len(sorted_ns) * share // 1))  # ceil
    return sorted_ns[int(rank) - 1] / 1e6


def measure(fn: Callable[[str], object], inputs: Sequence[str], warmup: Sequence[str]) -> Latency:
    """Per-call latency of ``fn`` over ``inputs``, after running it over ``warmup``."""
    for text in warmup:
        fn(text)
    gc.collect()
    times = []
    clock = time.perf_counter_ns
    for text in inputs:
        start = clock()
        fn(text)
        times.append(clock() - start)
    times.sort()
    total = sum(times)
    return Latency(
        count=len(times),
        p50_ms=percentile(times, 0.50),
        p99_ms=percentile(times, 0.99),
        max_ms=times[-1] / 1e6 if times else 0.0,
        per_second=len(times) / (total / 1e9) if total else float("inf"),
    )


def rss_now_mb() -> float:
    """Current resident memory from /proc/self/statm (0 where there is no /proc)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one_core() -> tuple[str, Callable[[], None]]:
    """Pin this process to one CPU (the targets are for one core); returns how to undo it."""
    if not hasattr(os, "sched_setaffinity"):
        return "unpinned", lambda: None
    before = os.sched_getaffinity(0)
    core = min(before)
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core}", lambda: os.sched_setaffinity(0, before)
