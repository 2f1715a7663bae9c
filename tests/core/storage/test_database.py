"""The store on both backends (SQLite, a real PostgreSQL): records, votes, statistics, cooldowns,
and degrading with one log line."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bot.core.storage.backends import PostgresBackend
from bot.core.storage.database import Database, QuestionRecord, StorageUnavailable
from bot.core.storage.schema import MIGRATIONS
from tests.postgres import fresh_database, server_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request, tmp_path):
    """The same suite on both backends: a SQLite file, and a real PostgreSQL database."""
    with contextlib.ExitStack() as stack:
        location = (tmp_path / "data" / "careerbot.sqlite3" if request.param == "sqlite"
                    else stack.enter_context(fresh_database()))
        db = Database(location)
        db.start()
        yield db
        db.close()


def record(question: str, answered: bool, fact: str | None = None) -> QuestionRecord:
    return QuestionRecord(question, "slash", fact, 0.9 if answered else 0.1, answered, 42)


async def test_questions_and_stats(database):
    database.record_question(record("how much do mles make", True, "average-salary"))
    database.record_question(record("how much does a nurse make", False))
    database.record_question(record("x" * 5000, False))
    await database.flush()
    asked, answered = await database.question_counts()
    assert (asked, answered) == (3, 1)
    stats = await database.stats(since=time.time() - 60)
    assert stats.busiest == [("average-salary", 1)]
    assert stats.per_day == [(0, 3, 1)]
    missed = await database.missed_questions()
    assert {q for q, _, _ in missed} == {"how much does a nurse make", "x" * 500}


async def test_a_decline_about_something_else_is_queued_with_why(database):
    """A moderator sees that the bot declined "how much does a nurse make" because it is about
    another job (attaching it to a fact would not make the bot answer it)."""
    database.record_question(QuestionRecord("how much does a nurse make", "slash", None, 0.3,
                                            False, 42, off_topic="role nurse"))
    database.record_question(record("weather on mars", False))
    await database.flush()
    missed = await database.missed_questions(42)
    assert sorted((q, why) for q, why, _ in missed) == [
        ("how much does a nurse make", "off topic role nurse"), ("weather on mars", "declined")]


async def test_one_vote_per_person_per_answer(database):
    assert await database.record_vote(answer_key="m1", user_id=7, fact_id="f", helpful=True)
    assert not await database.record_vote(answer_key="m1", user_id=7, fact_id="f",
                                          helpful=False, question="q?")
    assert await database.record_vote(answer_key="m1", user_id=8, fact_id="f", helpful=True)
    assert await database.votes("f") == (1, 1)
    missed = await database.missed_questions()
    assert [(q, why) for q, why, _ in missed] == [("q?", "not helpful")]


async def test_sql_in_text_is_stored_as_text(database):
    nasty = "'); DROP TABLE questions; -- \" OR 1=1"
    database.record_question(record(nasty, False))
    await database.record_vote(answer_key=nasty, user_id=1, fact_id=nasty, helpful=False,
                               question=nasty)
    await database.dismiss([nasty + " "])
    await database.flush()
    assert await database.question_counts() == (1, 0)
    assert await database.missed_questions() == []


async def test_user_ids_are_not_stored_in_clear(database):
    await database.record_vote(answer_key="m", user_id=123456789012345678, fact_id="f",
                               helpful=True)
    rows = await database.run(lambda conn: conn.execute("SELECT * FROM feedback").fetchall())
    assert rows and "123456789012345678" not in repr(rows)
    if isinstance(database.path, Path):  # SQLite: the key beside the file, for its owner only
        key = database.path.with_suffix(".key")
        assert oct(key.stat().st_mode & 0o777) == "0o600"


async def test_unusable_database_degrades_with_one_log_line(tmp_path, caplog):
    path = tmp_path / "careerbot.sqlite3"
    path.mkdir()  # a folder where the database file should be: it cannot be opened
    db = Database(path)
    db.start()
    try:
        with caplog.at_level(logging.ERROR, logger="bot.core.storage.database"):
            for _ in range(20):
                db.record_question(record("q", True, "f"))
            await db.flush()
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1
        assert "questions are still answered" in errors[0].getMessage()
        with pytest.raises(StorageUnavailable):
            await db.record_vote(answer_key="m", user_id=1, fact_id="f", helpful=True)
    finally:
        db.close()


async def test_locked_database_degrades(tmp_path, caplog):
    db = Database(tmp_path / "careerbot.sqlite3")
    db.start()
    await db.flush()
    blocker = sqlite3.connect(db.path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.ERROR, logger="bot.core.storage.database"):
            db.record_question(record("q", True, "f"))
            with pytest.raises(StorageUnavailable, match="locked"):
                await db.record_vote(answer_key="m", user_id=1, fact_id="f", helpful=True)
        assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    finally:
        blocker.rollback()
        blocker.close()
    assert await db.record_vote(answer_key="m", user_id=1, fact_id="f", helpful=True)
    db.close()


# -- each server its own ----------------------------------------------------------------------


def asked_in(question: str, server: int | None, answered: bool = False) -> QuestionRecord:
    return QuestionRecord(question, "mention", "f" if answered else None, 0.5, answered, server)


async def test_a_server_sees_only_its_own_questions(database):
    database.record_question(asked_in("asked in one", 1))
    database.record_question(asked_in("answered in one", 1, answered=True))
    database.record_question(asked_in("asked in two", 2))
    database.record_question(asked_in("asked in a dm", None))
    await database.record_vote(answer_key="a2", user_id=5, fact_id="f", helpful=False,
                               question="voted in two", guild_id=2)
    await database.flush()
    assert [q for q, _, _ in await database.missed_questions(1)] == ["asked in one"]
    assert {q for q, _, _ in await database.missed_questions(2)} == {"asked in two",
                                                                    "voted in two"}
    everywhere = {q for q, _, _ in await database.missed_questions()}
    assert everywhere == {"asked in one", "asked in two", "voted in two", "asked in a dm"}
    one = await database.stats(since=time.time() - 60, server=1)
    assert (one.asked, one.answered, one.votes) == (2, 1, [])
    two = await database.stats(since=time.time() - 60, server=2)
    assert (two.asked, two.votes) == (1, [("f", 0, 1)])
    assert (await database.stats(since=time.time() - 60)).asked == 4


async def test_dismissing_in_one_server_leaves_the_others_queue(database):
    for server in (1, 2):
        database.record_question(asked_in("Same question", server))
    await database.dismiss(["same question "], server=1)
    assert await database.missed_questions(1) == []
    assert [q for q, _, _ in await database.missed_questions(2)] == ["Same question"]
    assert len(await database.missed_questions()) == 2  # the owner's view has its own list
    await database.dismiss(["same question"])
    assert await database.missed_questions() == []
    assert len(await database.missed_questions(2)) == 1


async def test_not_helpful_queues_what_was_asked_not_the_facts_wording(database):
    database.record_answer("msg-1", "what do ml folks take home", 3)
    await database.record_vote(answer_key="msg-1", user_id=9, fact_id="average-salary",
                               helpful=False, guild_id=3)
    assert [(q, why) for q, why, _ in await database.missed_questions(3)] == [
        ("what do ml folks take home", "not helpful")]
    # An answer the database never heard of (sent while it was away): nothing to queue.
    await database.record_vote(answer_key="msg-2", user_id=9, fact_id="f", helpful=False,
                               guild_id=3)
    assert len(await database.missed_questions(3)) == 1


async def test_an_old_database_is_migrated_in_place(tmp_path):
    path = tmp_path / "careerbot.sqlite3"
    with sqlite3.connect(path) as conn:  # as releases before the migrations left it
        conn.executescript(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at REAL NOT NULL, guild_id"
            " TEXT, via TEXT NOT NULL, question TEXT NOT NULL, fact_id TEXT, confidence REAL"
            " NOT NULL, answered INTEGER NOT NULL);"
            "CREATE TABLE dismissed (question_key TEXT PRIMARY KEY, dismissed_at REAL NOT NULL);"
            "INSERT INTO questions VALUES (1, 1e9, '7', 'slash', 'kept question', NULL, 0.1, 0);"
            "INSERT INTO dismissed VALUES ('hidden everywhere', 1e9);"
            "INSERT INTO questions VALUES (2, 1e9, '7', 'slash', 'hidden everywhere', NULL, 0, 0);")
    db = Database(path)
    db.start()
    try:
        assert [q for q, _, _ in await db.missed_questions(7)] == ["kept question"]
        db.record_answer("m", "q", 7)
        await db.flush()
    finally:
        db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT question FROM answers").fetchall() == [("q",)]
        # the questions asked before keep their rows, with no reason to be off topic
        assert conn.execute("SELECT question, off_topic FROM questions ORDER BY id").fetchall(
            ) == [("kept question", None), ("hidden everywhere", None)]


async def test_a_database_from_a_newer_release_is_refused(tmp_path, caplog):
    path = tmp_path / "careerbot.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    await assert_refused_as_newer(Database(path), caplog)


async def assert_refused_as_newer(db: Database, caplog) -> None:
    """`db` refuses to be used, saying it is newer than this release, in one log line too."""
    db.start()
    try:
        with (caplog.at_level(logging.ERROR, logger="bot.core.storage.database"),
              pytest.raises(StorageUnavailable, match="newer than this release")):
            await db.question_counts()
    finally:
        db.close()
    assert "newer than this release" in caplog.text


# -- PostgreSQL: the store every process shares ----------------------------------------------


@contextlib.contextmanager
def two_processes():
    """Two `Database`s on one fresh PostgreSQL database, as two bot processes would hold."""
    with fresh_database() as url:
        first, second = Database(url), Database(url)
        first.start()
        second.start()
        try:
            yield first, second
        finally:
            first.close()
            second.close()


async def test_processes_sharing_postgresql_share_votes_and_settings():
    from bot.core.storage.server_settings import ServerSettingsTable

    with two_processes() as (first, second):
        assert await first.record_vote(answer_key="m", user_id=7, fact_id="f",
                                       helpful=True)
        # The same person through another process: the same voter (one shared key).
        assert not await second.record_vote(answer_key="m", user_id=7, fact_id="f",
                                            helpful=False)
        assert await first.votes("f") == (0, 1)
        await ServerSettingsTable(first).put(10, {"ask_private": True})
        assert await ServerSettingsTable(second).load() == {10: {"ask_private": True}}


async def test_a_postgresql_database_of_the_previous_release_is_migrated_in_place():
    """A database at schema 3 (before the off-topic reason) keeps its questions and gains the
    column; the questions asked since carry their reason."""
    import psycopg

    from bot.core.storage.schema import POSTGRES_MIGRATIONS

    with fresh_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            for number, script in enumerate(POSTGRES_MIGRATIONS[:3], start=1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (number,))
            conn.execute("INSERT INTO questions (asked_at, guild_id, via, question, fact_id,"
                         " confidence, answered) VALUES (1e9, '42', 'slash', 'old miss', NULL,"
                         " 0.1, 0)")
        db = Database(url)
        db.start()
        try:
            db.record_question(QuestionRecord("how much does a nurse make", "slash", None, 0.3,
                                              False, 42, off_topic="role nurse"))
            await db.flush()
            missed = await db.missed_questions(42)
        finally:
            db.close()
        assert sorted((q, why) for q, why, _ in missed) == [
            ("how much does a nurse make", "off topic role nurse"), ("old miss", "declined")]
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(
                POSTGRES_MIGRATIONS)


async def test_a_postgresql_database_from_a_newer_release_is_refused(caplog):
    import psycopg

    with fresh_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO schema_version VALUES (99)")
        await assert_refused_as_newer(Database(url), caplog)


async def test_an_unreachable_postgresql_degrades_and_never_shows_its_password(
        caplog, unused_tcp_port):
    url = f"postgresql://careerbot:s3cret-pw@127.0.0.1:{unused_tcp_port}/careerbot"
    db = Database(url)
    db.start()
    try:
        with caplog.at_level(logging.DEBUG):
            db.record_question(record("q", True, "f"))
            with pytest.raises(StorageUnavailable):
                await db.question_counts()
    finally:
        db.close()
    assert "s3cret-pw" not in caplog.text and "s3cret-pw" not in str(db.path)
    assert "unavailable" in caplog.text and "127.0.0.1" in caplog.text


async def test_postgresql_restarting_mid_stream_heals_without_a_restart_of_the_bot(caplog):
    """The server drops the bot's connection (as a restart does): the writes meanwhile are
    logged once and dropped, and the next ones go through on a new connection."""
    import psycopg

    with fresh_database() as url:
        db = Database(url)
        db.start()
        try:
            db.record_question(record("before", True, "f"))
            await db.flush()
            name = url.rpartition("/")[2]
            with psycopg.connect(server_url(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            with caplog.at_level(logging.WARNING, logger="bot.core.storage.database"):
                db.record_question(record("lost while away", False))
                await db.flush()
                db.record_question(record("after", False))
                await db.flush()
                missed = [q for q, _, _ in await db.missed_questions()]
            assert missed == ["after"]
            assert "unavailable" in caplog.text and "works again" in caplog.text
        finally:
            db.close()


async def test_cooldowns_are_counted_across_processes_sharing_postgresql():
    from bot.core.storage.cooldowns import SharedCooldowns

    with two_processes() as (first, second):
        here, there = SharedCooldowns(first), SharedCooldowns(second)
        assert first.shared and second.shared
        assert await here.hit(7, 2, 60) == 0.0
        assert await there.hit(7, 2, 60) == 0.0  # the same person, another process
        wait = await here.hit(7, 2, 60)
        assert 59 < wait <= 60
        assert await there.hit(8, 2, 60) == 0.0  # someone else
        assert await there.hit(7, 2, 0.001) == 0.0  # another rule: its own window


async def test_a_sqlite_database_is_not_shared(database):
    assert database.shared is isinstance(database.backend, PostgresBackend)
