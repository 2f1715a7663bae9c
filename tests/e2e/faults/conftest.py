"""Fixtures of the fault tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest


@pytest.fixture
def locked_database(tmp_path):
    """Call it with the bot's database path: a separate connection then holds the write lock
    (BEGIN EXCLUSIVE) until the end of the test."""
    holders: list[sqlite3.Connection] = []

    def lock(path: Path) -> sqlite3.Connection:
        blocker = sqlite3.connect(path, timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")
        holders.append(blocker)
        return blocker

    yield lock
    for blocker in holders:
        blocker.rollback()
        blocker.close()
