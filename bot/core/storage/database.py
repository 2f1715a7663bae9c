"""SQLite storage for what people asked and how they rated the answers (no Discord here).

Everything runs on one worker thread that owns the connection, so callers on the event loop
never block on disk: `record_*` queue a write and return at once; queries are awaited through
`run`. A broken database (locked, read-only, disk full) never stops questions being answered:
the first failure is logged once, later ones only counted, and a recovery is logged too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.core.storage.backends import Connection, PostgresBackend, backend_for

log = logging.getLogger(__name__)

MAX_STORED_QUESTION = 500
DATABASE_FILE = "careerbot.sqlite3"
"""The SQLite database's file in the data directory (without `CAREERBOT_DATABASE_URL`)."""
EVERY_SERVER = None
"""The `server` of the owner's view: every server's questions, and the direct messages'."""

T = TypeVar("T")


class StorageUnavailable(RuntimeError):
    """The database cannot be used right now (the message says why)."""


def describe_failure(exc: BaseException) -> str:
    """What a person can do about a database failure (locked, read-only, full...)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "the database is locked by another process; try again in a moment"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only; give the bot write access to the data directory"
    if "full" in text or getattr(exc, "errno", None) == 28:
        return "the disk is full; free some space"
    return f"the database failed ({exc})"


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    question: str
    via: str
    fact_id: str | None
    confidence: float
    answered: bool
    guild_id: int | None = None
    off_topic: str | None = None
    """Why a declined question is about something the sources are not, as
    `bot.core.matching.OffTopic.encoded` writes it ("role nurse", "qualifier uk")."""


@dataclass(frozen=True, slots=True)
class Stats:
    asked: int
    answered: int
    busiest: list[tuple[str, int]]
    """(fact id, times answered), most first."""
    votes: list[tuple[str, int, int]]
    """(fact id, helpful, not helpful), most "not helpful" first."""
    per_day: list[tuple[int, int, int]]
    """(day since the start of the period, asked, answered)."""


def _in_server(server: int | None) -> tuple[str, tuple[str, ...]]:
    """The SQL condition (and its parameters) for rows of `server`; every row for EVERY_SERVER."""
    if server is EVERY_SERVER:
        return "1 = 1", ()
    return "guild_id = ?", (str(server),)


class Database:
    """The bot's database: a SQLite file in the data directory, or PostgreSQL when given a
    `postgresql://` URL (see `bot.core.storage.backends`)."""

    def __init__(self, location: Path | str) -> None:
        self.backend = backend_for(location)
        self.path: Path | str = getattr(self.backend, "path", None) or self.backend.describe()
        self.shared = isinstance(self.backend, PostgresBackend)
        """Whether other processes may use it too (PostgreSQL): then they share cooldowns."""
        """Where it is: the SQLite file, or the server's URL without its password."""
        self._key = b""
        self._jobs: queue.Queue[tuple[Callable, asyncio.Future | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None
        self._failing = False
        self.failures = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread and open (or create) the database. Never raises."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._work, name="careerbot-db", daemon=True)
        self._thread.start()
        self._submit(self._open, None)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the worker."""
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _open(self, _conn: Any = None) -> None:
        conn = self.backend.connect()
        if not self._key:
            try:
                self._key = self.backend.voter_key(conn)
            except OSError as exc:
                self._key = secrets.token_bytes(32)
                log.warning("cannot keep the user-id hashing key beside %s (%s): votes will "
                            "not be deduplicated across restarts", self.path,
                            exc.strerror or exc)
        self._conn = conn

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                break
            func, future = job
            try:
                if self._conn is None and func is not self._open:
                    self._open()
                result = func(self._conn)
            except self.backend.errors as exc:
                self._failed(exc)
                if future is not None:
                    self._resolve(future, exc=StorageUnavailable(describe_failure(exc)))
                continue
            except Exception as exc:  # a bug: never let it kill the worker
                log.exception("unexpected error in the database worker")
                if future is not None:
                    self._resolve(future, exc=exc)
                continue
            if self._failing:
                log.warning("database %s works again after %d failure(s)", self.path,
                            self.failures)
                self._failing = False
            if future is not None:
                self._resolve(future, result=result)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @staticmethod
    def _resolve(future: asyncio.Future, *, result: Any = None, exc: Exception | None = None):
        def settle() -> None:
            if future.done():
                return
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(result)

        future.get_loop().call_soon_threadsafe(settle)

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        if not self._failing:
            self._failing = True
            log.error("database %s unavailable (%s): questions are still answered, but "
                      "feedback and statistics are not being saved", self.path,
                      describe_failure(exc))
        # A broken connection is reopened on the next job.
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _submit(self, func: Callable, future: asyncio.Future | None) -> None:
        if self._thread is None:
            raise StorageUnavailable("the database is not started")
        self._jobs.put((func, future))

    async def run(self, func: Callable[[Connection], T]) -> T:
        """Run `func(connection)` on the worker thread and await its result."""
        future = asyncio.get_running_loop().create_future()
        self._submit(func, future)
        return await future

    # -- writes ------------------------------------------------------------------------------

    def voter_id(self, user_id: int) -> str:
        """A keyed hash of a user id: one vote per person, no user id stored in clear."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    def record_question(self, record: QuestionRecord) -> None:
        """Queue one question's outcome (returns at once)."""
        row = (
            time.time(),
            str(record.guild_id) if record.guild_id else None,
            record.via,
            record.question[:MAX_STORED_QUESTION],
            record.fact_id,
            float(record.confidence),
            int(record.answered),
            record.off_topic,
        )

        def write(conn: Connection) -> None:
            conn.execute(
                "INSERT INTO questions (asked_at, guild_id, via, question, fact_id, confidence,"
                " answered, off_topic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            conn.commit()

        self._submit(write, None)

    def record_answer(self, answer_key: str, question: str, guild_id: int | None) -> None:
        """Queue which question an answer message answered (a "not helpful" vote on it queues
        that question for the moderators, not the fact's own wording)."""
        row = (answer_key, question[:MAX_STORED_QUESTION], str(guild_id) if guild_id else None,
               time.time())

        def write(conn: Connection) -> None:
            conn.execute("INSERT INTO answers (answer_key, question, guild_id, answered_at)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT (answer_key) DO UPDATE SET"
                         " question = excluded.question, guild_id = excluded.guild_id,"
                         " answered_at = excluded.answered_at", row)
            conn.commit()

        self._submit(write, None)

    async def record_vote(
        self,
        *,
        answer_key: str,
        user_id: int,
        fact_id: str,
        helpful: bool,
        question: str | None = None,
        guild_id: int | None = None,
    ) -> bool:
        """Store a vote; True when new, False when it replaced the person's earlier vote.
        The question stored with it is the one the answer answered (see `record_answer`),
        else `question`."""
        details = (fact_id, int(helpful), (question or "")[:MAX_STORED_QUESTION] or None,
                   str(guild_id) if guild_id else None, time.time())

        def write(conn: Connection) -> bool:
            # Hashed here, on the worker: the key is read with the database (from PostgreSQL).
            voter = self.voter_id(user_id)
            row = (answer_key, voter, *details)
            existed = conn.execute(
                "SELECT 1 FROM feedback WHERE answer_key = ? AND voter = ?", (answer_key, voter)
            ).fetchone()
            conn.execute(
                "INSERT INTO feedback (answer_key, voter, fact_id, helpful, question, guild_id,"
                " voted_at) VALUES (?, ?, ?, ?, COALESCE((SELECT question FROM answers WHERE"
                " answer_key = ?), ?), ?, ?) ON CONFLICT (answer_key, voter) DO"
                " UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at,"
                " question = COALESCE(excluded.question, feedback.question)",
                (*row[:4], answer_key, *row[4:]),
            )
            conn.commit()
            return existed is None

        return await self.run(write)

    # -- reads -------------------------------------------------------------------------------

    async def question_counts(self, since: float = 0.0) -> tuple[int, int]:
        """(questions asked, questions answered) since a Unix time."""

        def read(conn: Connection) -> tuple[int, int]:
            asked, answered = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions WHERE asked_at >= ?",
                (since,),
            ).fetchone()
            return int(asked), int(answered)

        return await self.run(read)

    async def votes(self, fact_id: str) -> tuple[int, int]:
        """(helpful, not helpful) votes for a fact."""

        def read(conn: Connection) -> tuple[int, int]:
            up, down = conn.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback"
                " WHERE fact_id = ?",
                (fact_id,),
            ).fetchone()
            return int(up), int(down)

        return await self.run(read)

    async def missed_questions(self, server: int | None = EVERY_SERVER, limit: int = 2000
                               ) -> list[tuple[str, str, float]]:
        """The most recent questions the bot declined or that got "not helpful" in `server`
        (EVERY_SERVER: everywhere, direct messages included): (question, why: "declined",
        "off topic KIND WHAT" (declined as about something the sources are not, see
        `QuestionRecord.off_topic`) or "not helpful", time), newest first, not dismissed
        there."""
        where, params = _in_server(server)
        scope = "" if server is EVERY_SERVER else str(server)

        def read(conn: Connection) -> list[tuple[str, str, float]]:
            return conn.execute(
                "SELECT question, why, at FROM ("
                "  SELECT question, COALESCE('off topic ' || off_topic, 'declined') AS why,"
                "  asked_at AS at FROM questions"
                f"  WHERE answered = 0 AND trim(question) != '' AND {where}"
                "  UNION ALL"
                "  SELECT question, 'not helpful' AS why, voted_at AS at FROM feedback"
                f"  WHERE helpful = 0 AND question IS NOT NULL AND {where}"
                ") AS missed"
                " WHERE lower(trim(question)) NOT IN (SELECT question_key FROM dismissed)"
                " AND lower(trim(question)) NOT IN (SELECT question_key FROM dismissed_in"
                "  WHERE guild_id = ?)"
                " ORDER BY at DESC LIMIT ?",
                (*params, *params, scope, limit),
            ).fetchall()

        return await self.run(read)

    async def dismiss(self, questions: list[str], server: int | None = EVERY_SERVER) -> None:
        """Hide these questions (case and spacing aside) from `server`'s missed questions."""
        scope = "" if server is EVERY_SERVER else str(server)
        rows = [(scope, q.strip().lower(), time.time()) for q in questions]

        def write(conn: Connection) -> None:
            conn.executemany(
                "INSERT INTO dismissed_in (guild_id, question_key, dismissed_at)"
                " VALUES (?, ?, ?) ON CONFLICT (guild_id, question_key) DO UPDATE SET"
                " dismissed_at = excluded.dismissed_at",
                rows,
            )
            conn.commit()

        await self.run(write)

    async def stats(self, since: float, server: int | None = EVERY_SERVER) -> Stats:
        """Questions, answers and votes since a Unix time, in `server` (or everywhere)."""
        where, params = _in_server(server)

        def read(conn: Connection) -> Stats:
            asked, answered = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions WHERE asked_at >= ?"
                f" AND {where}",
                (since, *params),
            ).fetchone()
            busiest = conn.execute(
                "SELECT fact_id, COUNT(*) AS n FROM questions WHERE asked_at >= ? AND answered = 1"
                f" AND {where} GROUP BY fact_id ORDER BY n DESC, fact_id LIMIT 10",
                (since, *params),
            ).fetchall()
            votes = conn.execute(
                "SELECT fact_id, SUM(helpful), SUM(1 - helpful) FROM feedback WHERE voted_at >= ?"
                f" AND {where} GROUP BY fact_id ORDER BY SUM(1 - helpful) DESC, fact_id LIMIT 10",
                (since, *params),
            ).fetchall()
            days = conn.execute(
                "SELECT CAST(asked_at - ? AS INTEGER) / 86400 AS day, COUNT(*),"
                f" COALESCE(SUM(answered), 0) FROM questions WHERE asked_at >= ? AND {where}"
                " GROUP BY day ORDER BY day",
                (since, since, *params),
            ).fetchall()
            return Stats(
                asked=int(asked), answered=int(answered),
                busiest=[(f, int(n)) for f, n in busiest],
                votes=[(f, int(up), int(down)) for f, up, down in votes],
                per_day=[(int(d), int(n), int(a)) for d, n, a in days],
            )

        return await self.run(read)

    async def flush(self) -> None:
        """Wait until every queued write has been attempted (whether or not it succeeded)."""
        with contextlib.suppress(StorageUnavailable):
            await self.run(lambda conn: None)
