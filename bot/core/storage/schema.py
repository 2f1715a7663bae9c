"""The SQLite schema, as an ordered list of migrations applied at start.

`PRAGMA user_version` holds how many migrations a database has had. Each migration runs once,
in order, in its own transaction; a database that has had more migrations than this code knows
(written by a newer release) is refused rather than misread.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: what people asked, how they rated the answers, what moderators dismissed.
    """
    CREATE TABLE IF NOT EXISTS questions (
        id INTEGER PRIMARY KEY,
        asked_at REAL NOT NULL,
        guild_id TEXT,
        via TEXT NOT NULL,
        question TEXT NOT NULL,
        fact_id TEXT,
        confidence REAL NOT NULL,
        answered INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
    CREATE TABLE IF NOT EXISTS dismissed (
        question_key TEXT PRIMARY KEY,
        dismissed_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS feedback (
        answer_key TEXT NOT NULL,
        voter TEXT NOT NULL,
        fact_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        question TEXT,
        guild_id TEXT,
        voted_at REAL NOT NULL,
        PRIMARY KEY (answer_key, voter)
    );
    """,
    # 2: each server its own. Dismissals per server ('' for the owner's view of every server:
    # the old `dismissed` rows keep hiding a question everywhere); the question each answer
    # message answered (what a "not helpful" vote queues); the servers' own settings.
    """
    CREATE TABLE dismissed_in (
        guild_id TEXT NOT NULL,
        question_key TEXT NOT NULL,
        dismissed_at REAL NOT NULL,
        PRIMARY KEY (guild_id, question_key)
    );
    CREATE TABLE answers (
        answer_key TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        guild_id TEXT,
        answered_at REAL NOT NULL
    );
    CREATE INDEX answers_answered_at ON answers (answered_at);
    CREATE TABLE server_settings (
        guild_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        changed_at REAL NOT NULL,
        PRIMARY KEY (guild_id, name)
    );
    CREATE INDEX questions_guild ON questions (guild_id, asked_at);
    """,
)


class NewerDatabase(sqlite3.DatabaseError):
    """The database was written by a newer release of the bot."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to date; the version it is at now."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise NewerDatabase(
            f"the database is at schema version {version}, newer than this release knows "
            f"({len(MIGRATIONS)}): run the newer release, or restore a backup")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # One transaction per migration (executescript would commit after each statement).
        conn.execute("BEGIN")
        try:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    return len(MIGRATIONS)
