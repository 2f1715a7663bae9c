"""The benchmark commands: data set loading, baselines, threshold tuning, reports, generator."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.knowledge.loader import phrasing_key
from bot.devtools import commands as bench_cmd
from bot.devtools.bench.baselines import (
    BM25,
    BM25Baseline,
    FuzzBaseline,
    Outcome,
    answered,
    threshold_declining,
    tokenize,
    tune_threshold,
)
from bot.devtools.bench.datasets import DatasetError, Query, load_dataset
from bot.devtools.bench.quality import CAREERBOT, CAREERBOT_TUNED, format_report, run_quality
from bot.devtools.bench.speed import format_speed, run_speed
from bot.devtools.bench.synthetic import (
    PHRASINGS_PER_FACT,
    generate_facts,
    generate_prefixes,
    generate_queries,
)
from bot.devtools.bench.timing import percentile

SHARED_BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"

TINY = {
    "name": "Tiny StackFAQ-like set",
    "source": "written for this test",
    "license": "CC0",
    "how_built": "by hand",
    "entries": [
        {"id": "salary", "question": "How much does an ML engineer earn?", "answer": "A lot."},
        {
            "id": "degree",
            "question": "Do I need a degree?",
            "alternates": ["Is a bachelor's degree required?"],
            "answer": "Usually.",
        },
        {"id": "python", "question": "Which language should I learn first?", "answer": "Python."},
    ],
    "queries": [
        {"text": "what is the pay of a machine learning engineer", "expected": ["salary"]},
        {"text": "is a degree required", "expected": ["degree"]},
        {"text": "first programming language to learn", "expected": ["python"]},
        {"text": "what is the weather in paris", "expected": []},
    ],
}


def write(tmp_path: Path, data: object, name: str = "set.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# -- data sets ---------------------------------------------------------------------------------


def test_dataset_loads_into_typed_objects(tmp_path):
    ds = load_dataset(write(tmp_path, TINY))
    assert ds.name == TINY["name"] and ds.license == "CC0"
    assert [e.id for e in ds.entries] == ["salary", "degree", "python"]
    assert ds.entries[1].alternates == ("Is a bachelor's degree required?",)
    assert ds.queries[0] == Query("what is the pay of a machine learning engineer", ("salary",))
    assert [q.in_scope for q in ds.queries] == [True, True, True, False]
    kb = ds.knowledge_base()
    assert set(kb.facts) == {"salary", "degree", "python"}
    assert kb.facts["degree"].phrasings == (
        "Do I need a degree?",
        "Is a bachelor's degree required?",
    )


def test_limit_spreads_queries_over_the_file(tmp_path):
    ds = load_dataset(write(tmp_path, TINY))
    assert ds.limited(None) is ds and ds.limited(10) is ds
    two = ds.limited(2)
    assert [q.text for q in two.queries] == [ds.queries[0].text, ds.queries[2].text]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match=r"nope\.json: no such file"):
        load_dataset(tmp_path / "nope.json")


def test_bad_json_names_the_line(tmp_path):
    path = write(tmp_path, '{"name": "x",\n "entries": [,]}')
    with pytest.raises(DatasetError, match=r"set\.json: not valid JSON \(line 2"):
        load_dataset(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: [d], "top level: expected a JSON object, found a list"),
        (lambda d: {**d, "name": ""}, '"name": missing'),
        (lambda d: {**d, "entries": []}, '"entries": missing or not a non-empty list'),
        (lambda d: {**d, "entries": [*d["entries"], d["entries"][0]]}, 'duplicate id "salary"'),
        (lambda d: {**d, "entries": [{"id": "a", "question": "q"}]}, 'entries\\[0\\]: "answer"'),
        (
            lambda d: {**d, "entries": [{**d["entries"][0], "alternates": "one"}]},
            '"alternates" must be a list of strings',
        ),
        (lambda d: {**d, "queries": [{"text": "", "expected": []}]}, 'queries\\[0\\]: "text"'),
        (lambda d: {**d, "queries": [{"text": "q", "expected": "salary"}]}, '"expected" must be'),
        (
            lambda d: {**d, "queries": [{"text": "q", "expected": ["ghost"]}]},
            "unknown entry id\\(s\\): ghost",
        ),
    ],
)
def test_wrong_shape_names_the_place(tmp_path, change, message):
    path = write(tmp_path, change(json.loads(json.dumps(TINY))))
    with pytest.raises(DatasetError, match=message) as caught:
        load_dataset(path)
    assert str(caught.value).startswith(str(path))


# -- baselines ---------------------------------------------------------------------------------


def test_tokenize_uses_rapidfuzz_processing():
    assert tokenize("What's the PAY, really?") == ["what", "s", "the", "pay", "really"]


def test_bm25_ranks_the_obvious_document_first():
    docs = [
        tokenize("how much does a data scientist earn"),
        tokenize("which programming language should i learn first python or java"),
        tokenize("do i need a degree to become a machine learning engineer"),
    ]
    scores = BM25(docs).scores(tokenize("programming language to learn"))
    assert max(range(3), key=scores.__getitem__) == 1
    assert scores[0] == 0.0 and all(s >= 0 for s in scores)
    assert BM25(docs).scores(["unheard"]) == [0.0, 0.0, 0.0]


def test_baselines_map_phrasings_to_their_entry(tmp_path):
    ds = load_dataset(write(tmp_path, TINY))
    for baseline in (FuzzBaseline(ds.entries), BM25Baseline(ds.entries)):
        top, score = baseline.top("is a bachelor's degree required")
        assert top == "degree" and score > 0, baseline.name


def test_threshold_separates_right_answers_from_out_of_scope():
    outcomes = [
        Outcome("a", 90, ("a",)),
        Outcome("b", 80, ("b",)),
        Outcome("x", 70, ("c",)),  # wrong: declining it costs nothing
        Outcome("a", 40, ()),
        Outcome("b", 30, ()),
    ]
    threshold = tune_threshold(outcomes)
    assert 40 < threshold <= 80
    assert [answered(o, threshold) for o in outcomes] == [True, True, threshold <= 70, False, False]


def test_threshold_is_zero_without_out_of_scope_queries():
    assert tune_threshold([Outcome("a", 10, ("a",)), Outcome("b", 5, ("a",))]) == 0.0


def test_threshold_objectives_weigh_groups_differently():
    # 10 in scope (4 right at 50, 6 right at 30), 1 out of scope at 35.
    outcomes = [
        *(Outcome("a", 50, ("a",)) for _ in range(4)),
        *(Outcome("a", 30, ("a",)) for _ in range(6)),
        Outcome("b", 35, ()),
    ]
    assert tune_threshold(outcomes, objective="count") == 0.0  # 10 right beats 4 + 1
    assert tune_threshold(outcomes, objective="rates") == 50  # 40 % + 100 % beats 100 % + 0 %
    assert tune_threshold([Outcome("a", 10, ())], objective="rates") > 10  # decline everything
    with pytest.raises(ValueError, match="objective"):
        tune_threshold(outcomes, objective="vibes")


def test_threshold_declining_answers_all_it_can_at_the_goal():
    outcomes = [
        Outcome("a", 90, ("a",)),
        Outcome("a", 60, ("a",)),
        Outcome("a", 40, ("a",)),
        Outcome("x", 70, ()),
        Outcome("y", 50, ()),
        Outcome("z", 50, ()),
        Outcome(None, 0.0, ()),  # nothing ranked: declined at any threshold
    ]
    # 3 of 4 out of scope declined: the two at 50 must go, so answer from just above 50.
    threshold = threshold_declining(outcomes, 0.75)
    assert 50 < threshold < 60
    assert [answered(o, threshold) for o in outcomes] == [True, True, False, True, False, False,
                                                          False]
    assert threshold_declining(outcomes, 0.25) == 0.0  # the unranked one is declined anyway
    assert threshold_declining(outcomes, 1.0) > 70
    assert threshold_declining([Outcome("a", 5, ("a",))], 0.85) == 0.0  # none out of scope
    with pytest.raises(ValueError, match="share"):
        threshold_declining(outcomes, 1.5)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False), st.booleans(), st.sampled_from(["a", "b", None])
        ),
        max_size=30,
    ),
    st.floats(0, 1),
)
def test_threshold_declining_is_the_lowest_that_reaches_the_share(rows, share):
    outcomes = [
        Outcome(top, score if top else 0.0, ("a",) if in_scope else ())
        for score, in_scope, top in rows
    ]
    threshold = threshold_declining(outcomes, share)
    outside = [o for o in outcomes if not o.expected]

    def declined(t: float) -> int:
        return sum(not answered(o, t) for o in outside)

    assert declined(threshold) >= share * len(outside) - 1e-9
    lower = [o.score for o in outside if o.top is not None and o.score < threshold]
    if lower:  # a lower threshold answering one more out of scope declines too few
        assert declined(max(lower)) < share * len(outside) - 1e-9


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
    assert report.targets[0].label == "match p99"
    assert "(at N=120, not 10,000)" in format_speed(report)
    assert json.loads(json.dumps(report.to_json()))["facts"] == 120


# -- command line ------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="careerbot")
    bench_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


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
