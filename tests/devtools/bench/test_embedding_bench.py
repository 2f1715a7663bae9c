"""`bench embedding`: a question's embedding time by length, and by onnxruntime operator, with
the real model."""

from __future__ import annotations

import json

from bot.core.matching.embedding import load_embedder
from bot.devtools.bench.embedding import format_embedding, run_embedding, text_of
from tests.devtools.bench.shared import run_cli


def test_the_timed_questions_have_the_lengths_they_are_timed_for():
    embedder = load_embedder()
    for tokens in (4, 12, 32):
        assert len(embedder._tokenizer.encode(text_of(tokens)).ids) == tokens


def test_the_report_times_each_length_and_names_the_models_operators():
    report = run_embedding(load_embedder(), runs=5, lengths=(4, 16), profiled_tokens=8)
    assert [t.tokens for t in report.by_length] == [4, 16]
    assert all(0 < t.p50_ms <= t.p99_ms for t in report.by_length)
    operators = {op.operator: op for op in report.by_operator}
    assert operators["MatMul"].nodes > 0 and operators["MatMul"].ms_per_run > 0
    times = [op.ms_per_run for op in report.by_operator]
    assert times == sorted(times, reverse=True)
    text = format_embedding(report)
    assert "MatMul" in text and "word pieces" in text


def test_cli_embedding_json_and_input_errors(capsys):
    assert run_cli(["bench", "embedding", "--runs", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["threads"] == 1 and len(data["by_length"]) == 5 and data["by_operator"]
    assert run_cli(["bench", "embedding", "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
