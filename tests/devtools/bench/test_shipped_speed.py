"""`bench speed --shipped`: a knowledge base started cold then warm in fresh processes, and
timed on questions, with the real model."""

from __future__ import annotations

import json

from bot.core.knowledge.loader import load_knowledge_base
from bot.devtools.bench.shipped import format_shipped, run_shipped
from tests.devtools.bench.shared import run_cli

QUESTIONS = ["how much does a machine learning engineer earn", "which degree for mle", "zzz"]


def test_a_cold_start_embeds_every_phrasing_and_a_warm_one_none(small_kb_dir):
    report = run_shipped(small_kb_dir, load_knowledge_base(small_kb_dir), QUESTIONS)
    assert report.cold.embedded == report.phrasings > 0
    assert report.warm.embedded == 0  # the first process's vectors, read from disk
    assert report.cold.model_s > 0 and report.warm.build_s > 0
    assert report.match.count == len(QUESTIONS) and report.match.p99_ms > 0
    text = format_shipped(report)
    assert "start, cold" in text and "start, warm" in text and "p99" in text


def test_cli_speed_wants_either_facts_or_shipped(capsys):
    assert run_cli(["bench", "speed", "--shipped", "--facts", "10"]) == 2
    assert "leave out --facts" in capsys.readouterr().err
    assert run_cli(["bench", "speed"]) == 2
    assert "--shipped" in capsys.readouterr().err


def test_cli_shipped_json(small_kb_dir, capsys):
    assert run_cli(["bench", "speed", "--shipped", "--knowledge", str(small_kb_dir),
                    "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["facts"] > 0 and data["warm"]["embedded"] == 0
    assert data["cold"]["total_s"] >= data["cold"]["model_s"]
