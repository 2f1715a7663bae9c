"""The change history: who changed which fact, when, before and after, in the bot's SQLite.

Its own table `changes` in the bot's database file (WAL mode). A connection is opened per
operation, so the history is safe to use from any thread and from several processes. Every
failure (locked, read-only, disk full) is raised as HistoryUnavailable.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bot.core.editing.errors import ChangeNotFound, HistoryUnavailable
from bot.core.editing.records import Action, Change
from bot.core.storage.database import describe_failure

SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    fact_id TEXT,
    topic_id TEXT,
    before TEXT,
    after TEXT,
    summary TEXT NOT NULL,
    reverts INTEGER,
    position INTEGER,
    token TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS changes_fact_id ON changes (fact_id, id);
"""
_COLUMNS = "id, at, actor, action, fact_id, topic_id, before, after, summary, reverts, position"



def _dumps(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=False)


def _row_to_change(row: tuple) -> Change:
    id_, at, actor, action, fact_id, topic_id, before, after, summary, reverts, position = row
    return Change(
        id=id_, at=at, actor=actor, action=action, fact_id=fact_id, topic_id=topic_id,
        before=json.loads(before) if before else None,
        after=json.loads(after) if after else None,
        summary=summary, reverts=reverts, position=position,
    )


class HistoryTransaction:
    """An open write transaction (BEGIN IMMEDIATE): record, then commit or roll back."""

    def __init__(self, conn: sqlite3.Connection, where: str) -> None:
        self._conn = conn
        self._where = where

    def record(
        self,
        *,
        actor: str,
        action: Action,
        fact_id: str | None,
        topic_id: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        summary: str,
        token: str,
        reverts: int | None = None,
        position: int | None = None,
    ) -> Change:
        at = time.time()
        try:
            cursor = self._conn.execute(
                "INSERT INTO changes (at, actor, action, fact_id, topic_id, before, after,"
                " summary, reverts, position, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, fact_id, topic_id, _dumps(before), _dumps(after), summary,
                 reverts, position, token),
            )
        except sqlite3.Error as exc:
            raise HistoryUnavailable(self._where, describe_failure(exc)) from exc
        return Change(int(cursor.lastrowid or 0), at, actor, action, fact_id, topic_id, before,
                      after, summary, reverts, position)

    def commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.rollback()
            raise HistoryUnavailable(self._where, describe_failure(exc)) from exc
        finally:
            self._conn.close()

    def rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # closing the connection rolls back anyway
        finally:
            self._conn.close()


class ChangeHistory:
    """The `changes` table of one SQLite database file."""

    shared = False
    """The knowledge files live on disk alone (see `bot.core.editing.postgres` for the other
    case)."""

    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._ready = False
        self._ready_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            raise HistoryUnavailable(str(self.path), describe_failure(exc)) from exc
        try:
            with self._ready_lock:
                if not self._ready:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(SCHEMA)
                    self._ready = True
        except sqlite3.Error as exc:
            conn.close()
            raise HistoryUnavailable(str(self.path), describe_failure(exc)) from exc
        return conn

    def begin(self) -> HistoryTransaction:
        """Start a write transaction now, so a locked or read-only database refuses early."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            conn.close()
            raise HistoryUnavailable(str(self.path), describe_failure(exc)) from exc
        return HistoryTransaction(conn, str(self.path))

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise HistoryUnavailable(str(self.path), describe_failure(exc)) from exc
        finally:
            conn.close()

    def list(self, fact_id: str | None = None, limit: int = 20) -> builtins.list[Change]:
        """The latest changes, newest first; only those of one fact when `fact_id` is given."""
        limit = max(1, min(int(limit), 1000))
        if fact_id is None:
            rows = self._query(f"SELECT {_COLUMNS} FROM changes ORDER BY id DESC LIMIT ?",
                               (limit,))
        else:
            rows = self._query(
                f"SELECT {_COLUMNS} FROM changes WHERE fact_id = ? ORDER BY id DESC LIMIT ?",
                (fact_id, limit),
            )
        return [_row_to_change(row) for row in rows]

    def get(self, change_id: int) -> Change:
        rows = self._query(f"SELECT {_COLUMNS} FROM changes WHERE id = ?", (int(change_id),))
        if not rows:
            raise ChangeNotFound(change_id)
        return _row_to_change(rows[0])

    def reverted_by(self, change_id: int) -> int | None:
        """The latest change that reverted `change_id`, if any."""
        rows = self._query("SELECT MAX(id) FROM changes WHERE reverts = ?", (int(change_id),))
        return rows[0][0] if rows else None

    def has_token(self, token: str) -> bool:
        """Whether the change written under `token` was committed (for crash recovery)."""
        return bool(self._query("SELECT 1 FROM changes WHERE token = ?", (token,)))
