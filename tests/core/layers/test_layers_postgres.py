"""Server layers kept in PostgreSQL (a real server): a layer made through one process is found,
answered and edited by another with a data directory of its own, as on another machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.editing.postgres import PostgresHistory, layer_scope
from bot.core.service import AnswerService
from tests.postgres import fresh_database

from .conftest import CV_FACT, CV_QUESTION, GUILD_A, GUILD_B, give, local_fact


@pytest.fixture
def url():
    with fresh_database() as url:
        yield url


def machine(tmp_path: Path, name: str, url: str, shipped_kb, semantic) -> AnswerService:
    return AnswerService(shipped_kb, semantic=semantic, layers=tmp_path / name / "servers",
                         layer_database=PostgresHistory(url))


@pytest.fixture
def two(tmp_path, url, shipped_kb, shipped_semantic_service):
    model = shipped_semantic_service.matcher.semantic.model
    return (machine(tmp_path, "one", url, shipped_kb, model),
            machine(tmp_path, "two", url, shipped_kb, model))


def test_a_layer_made_on_one_machine_answers_on_the_other(two, url):
    one, other = two
    give(one, GUILD_A, CV_FACT)
    assert not other.layers.folders.exists(GUILD_A)  # nothing on the other machine's disk
    answer = other.ask(CV_QUESTION, via="test", guild_id=GUILD_A, record=False)
    assert answer.answered and answer.fact_id == CV_FACT.id
    assert other.layers.folders.exists(GUILD_A)  # its working copy, pulled from the database
    assert not other.ask(CV_QUESTION, via="test", guild_id=GUILD_B, record=False).answered
    assert not (one.layers.folders.of(GUILD_A) / "history.sqlite3").exists()
    history = PostgresHistory(url, layer_scope(GUILD_A))
    assert [c.action for c in history.list()][:1] == ["add"]


def test_an_edit_heard_from_another_machine_is_answered_at_the_next_question(two):
    one, other = two
    give(one, GUILD_A, CV_FACT)
    assert other.ask(CV_QUESTION, via="test", guild_id=GUILD_A, record=False).answered
    rules = local_fact("rules-channel", "Where are the server rules?", "where do i read the rules")
    give(one, GUILD_A, rules)
    version = one.layer_store(GUILD_A).history.version()
    other.layers.moved(GUILD_A, version)  # what the follower calls on the NOTIFY
    answer = other.ask("where are the server rules", via="test", guild_id=GUILD_A, record=False)
    assert answer.answered and answer.fact_id == "rules-channel"


def test_an_edit_on_the_other_machine_starts_from_the_databases_layer(two):
    one, other = two
    give(one, GUILD_A, CV_FACT)
    rules = local_fact("rules-channel", "Where are the server rules?")
    give(other, GUILD_A, rules)  # the other never asked in this server before
    one.layers.moved(GUILD_A, other.layer_store(GUILD_A).history.version())
    facts = one.layer(GUILD_A).knowledge.facts
    assert {"cv-channel", "rules-channel"} <= facts.keys()


def test_with_the_database_gone_a_server_is_answered_from_the_base(tmp_path, url, shipped_kb,
                                                                   shipped_semantic_service):
    gone = url.rsplit("/", 1)[0] + "/no_such_database"
    service = machine(tmp_path, "down", gone, shipped_kb,
                      shipped_semantic_service.matcher.semantic.model)
    service.layers._present = {GUILD_A}  # as if the database had listed the server's layer
    answer = service.ask("how much do machine learning engineers make", via="test",
                         guild_id=GUILD_A, record=False)
    assert answer.answered and answer.fact_id == "average-salary"
