"""Following the knowledge bases in PostgreSQL (a real server): another process's edit is heard
within 2 seconds; a missed notification, a dropped connection and a failing callback heal."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from bot.core.editing.follower import APPLICATION_NAME, KnowledgeFollower

from .test_postgres_store import PAY, machine, url  # noqa: F401  (the fixture)


class Heard:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, float]] = []
        self.event = threading.Event()
        self.fail = 0

    def __call__(self, scope: str, version: int) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("the rebuild failed this time")
        self.calls.append((scope, version, time.monotonic()))
        self.event.set()

    def wait_for(self, version: int, timeout: float = 5.0) -> float:
        """When version `version` of the shared knowledge base was heard."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for scope, seen, at in self.calls:
                if scope == "shared" and seen >= version:
                    return at
            self.event.wait(0.05)
            self.event.clear()
        raise AssertionError(f"version {version} never heard: {self.calls}")


@pytest.fixture
def follow(url):  # noqa: F811
    followers = []

    def start(**options) -> tuple[KnowledgeFollower, Heard]:
        heard = Heard()
        follower = KnowledgeFollower(url, heard, **options).start()
        followers.append(follower)
        assert follower.connected.wait(5)
        return follower, heard

    yield start
    for follower in followers:
        follower.stop()


def test_an_edit_through_another_process_is_heard_within_two_seconds(tmp_path, url,  # noqa: F811
                                                                     follow):
    one = machine(tmp_path, "one", url)
    _, heard = follow(recheck=3600)  # no re-check: the notification alone
    heard.wait_for(1)  # the version found at start
    for n in range(5):
        before = time.monotonic()
        change = one.add_alias(PAY, f"heard across machines {n}", actor="mod")
        assert change.change.id
        assert heard.wait_for(2 + n) - before < 2.0


def test_a_missed_notification_heals_at_the_next_recheck(tmp_path, url, follow):  # noqa: F811
    machine(tmp_path, "one", url)
    _, heard = follow(recheck=0.5)
    heard.wait_for(1)
    with psycopg.connect(url, autocommit=True) as conn:  # a version bump nobody announced
        conn.execute("UPDATE knowledge_versions SET version = version + 1")
    heard.wait_for(2, timeout=3)


def test_a_dropped_connection_reconnects_and_catches_up(tmp_path, url, follow):  # noqa: F811
    one = machine(tmp_path, "one", url)
    follower, heard = follow(recheck=3600, retry=0.2)
    heard.wait_for(1)
    with psycopg.connect(url, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
            " AND datname = current_database()", (APPLICATION_NAME,)).fetchall()
    assert killed
    one.add_alias(PAY, "edited while the listener was away", actor="mod")
    heard.wait_for(2, timeout=5)  # heard again: a notification or the re-check on reconnect
    assert follower.connected.is_set()


def test_a_failing_callback_is_retried(tmp_path, url, follow):  # noqa: F811
    one = machine(tmp_path, "one", url)
    _, heard = follow(recheck=0.3)
    heard.wait_for(1)
    heard.fail = 1
    one.add_alias(PAY, "the first rebuild of this one fails", actor="mod")
    heard.wait_for(2, timeout=3)
