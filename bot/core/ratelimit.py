"""Per-person cooldown on questions (no Discord): at most `rate` questions per `per` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

MAX_TRACKED = 10_000
"""Beyond this many people tracked, expired entries are dropped (bounded memory)."""


class Cooldown:
    def __init__(self, rate: int, per: float, *, clock: Callable[[], float] = time.monotonic):
        if rate < 1 or per <= 0:
            raise ValueError("rate must be >= 1 and per > 0")
        self.rate = rate
        self.per = per
        self._clock = clock
        self._windows: dict[Hashable, tuple[float, int]] = {}

    def hit(self, key: Hashable) -> float:
        """Count one question for `key`; return 0 if allowed, else the seconds left to wait."""
        now = self._clock()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.per:
            start, used = now, 0
        if used >= self.rate:
            return self.per - (now - start)
        self._windows[key] = (start, used + 1)
        if len(self._windows) > MAX_TRACKED:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        expired = [k for k, (start, _) in self._windows.items() if now - start >= self.per]
        for key in expired:
            del self._windows[key]
