"""Following the knowledge bases in PostgreSQL: every process hears of every other's edits.

A background thread LISTENs on the channel each edit NOTIFYs (`bot.core.editing.postgres`),
so another process's edit is known within milliseconds of its commit, and every `recheck`
seconds (and at each reconnection) compares the versions of every knowledge base with those
it has seen, so a notification missed while the connection was down heals by itself.
`on_change(scope, version)` runs on the thread; if it raises, the version counts as unseen
and the next re-check tries again. A database that goes away is logged once, retried every
`retry` seconds, and its return logged: no restart needed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.core.background import BackgroundThread
from bot.core.editing.postgres import CHANNEL
from bot.core.storage.backends import redacted

log = logging.getLogger(__name__)

APPLICATION_NAME = "careerbot-follower"
"""How the listening connection shows in `pg_stat_activity`."""


class KnowledgeFollower(BackgroundThread):
    thread_name = "careerbot-kb-follow"

    def __init__(
        self,
        url: str,
        on_change: Callable[[str, int], None],
        *,
        recheck: float = 10.0,
        retry: float = 1.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.url = url
        self.on_change = on_change
        self.recheck = recheck
        self.retry = retry
        self.connect_timeout = connect_timeout
        self.seen: dict[str, int] = {}
        """The version of each knowledge base (scope) this process has caught up with."""
        self.connected = threading.Event()
        self._failing = False
        super().__init__()

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            conn = None
            try:
                conn = psycopg.connect(self.url, autocommit=True,
                                       connect_timeout=max(1, int(self.connect_timeout)),
                                       application_name=APPLICATION_NAME)
                conn.execute(f"LISTEN {CHANNEL}")
                self.recheck_now(conn)  # whatever happened while this thread was not listening
                self.connected.set()
                if self._failing:
                    log.info("following knowledge edits in the database again")
                    self._failing = False
                self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                if not self._failing:
                    log.warning("cannot follow knowledge edits in the database %s (%s): "
                                "answering from this process's copy, retrying every %.0f s",
                                redacted(self.url), exc, self.retry)
                    self._failing = True
                self._stop.wait(self.retry)
            except Exception:  # never let a bug end the following for good
                log.exception("the knowledge follower failed; restarting it")
                self._stop.wait(self.retry)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()

    def _listen(self, conn: Any) -> None:
        checked = time.monotonic()
        while not self._stop.is_set():
            for note in conn.notifies(timeout=0.5):
                scope, _, version = note.payload.rpartition(" ")
                if scope and version.isdigit():
                    self._heard(scope, int(version))
            if time.monotonic() - checked >= self.recheck:
                self.recheck_now(conn)
                checked = time.monotonic()

    def recheck_now(self, conn: Any) -> None:
        """Compare every knowledge base's version with the one seen (`conn`: autocommit)."""
        rows = conn.execute("SELECT scope, version FROM knowledge_versions").fetchall()
        for scope, version in rows:
            self._heard(scope, int(version))

    def _heard(self, scope: str, version: int) -> None:
        if version <= self.seen.get(scope, 0):
            return
        try:
            self.on_change(scope, version)
        except Exception:
            log.exception("could not take the change to %s (version %d); retried at the "
                          "next re-check", scope, version)
            return
        self.seen[scope] = version
