"""The SQLite store: records, votes, statistics, and degrading with one log line."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

from bot.core.storage.database import Database, QuestionRecord, StorageUnavailable


@pytest.fixture
async def database(tmp_path):
    db = Database(tmp_path / "data" / "careerbot.sqlite3")
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


async def test_user_ids_are_not_stored_in_clear(database, tmp_path):
    await database.record_vote(answer_key="m", user_id=123456789012345678, fact_id="f",
                               helpful=True)
    with sqlite3.connect(database.path) as conn:
        dump = "\n".join(conn.iterdump())
    assert "123456789012345678" not in dump
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
