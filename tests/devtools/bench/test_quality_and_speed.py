"""`bench quality` reports and `bench speed` runs on small data."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot.core.knowledge.loader import phrasing_key
from bot.devtools.bench.datasets import load_dataset
from bot.devtools.bench.quality import CAREERBOT, CAREERBOT_TUNED, format_report, run_quality
from bot.devtools.bench.speed import format_speed, run_speed
from bot.devtools.bench.synthetic import (
    PHRASINGS_PER_FACT,
    generate_facts,
    generate_prefixes,
    generate_queries,
)
from bot.devtools.bench.timing import percentile
from tests.devtools.bench.shared import TINY, write

# -- quality report ----------------------------------------------------------------------------


class FakeMatcher:
    """Answers from a table: question -> (answer id or None, top-ranked id or None)."""

    def __init__(self, kb, table: dict[str, tuple[str | None, str | None]]) -> None:
        self.kb, self.table = kb, table

    def match(self, question: str) -> SimpleNamespace:
        answer, _ = self.table[question]
        return SimpleNamespace(fact=self.kb.facts[answer] if answer else None)

    def rank(self, question: str, *, limit: int = 10) -> list:
        _, top = self.table[question]
        return [(self.kb.facts[top], 0.5)] if top else []


def test_quality_counts_on_a_tiny_set(tmp_path):
    ds = load_dataset(write(tmp_path, {**TINY, "name": "CLINC150 tiny"}))
    texts = [q.text for q in ds.queries]
    table = {
        texts[0]: ("salary", "salary"),  # right
        texts[1]: (None, "degree"),  # declined, but ranked right
        texts[2]: ("salary", "salary"),  # wrong
        texts[3]: (None, None),  # out of scope, declined
    }
    report = run_quality(ds, matcher_factory=lambda kb: FakeMatcher(kb, table))
    bot = report.systems[0]
    assert bot.system == CAREERBOT
    assert (bot.in_scope, bot.correct, bot.in_scope_declined, bot.wrong) == (3, 1, 1, 1)
    assert (bot.out_of_scope, bot.out_of_scope_declined, bot.raw_correct) == (1, 1, 2)
    assert [t.met for t in report.targets] == [False, True]  # 33 % in scope, 100 % declined
    # CareerBot's ranking and two baselines, tuned two ways and to decline 85 % out of scope
    assert len(report.systems) == 10
    assert all(s.threshold is not None and s.raw_correct is None for s in report.systems[1:])
    tuned = report.systems[1]  # CareerBot's best score against a threshold tuned on the set
    assert tuned.system == f"{CAREERBOT_TUNED} (tuned: count)"
    assert (tuned.correct, tuned.wrong, tuned.out_of_scope_declined) == (2, 1, 1)
    text = format_report(report)
    assert "in-scope top-1 >= 78%: MISSED; out-of-scope declined >= 88%: met" in text
    assert "tuned on these very test queries" in text
    goal = report.systems[3]  # one out of scope: declining 85 % of it means declining it
    assert goal.system == f"{CAREERBOT_TUNED} (tuned: declines 88%)"
    assert (goal.out_of_scope_declined, goal.tuned_for) == (1, "declines 88%")
    assert "the lowest threshold declining 88% of out of scope" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["systems"][0]["top1"] == pytest.approx(1 / 3)
    assert data["systems"][0]["raw_top1"] == pytest.approx(2 / 3)


def test_stackfaq_target_and_no_declining_without_out_of_scope(tmp_path):
    data = {**TINY, "name": "StackFAQ tiny", "queries": TINY["queries"][:3]}
    ds = load_dataset(write(tmp_path, data))
    table = {q.text: (q.expected[0], q.expected[0]) for q in ds.queries}
    report = run_quality(ds, matcher_factory=lambda kb: FakeMatcher(kb, table))
    assert [(t.label, t.met) for t in report.targets] == [("StackFAQ top-1", True)]
    assert [s.system for s in report.systems[:2]] == [CAREERBOT, CAREERBOT_TUNED]
    assert len(report.systems) == 4
    assert all(s.threshold == 0.0 and s.in_scope_declined == 0 for s in report.systems[1:])


# -- speed -------------------------------------------------------------------------------------


def test_generator_is_deterministic_with_ten_distinct_phrasings():
    facts = generate_facts(300, seed=7)
    assert facts == generate_facts(300, seed=7)
    assert facts != generate_facts(300, seed=8)
    assert len(facts) == 300 and len({f.id for f in facts}) == 300
    for fact in facts:
        assert len(fact.phrasings) == PHRASINGS_PER_FACT
        assert len({phrasing_key(p) for p in fact.phrasings}) == PHRASINGS_PER_FACT
        assert len(fact.question) <= 100
    keys = [phrasing_key(p) for f in facts for p in f.phrasings]
    assert len(set(keys)) == len(keys)  # distinct across facts too


def test_generated_queries_and_prefixes_are_deterministic():
    facts = generate_facts(50, seed=1)
    queries = generate_queries(facts, 200, seed=1)
    assert queries == generate_queries(facts, 200, seed=1)
    ids = {f.id for f in facts}
    assert all(q.expected in ids for q in queries if q.expected)
    assert 0 < sum(q.expected is None for q in queries) < 100
    prefixes = generate_prefixes(facts, 50, seed=1)
    assert prefixes == generate_prefixes(facts, 50, seed=1)
    assert all(1 <= len(p.split()) <= 5 for p in prefixes)


def test_percentile_is_nearest_rank():
    ns = [i * 1_000_000 for i in range(1, 101)]
    assert percentile(ns, 0.5) == 50.0 and percentile(ns, 0.99) == 99.0 and percentile([], 0.5) == 0


def test_speed_run_small():
    report = run_speed(120, seed=3, queries=30)
    assert report.facts == 120 and report.phrasings == 1200
    assert report.yaml_load_s is not None, report.notes  # the project's loader read our files
    assert report.match.count == 30 and report.complete.count == 30
    assert report.peak_rss_mb > 0
    assert report.rss_released_mb is None or 0 < report.rss_released_mb <= report.peak_rss_mb
    assert report.targets[0].label == "match p99"
    assert "(at N=120, not 10,000)" in format_speed(report)
    assert json.loads(json.dumps(report.to_json()))["facts"] == 120
