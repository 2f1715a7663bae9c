"""`bench servers`: layers written through their stores, asked in their servers, measured."""

from __future__ import annotations

import json

from bot.devtools.bench.servers import format_servers, layer_facts, run_servers
from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
from tests.devtools.bench.shared import run_cli


def test_each_server_gets_distinct_facts_with_the_phrasings_asked():
    made = layer_facts(3, 4, 2, seed=0)
    ids = [f.id for facts in made.values() for f in facts]
    assert len(made) == 3 and len(ids) == len(set(ids)) == 12
    assert all(len(f.phrasings) == 2 and f.topic == "server" for fs in made.values() for f in fs)


def test_a_small_run_answers_each_server_from_its_own_layer(shipped_kb,
                                                            shipped_semantic_service):
    report = run_servers(shipped_kb, load_gold(DEFAULT_GOLD),
                         semantic=shipped_semantic_service.matcher.semantic.model,
                         servers=3, facts=4, queries=60, phrasings=2, seed=1)
    assert report.first_question.count == 3 and report.in_server.count == 60
    assert report.builds >= 3 + 3 and report.evictions == 0  # cold, then read again
    assert report.quality.own_right >= 0.8
    assert report.quality.base_as_in_dm >= 0.9
    assert report.layer_mb > 0
    text = format_servers(report)
    assert "ask in a server (layer warm)" in text and "3 servers x 4 facts" in text


def test_cli_input_errors_and_json(capsys):
    assert run_cli(["bench", "servers", "--servers", "0"]) == 2
    assert "--servers must be at least 1" in capsys.readouterr().err
    assert run_cli(["bench", "servers", "--capacity", "0"]) == 2
    assert run_cli(["bench", "servers", "--servers", "2", "--facts", "2", "--queries", "5",
                    "--lexical", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["servers"] == 2 and data["in_server"]["count"] == 5
