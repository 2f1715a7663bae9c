"""The knowledge base the project ships: valid, complete enough, every quote real."""

from __future__ import annotations

import pytest

from bot.evaluation import DEFAULT_GOLD, evaluate, load_gold
from bot.knowledge.loader import bundled_knowledge_dir, load_report, phrasing_key
from bot.knowledge.quotes import check_quotes
from tests.conftest import SHARED_DOCUMENTS

MIN_PHRASINGS = 6


def test_shipped_knowledge_base_is_valid():
    report = load_report(bundled_knowledge_dir())
    assert report.ok, "\n".join(str(i) for i in report.issues)


def test_every_fact_has_enough_distinct_phrasings(shipped_kb):
    for fact in shipped_kb.facts.values():
        distinct = {phrasing_key(p) for p in fact.phrasings}
        assert len(distinct) >= MIN_PHRASINGS, fact.id
        assert fact.citations, fact.id


def test_every_source_is_cited_or_credited(shipped_kb):
    cited = {c.source for f in shipped_kb.facts.values() for c in f.citations}
    documents = {s.id for s in shipped_kb.sources.values() if s.document}
    assert documents <= cited


@pytest.mark.skipif(not SHARED_DOCUMENTS.is_dir(), reason="source documents not beside the repo")
def test_every_quote_is_in_its_source_document(shipped_kb):
    issues = check_quotes(shipped_kb, SHARED_DOCUMENTS)
    assert not issues, "\n".join(str(i) for i in issues)


# The issue's gate: the build fails below 90 % correct, above 5 % wrong or below 90 % of the
# out-of-scope questions declined. Measured 93.0 % / 2.3 % / 92.9 % (`python -m bot eval`;
# the targets, 95 / 2 / 95, are all missed, as the README reports). The
# matcher is deterministic: this catches a change to it or the knowledge base, not a busy machine.
FLOOR_CORRECT, CEILING_WRONG, FLOOR_DECLINED = 0.90, 0.05, 0.90


def test_gold_set_quality_floor(shipped_matcher):
    report = evaluate(shipped_matcher, load_gold(DEFAULT_GOLD))
    assert report.correct_share >= FLOOR_CORRECT
    assert report.wrong_share <= CEILING_WRONG
    assert report.out_of_scope_declined_share >= FLOOR_DECLINED


# The fresh set (tests/data/fresh.yaml) was written later, from the documents and the list of
# fact ids only, and never used to tune anything: measured 90.8 % / 4.2 % / 95.0 % when added.
FRESH = DEFAULT_GOLD.with_name("fresh.yaml")
FRESH_FLOOR_CORRECT, FRESH_CEILING_WRONG, FRESH_FLOOR_DECLINED = 0.85, 0.07, 0.90


def test_fresh_set_quality_floor(shipped_matcher):
    report = evaluate(shipped_matcher, load_gold(FRESH))
    assert report.answerable >= 100 and report.out_of_scope >= 40
    assert report.correct_share >= FRESH_FLOOR_CORRECT
    assert report.wrong_share <= FRESH_CEILING_WRONG
    assert report.out_of_scope_declined_share >= FRESH_FLOOR_DECLINED


# The held-out set (tests/data/holdout.yaml) was written in November 2026 the same way, blind
# to knowledge/ and the other sets, to check that changes made since generalise: measured
# 89.1 % / 1.8 % / 91.4 % when added.
HOLDOUT = DEFAULT_GOLD.with_name("holdout.yaml")


def test_holdout_set_quality_floor(shipped_matcher):
    report = evaluate(shipped_matcher, load_gold(HOLDOUT))
    assert report.answerable >= 100 and report.out_of_scope >= 30
    assert report.correct_share >= 0.82
    assert report.wrong_share <= 0.07
    assert report.out_of_scope_declined_share >= 0.82


@pytest.mark.parametrize(
    "gold", [DEFAULT_GOLD, FRESH, HOLDOUT], ids=["gold", "fresh", "holdout"])
def test_gold_sets_reference_only_known_facts(shipped_kb, gold):
    for question in load_gold(gold):
        assert set(question.expect) <= set(shipped_kb.facts), question.text
