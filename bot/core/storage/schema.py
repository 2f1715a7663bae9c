"""The SQLite schema, as an ordered list of migrations applied at start.

`PRAGMA user_version` holds how many migrations a database has had. Each migration runs once,
in order, in its own transaction; a database that has had more migrations than this code knows
(written by a newer release) is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
from typing import Any

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
    # 3: cooldown windows, for when several processes share the database (see migration 2
    # of PostgreSQL's list; a single SQLite process counts in memory, but the table keeps the
    # two schemas alike).
    """
    CREATE TABLE cooldowns (
        key TEXT PRIMARY KEY,
        window_start REAL NOT NULL,
        used INTEGER NOT NULL
    )
    """,
    # 4: why a declined question is about something the sources are not ("role nurse",
    # "qualifier uk", "year 2031"; NULL otherwise): the moderators' queue says so.
    """
    ALTER TABLE questions ADD COLUMN off_topic TEXT
    """,
)


class NewerDatabase(sqlite3.DatabaseError):
    """The database was written by a newer release of the bot (either backend)."""


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


POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1: everything SQLite's migrations 1 and 2 hold, and the user-id hashing key (kept in the
    # database here: every process, on every machine, must hash a person's id the same way).
    """
    CREATE TABLE questions (
        id BIGSERIAL PRIMARY KEY,
        asked_at DOUBLE PRECISION NOT NULL,
        guild_id TEXT,
        via TEXT NOT NULL,
        question TEXT NOT NULL,
        fact_id TEXT,
        confidence DOUBLE PRECISION NOT NULL,
        answered INTEGER NOT NULL
    );
    CREATE INDEX questions_asked_at ON questions (asked_at);
    CREATE INDEX questions_guild ON questions (guild_id, asked_at);
    CREATE TABLE dismissed (
        question_key TEXT PRIMARY KEY,
        dismissed_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE feedback (
        answer_key TEXT NOT NULL,
        voter TEXT NOT NULL,
        fact_id TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        question TEXT,
        guild_id TEXT,
        voted_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (answer_key, voter)
    );
    CREATE TABLE dismissed_in (
        guild_id TEXT NOT NULL,
        question_key TEXT NOT NULL,
        dismissed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (guild_id, question_key)
    );
    CREATE TABLE answers (
        answer_key TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        guild_id TEXT,
        answered_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX answers_answered_at ON answers (answered_at);
    CREATE TABLE server_settings (
        guild_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        changed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (guild_id, name)
    );
    CREATE TABLE voter_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        key TEXT NOT NULL
    )
    """,
    # 2: each person's cooldown window, counted by every process (a person's questions in
    # several servers land on several shards).
    """
    CREATE TABLE cooldowns (
        key TEXT PRIMARY KEY,
        window_start DOUBLE PRECISION NOT NULL,
        used INTEGER NOT NULL
    )
    """,
    # 3: the knowledge bases themselves (the shared one and each server's layer, a "scope"
    # each): their files, a version per scope that every edit bumps (and announces with
    # NOTIFY), and their change history (`bot.core.editing.postgres`).
    """
    CREATE TABLE knowledge_files (
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        content BYTEA NOT NULL,
        PRIMARY KEY (scope, name)
    );
    CREATE TABLE knowledge_versions (
        scope TEXT PRIMARY KEY,
        version BIGINT NOT NULL
    );
    CREATE TABLE knowledge_changes (
        id BIGSERIAL PRIMARY KEY,
        scope TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        fact_id TEXT,
        topic_id TEXT,
        before TEXT,
        after TEXT,
        summary TEXT NOT NULL,
        reverts BIGINT,
        position INTEGER,
        token TEXT UNIQUE
    );
    CREATE INDEX knowledge_changes_fact ON knowledge_changes (scope, fact_id, id)
    """,
    # 4: as SQLite's 4, why a declined question is about something the sources are not.
    """
    ALTER TABLE questions ADD COLUMN off_topic TEXT
    """,
)
MIGRATION_LOCK = 7_245_117
"""The advisory lock that lets one process at a time migrate a shared database."""


def migrate_postgres(conn: Any) -> int:
    """Bring a PostgreSQL database up to date (a psycopg connection); the version it is at
    now. Processes starting together take turns (an advisory lock); each migration is one
    transaction; a database newer than this code is refused."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        version = row[0] or 0
        if version > len(POSTGRES_MIGRATIONS):
            raise NewerDatabase(
                f"the database is at schema version {version}, newer than this release knows "
                f"({len(POSTGRES_MIGRATIONS)}): run the newer release, or restore a backup")
        for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
    return len(POSTGRES_MIGRATIONS)
