"""The benchmark data sets and the lexical baselines (BM25, RapidFuzz) with their thresholds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from tests.devtools.bench.shared import TINY, write

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
