"""Where the database lives: SQLite (a file in the data directory, the embedded default) or
PostgreSQL (`CAREERBOT_DATABASE_URL`: shared by every process of the bot, on any machine).

Both take the same SQL (`?` placeholders, `INSERT ... ON CONFLICT`), written once in
`bot.core.storage.database`; a backend opens a connection that speaks it, brings the schema up
to date (`bot.core.storage.schema`) and names the errors that mean "the database is not
usable right now". No Discord here.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from bot.core.storage.schema import NewerDatabase, migrate, migrate_postgres

KEY_BYTES = 32


class Connection(Protocol):
    """What the queries use of a connection (sqlite3's own API)."""

    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def executemany(self, sql: str, rows: Any) -> Any: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


class Backend(Protocol):
    errors: tuple[type[BaseException], ...]
    """What a failed query raises when the database, not the code, is at fault."""

    def describe(self) -> str:
        """Where the database is, for logs (never a password)."""

    def connect(self) -> Connection:
        """A connection with the schema up to date."""

    def voter_key(self, conn: Connection) -> bytes:
        """The secret that hashes user ids (made once; the same for every process)."""


class SQLiteBackend:
    errors = (sqlite3.Error, OSError)

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        return str(self.path)

    def connect(self) -> Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
        return conn

    def voter_key(self, conn: Connection) -> bytes:
        """Kept beside the database file (mode 0600), not in it: a copy of the database alone
        does not unmask the voters."""
        path = self.path.with_suffix(".key")
        try:
            return bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError):
            key = secrets.token_bytes(KEY_BYTES)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key.hex())
            return key


class _PostgresConnection:
    """A psycopg connection that takes the queries as written for SQLite (`?` placeholders)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Any) -> Any:
        with self._conn.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)
            return cursor

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()


class PostgresBackend:
    def __init__(self, url: str, *, connect_timeout: float = 3.0) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.connect_timeout = connect_timeout
        self.errors = (psycopg.Error, OSError, NewerDatabase)

    def describe(self) -> str:
        return redacted(self.url)

    def connect(self) -> Connection:
        conn = self._psycopg.connect(self.url, connect_timeout=max(1, int(self.connect_timeout)))
        try:
            migrate_postgres(conn)
        except BaseException:
            conn.close()
            raise
        return _PostgresConnection(conn)

    def voter_key(self, conn: Connection) -> bytes:
        """In the database: every process (and machine) hashes a person's id the same way."""
        conn.execute("INSERT INTO voter_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                     (secrets.token_bytes(KEY_BYTES).hex(),))
        conn.commit()
        return bytes.fromhex(conn.execute("SELECT key FROM voter_key WHERE id = 1").fetchone()[0])


_PASSWORD = re.compile(r"(?P<head>://[^:/@]*:)[^@]*@")


def redacted(url: str) -> str:
    """A database URL with its password replaced (the rest helps find the server)."""
    return _PASSWORD.sub(r"\g<head>***@", url)


def backend_for(location: Path | str) -> Backend:
    """PostgreSQL for a `postgresql://` (or `postgres://`) URL, else a SQLite file."""
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(location)
    return SQLiteBackend(Path(location))
