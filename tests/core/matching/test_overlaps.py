"""The knowledge base checked against itself: phrasings that read like another fact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher
from bot.core.matching.overlaps import find_overlaps
from tests.shipped import with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical rules, with the scores they construct: the meaning signal is off here (its
tests are in test_semantic.py)."""

ROOT = Path(__file__).resolve().parents[3]


def fact(fact_id: str, question: str, *alternates: str) -> Fact:
    return Fact(fact_id, question, "An answer.", alternates=alternates)


PAY = ("how much do ml engineers earn", "ml engineer salary", "what do mles get paid",
       "average pay for machine learning engineers")
DEGREE = ("do i need a degree for ml engineering", "which degree should i study for ml",
          "is a computer science degree required", "what degree do mles have")


def test_a_phrasing_of_another_fact_is_reported():
    stray = "which degree do i need to study for ml engineering"
    kb = with_vocabulary([fact("pay", *PAY, stray), fact("degree", *DEGREE)])
    report = find_overlaps(Matcher(kb))
    assert report.phrasings == len(PAY) + 1 + len(DEGREE)
    found = {(o.fact_id, o.phrasing, o.other_id) for o in report.misranked}
    assert ("pay", stray, "degree") in found


def test_distinct_facts_have_no_overlaps():
    report = find_overlaps(Matcher(with_vocabulary([fact("pay", *PAY),
                                                             fact("degree", *DEGREE)])))
    assert report.misranked == () and report.close == ()


def test_a_held_out_phrasing_does_not_match_itself():
    matcher = Matcher(with_vocabulary([fact("pay", *PAY), fact("degree", *DEGREE)]))
    for p_index, text in enumerate(PAY):
        (plain_fact, plain), = matcher.rank(text, limit=1)
        (held_fact, held), = matcher.rank_held_out(0, p_index, limit=1)
        assert plain_fact.id == held_fact.id == "pay"
        assert held < plain  # the phrasing itself (an exact match) no longer counts


def test_a_fact_with_one_phrasing_held_out_still_ranks():
    matcher = Matcher(with_vocabulary([fact("alone", "what is machine learning"),
                                                fact("pay", *PAY)]))
    ranked = matcher.rank_held_out(0, 0)
    assert all(0.0 <= score <= 1.0 for _, score in ranked)


def test_validate_lists_overlaps_as_warnings():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", "--overlaps"], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Overlapping phrasings (warnings):" in result.stdout


def test_reads_like_names_the_fact_a_new_phrasing_belongs_to():
    from bot.core.matching.overlaps import reads_like

    stray = "which degree do i need to study for ml engineering"
    kb = with_vocabulary([fact("pay", *PAY, stray), fact("degree", *DEGREE)])
    matcher = Matcher(kb)
    assert reads_like(matcher, "pay", stray) == "degree"
    tidied = "  Which degree do I need to study for ML engineering? "  # found by its key
    assert reads_like(matcher, "pay", tidied) == "degree"
    assert reads_like(matcher, "pay", PAY[1]) is None
    assert reads_like(matcher, "pay", "not a phrasing of it") is None
    assert reads_like(matcher, "no-such-fact", stray) is None
