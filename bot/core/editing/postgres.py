"""A knowledge base kept in PostgreSQL: its files, its version and its change history.

With `CAREERBOT_DATABASE_URL` the database is the source of truth of every knowledge base (the
shared one, scope "shared", and each server's layer, scope "server:<id>"); each process keeps
a working copy of the files in its own knowledge folder and answers from that. An edit:

1. `begin()`: one transaction that takes the scope's advisory lock (editors on every machine
   take turns) and reads the scope's files and version as they are now;
2. the store brings its working copy up to those files, then builds and validates the edit;
3. `record()` the change, `put_files()` the files it writes (the version goes up by one and a
   NOTIFY on `CHANNEL` names the scope and the new version), then the working copy is written;
4. `commit()`: from here the edit is acknowledged, and every process can read it.

`ChangeHistory`'s interface otherwise (list, get, reverted_by, has_token), for one scope. Every
failure of the database is raised as HistoryUnavailable (the edit is refused, nothing saved),
a wait for another editor longer than the lock timeout as KnowledgeBusy.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import threading
import time
from typing import Any

from bot.core.editing.errors import ChangeNotFound, HistoryUnavailable, KnowledgeBusy
from bot.core.editing.history import _COLUMNS, _dumps, _row_to_change
from bot.core.editing.records import Action, Change
from bot.core.storage.backends import PostgresBackend, redacted

log = logging.getLogger(__name__)

CHANNEL = "careerbot_knowledge"
"""The NOTIFY channel; each payload is "<scope> <version>"."""
SHARED_SCOPE = "shared"
LOCK_CLASS = 7_245_118
"""The first key of the scopes' advisory locks (the second is the scope's hash)."""


SHOWN = "the knowledge database"
"""How a refusal names the database: moderators see it, and the URL, host and error text are
the operator's business (logged, the password masked)."""


def unavailable(where: str, exc: BaseException) -> HistoryUnavailable:
    """The refusal of an edit the database could not take; the cause goes to the log."""
    log.warning("knowledge database %s: %s", where, exc)
    return HistoryUnavailable(SHOWN, "it did not answer; the bot's log says why. Try again in "
                                     "a moment")


def layer_scope(guild_id: int) -> str:
    return f"server:{int(guild_id)}"


def guild_of(scope: str) -> int | None:
    """The server of a layer's scope; None for the shared scope (or anything else)."""
    head, _, tail = scope.partition(":")
    return int(tail) if head == "server" and tail.isdigit() else None


class PostgresTransaction:
    """An edit's transaction on one scope, holding the scope's lock (see the module)."""

    def __init__(self, conn: Any, scope: str, where: str, errors: tuple) -> None:
        self._conn = conn
        self.scope = scope
        self._where = where
        self._errors = errors
        self._open = True
        row = self._run("SELECT version FROM knowledge_versions WHERE scope = %s", (scope,))
        self.version: int = int(row[0][0]) if row else 0
        """The scope's version when the lock was taken (0: the database has no files)."""

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            cursor = self._conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        except self._errors as exc:
            self.rollback()
            raise unavailable(self._where, exc) from exc

    def files(self) -> dict[str, bytes]:
        """The scope's knowledge files (relative name -> bytes) as the database has them."""
        rows = self._run("SELECT name, content FROM knowledge_files WHERE scope = %s",
                         (self.scope,))
        return {name: bytes(content) for name, content in rows}

    def record(
        self, *, actor: str, action: Action, fact_id: str | None, topic_id: str | None,
        before: dict[str, Any] | None, after: dict[str, Any] | None, summary: str, token: str,
        reverts: int | None = None, position: int | None = None,
    ) -> Change:
        at = time.time()
        rows = self._run(
            "INSERT INTO knowledge_changes (scope, at, actor, action, fact_id, topic_id, before,"
            " after, summary, reverts, position, token) VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s) RETURNING id",
            (self.scope, at, actor, action, fact_id, topic_id, _dumps(before), _dumps(after),
             summary, reverts, position, token),
        )
        return Change(int(rows[0][0]), at, actor, action, fact_id, topic_id, before, after,
                      summary, reverts, position)

    def put_files(self, files: dict[str, bytes | None]) -> int:
        """Store the files an edit writes (None: deleted); the scope's new version."""
        for name, data in files.items():
            if data is None:
                self._run("DELETE FROM knowledge_files WHERE scope = %s AND name = %s",
                          (self.scope, name))
            else:
                self._run(
                    "INSERT INTO knowledge_files (scope, name, content) VALUES (%s, %s, %s)"
                    " ON CONFLICT (scope, name) DO UPDATE SET content = EXCLUDED.content",
                    (self.scope, name, data),
                )
        self.version += 1
        self._run(
            "INSERT INTO knowledge_versions (scope, version) VALUES (%s, %s)"
            " ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version",
            (self.scope, self.version),
        )
        self._run("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.scope} {self.version}"))
        return self.version

    def commit(self) -> None:
        if not self._open:
            raise HistoryUnavailable(SHOWN, "the transaction was already closed")
        try:
            self._conn.commit()
        except self._errors as exc:
            raise unavailable(self._where, exc) from exc
        finally:
            self._close()

    def rollback(self) -> None:
        """Undo and close (nothing, after a commit)."""
        if not self._open:
            return
        try:
            self._conn.rollback()
        except self._errors:
            pass  # closing the connection rolls back anyway
        finally:
            self._close()

    def _close(self) -> None:
        self._open = False
        with contextlib.suppress(self._errors):
            self._conn.close()


class PostgresHistory:
    """One scope's files, version and change history in PostgreSQL (see the module)."""

    shared = True
    """The store keeps its files here (in a transaction opened before it reads them)."""

    def __init__(self, url: str, scope: str = SHARED_SCOPE, *, lock_timeout: float = 30.0,
                 connect_timeout: float = 3.0) -> None:
        self.backend = PostgresBackend(url, connect_timeout=connect_timeout)
        self.scope = scope
        self.lock_timeout = lock_timeout
        self.where = f"{redacted(url)} ({scope})"
        self._errors = self.backend.errors
        self._migrated = False
        self._migrating = threading.Lock()

    def for_scope(self, scope: str) -> PostgresHistory:
        """The same database, another knowledge base (a server's layer)."""
        other = PostgresHistory(self.backend.url, scope, lock_timeout=self.lock_timeout,
                                connect_timeout=self.backend.connect_timeout)
        other._migrated = self._migrated
        return other

    def _connect(self) -> Any:
        try:
            with self._migrating:
                if not self._migrated:
                    self.backend.connect().close()  # brings the schema up to date
                    self._migrated = True
            return self.backend._psycopg.connect(
                self.backend.url, connect_timeout=max(1, int(self.backend.connect_timeout)))
        except self._errors as exc:
            raise unavailable(self.where, exc) from exc

    def begin(self) -> PostgresTransaction:
        """Open an edit's transaction: waits (up to the lock timeout) for the scope's lock."""
        conn = self._connect()
        try:
            conn.execute(f"SET LOCAL lock_timeout = {int(self.lock_timeout * 1000)}")
            conn.execute("SELECT pg_advisory_xact_lock(%s::integer, hashtext(%s))",
                         (LOCK_CLASS, self.scope))
        except self._errors as exc:
            conn.close()
            if getattr(exc, "sqlstate", None) == "55P03":  # lock_not_available
                raise KnowledgeBusy(
                    f"another edit has held this knowledge base for over "
                    f"{self.lock_timeout:.0f} s; try again later") from exc
            raise unavailable(self.where, exc) from exc
        return PostgresTransaction(conn, self.scope, self.where, self._errors)

    def version(self) -> int:
        """The scope's version now (0 when the database has none of its files)."""
        rows = self._query("SELECT version FROM knowledge_versions WHERE scope = %s",
                           (self.scope,))
        return int(rows[0][0]) if rows else 0

    def files(self) -> tuple[int, dict[str, bytes]]:
        """The scope's version and files as committed now (one statement: one snapshot)."""
        rows = self._query(
            "SELECT v.version, f.name, f.content FROM knowledge_versions v LEFT JOIN"
            " knowledge_files f ON f.scope = v.scope WHERE v.scope = %s", (self.scope,))
        if not rows:
            return 0, {}
        return int(rows[0][0]), {name: bytes(data) for _, name, data in rows if name is not None}

    def layer_guilds(self) -> set[int]:
        """The servers whose layer the database holds."""
        rows = self._query("SELECT scope FROM knowledge_versions WHERE scope LIKE %s",
                           ("server:%",))
        return {g for (scope,) in rows if (g := guild_of(scope)) is not None}

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        except self._errors as exc:
            raise unavailable(self.where, exc) from exc
        finally:
            conn.close()

    def list(self, fact_id: str | None = None, limit: int = 20) -> builtins.list[Change]:
        limit = max(1, min(int(limit), 1000))
        if fact_id is None:
            rows = self._query(f"SELECT {_COLUMNS} FROM knowledge_changes WHERE scope = %s"
                               " ORDER BY id DESC LIMIT %s", (self.scope, limit))
        else:
            rows = self._query(
                f"SELECT {_COLUMNS} FROM knowledge_changes WHERE scope = %s AND fact_id = %s"
                " ORDER BY id DESC LIMIT %s", (self.scope, fact_id, limit))
        return [_row_to_change(row) for row in rows]

    def get(self, change_id: int) -> Change:
        rows = self._query(f"SELECT {_COLUMNS} FROM knowledge_changes WHERE scope = %s AND"
                           " id = %s", (self.scope, int(change_id)))
        if not rows:
            raise ChangeNotFound(change_id)
        return _row_to_change(rows[0])

    def reverted_by(self, change_id: int) -> int | None:
        rows = self._query("SELECT MAX(id) FROM knowledge_changes WHERE scope = %s AND"
                           " reverts = %s", (self.scope, int(change_id)))
        return rows[0][0] if rows else None

    def has_token(self, token: str) -> bool:
        return bool(self._query("SELECT 1 FROM knowledge_changes WHERE token = %s", (token,)))
