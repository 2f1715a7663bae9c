"""Cooldowns counted in the database, for when several processes share it (PostgreSQL): a
person asking in several servers reaches several shards, and each must see all their
questions. The person is named by the keyed hash votes use, never by their id."""

from __future__ import annotations

import time

from bot.core.storage.backends import Connection
from bot.core.storage.database import Database

PRUNE_EVERY = 1000
"""Hits between two sweeps of windows long over."""
KEEP_SECONDS = 86_400 * 2


class SharedCooldowns:
    """At most `rate` questions per `per` seconds per person, across every process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._hits = 0

    async def hit(self, user_id: int, rate: int, per: float) -> float:
        """Count one question; 0 if allowed, else the seconds left to wait. One statement:
        two processes counting the same person at once never both get the last slot."""
        now = time.time()
        self._hits += 1
        prune = self._hits % PRUNE_EVERY == 0

        def count(conn: Connection) -> float:
            key = f"{rate}/{per:g}:{self.database.voter_id(user_id)}"
            start, used = conn.execute(
                "INSERT INTO cooldowns (key, window_start, used) VALUES (?, ?, 1)"
                " ON CONFLICT (key) DO UPDATE SET"
                " used = CASE WHEN ? - cooldowns.window_start >= ? THEN 1"
                "        ELSE cooldowns.used + 1 END,"
                " window_start = CASE WHEN ? - cooldowns.window_start >= ? THEN ?"
                "        ELSE cooldowns.window_start END"
                " RETURNING window_start, used",
                (key, now, now, per, now, per, now),
            ).fetchone()
            if prune:
                conn.execute("DELETE FROM cooldowns WHERE window_start < ?",
                             (now - KEEP_SECONDS,))
            conn.commit()
            return 0.0 if used <= rate else max(0.0, per - (now - start))

        return await self.database.run(count)
