"""The bench commands' input errors and JSON, and the published figures of the real files
(skipped where ../shared is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.devtools.bench.baselines import (
    BM25Baseline,
    FuzzBaseline,
    Outcome,
    answered,
    tune_threshold,
)
from bot.devtools.bench.datasets import load_dataset
from bot.devtools.bench.quality import CAREERBOT
from bot.devtools.bench.speed import format_speed, run_speed
from tests.devtools.bench.shared import SHARED_BENCHMARKS, TINY, run_cli, write

# -- command line ------------------------------------------------------------------------------


def test_cli_input_errors_exit_2_with_one_line(tmp_path, capsys):
    assert run_cli(["bench", "quality", "--dataset", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.json: no such file" in err
    assert run_cli(["bench", "speed", "--facts", "0"]) == 2
    assert "--facts must be between 1" in capsys.readouterr().err
    assert run_cli(["bench"]) == 2


def test_cli_quality_json(tmp_path, capsys):
    assert run_cli(["bench", "quality", "--dataset", str(write(tmp_path, TINY)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["systems"][0]["system"] == CAREERBOT


# -- the real benchmark files (skipped where ../shared is absent) -------------------------------


def shared(name: str) -> Path:
    path = SHARED_BENCHMARKS / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def test_baselines_reproduce_the_published_stackfaq_figures():
    ds = load_dataset(shared("stackfaq.json"))
    assert (len(ds.entries), len(ds.queries)) == (125, 1249)
    for baseline, expected in (
        (FuzzBaseline(ds.entries), 0.600),
        (BM25Baseline(ds.entries), 0.576),
    ):
        right = sum(baseline.top(q.text)[0] in q.expected for q in ds.queries)
        assert right / len(ds.queries) == pytest.approx(expected, abs=0.0005), baseline.name


def test_bm25_reproduces_the_published_clinc_figures():
    ds = load_dataset(shared("clinc150_faq.json"))
    bm25 = BM25Baseline(ds.entries)
    outcomes = [Outcome(*bm25.top(q.text), q.expected) for q in ds.queries]
    threshold = tune_threshold(outcomes, objective="rates")
    inside = [o for o in outcomes if o.expected]
    outside = [o for o in outcomes if not o.expected]
    right = sum(answered(o, threshold) and o.top in o.expected for o in inside) / len(inside)
    declined = sum(not answered(o, threshold) for o in outside) / len(outside)
    assert (round(right, 3), round(declined, 3)) == (0.559, 0.867)


def test_speed_with_a_cache_times_a_cold_build_then_a_warm_start(tmp_path):
    cold = run_speed(20, seed=5, queries=10, cache=tmp_path)
    assert cold.meaning and cold.embedded == cold.phrasings
    warm = run_speed(20, seed=5, queries=10, cache=tmp_path)
    assert warm.embedded == 0
    start = next(t for t in warm.targets if t.label == "start, warm cache")
    assert start.value == pytest.approx(warm.load_s)
    assert next(t for t in cold.targets if t.label == "start, warm cache").value is None
    assert "warm: every vector from the cache" in format_speed(warm)
