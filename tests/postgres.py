"""A real PostgreSQL for the tests: `CAREERBOT_TEST_DATABASE_URL` names a server the tests may
create databases on (`.ci/run` starts one). Each test gets a database of its own, dropped
after. Without the variable the PostgreSQL cases are skipped, saying why; with
`CAREERBOT_TEST_POSTGRES_REQUIRED=1` (as in CI) they fail instead of skipping."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

URL_VARIABLE = "CAREERBOT_TEST_DATABASE_URL"
REQUIRED_VARIABLE = "CAREERBOT_TEST_POSTGRES_REQUIRED"
RESTART_VARIABLE = "CAREERBOT_TEST_POSTGRES_RESTART"
"""A shell command that restarts the test server (`.ci/run` sets it: it owns the server)."""


def server_url() -> str:
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        message = (f"no PostgreSQL server for the tests: set {URL_VARIABLE} "
                   "(e.g. postgresql://postgres@127.0.0.1:5432/postgres); .ci/run starts one")
        if os.environ.get(REQUIRED_VARIABLE) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database on the test server (dropped afterwards)."""
    import psycopg

    url = server_url()
    name = f"careerbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base, _, _ = url.rpartition("/")
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restart_server(url: str) -> str:
    """Restart the test server (`CAREERBOT_TEST_POSTGRES_RESTART`); where no command is given,
    cut every connection to the database at `url` instead, which is what a restart does to its
    clients. Returns what was done."""
    import subprocess

    import psycopg

    command = os.environ.get(RESTART_VARIABLE, "").strip()
    if command:
        subprocess.run(command, shell=True, check=True, timeout=60, capture_output=True)
        return "restarted the server"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                      "datname = current_database() AND pid <> pg_backend_pid()")
    return f"cut every connection (set {RESTART_VARIABLE} to restart the server instead)"
