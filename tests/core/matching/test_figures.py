"""A figure quoted from the sources ("is 127k still the average", "that 14k bonus") singles out
the facts that give it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher
from bot.core.matching.decisions import MAX_FIGURE_FACTS
from bot.core.matching.normalize import clean, is_figure, stem, words
from tests.shipped import with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical rules, with the scores they construct: the meaning signal is off here (its
tests are in test_semantic.py)."""


def test_figures_are_numbers_of_two_digits_or_thousands_but_not_years():
    for term in ("127k", "14k", "71", "344", "6747"):
        assert is_figure(term), term
    for term in ("2024", "1999", "2099", "7", "k", "ml", "12a", "", "\u0663\u0664\u0664"):
        assert not is_figure(term), term
    assert is_figure(stem("127712")) and is_figure("2100")


@given(st.text(max_size=30))
def test_a_figure_is_ascii_digits_perhaps_in_thousands(text):
    for term in map(stem, words(clean(text))):
        if is_figure(term):
            digits = term.removesuffix("k")
            assert digits.isascii() and digits.isdigit()
            assert term.endswith("k") or len(digits) >= 2


def _facts(*figure_holders: str) -> list[Fact]:
    """The premium's figure is in its keywords and answer, as in the shipped knowledge base;
    each of `figure_holders` gets it as a keyword too."""
    return [
        Fact("pay", "how much do ml engineers earn", "About $127,712 a year (2024).",
             alternates=("ml engineer salary", "what do mles make"),
             keywords=("127,712", "salary", *(["14,175"] if "pay" in figure_holders else []))),
        Fact("premium", "do ai skills come with a salary premium",
             "A $14,175 premium (a 2020 study).",
             alternates=("do ai skills pay more", "salary bump for ml skills"),
             keywords=("14,175", "premium")),
        Fact("what-is-ml", "what is machine learning", "A definition.",
             alternates=("what is this machine learning thing i keep hearing about", "define ml"),
             keywords=("14,175",) if "what-is-ml" in figure_holders else ()),
    ]


CHATTY = "that 14k thing for ml skills i keep hearing about, what is it"


def test_a_quoted_figure_answers_with_the_fact_that_gives_it():
    matcher = Matcher(with_vocabulary(_facts()))
    assert matcher.rank(CHATTY)[0][0].id == "what-is-ml"  # the chat around it reads so
    result = matcher.match(CHATTY)
    assert result.fact is not None and result.fact.id == "premium"
    # The fact the words pointed at is offered alongside.
    assert [s.fact.id for s in result.suggestions] == ["what-is-ml"]
    # A year dates a figure and is not one.
    year = matcher.match("what happened in 2020 with ml skills i keep hearing about")
    assert year.fact is not None and year.fact.id == "what-is-ml"


def test_a_quoted_figure_answers_no_close_call_where_the_bot_speaks_unprompted():
    """Unprompted, the bot answers only a clear winner (no close calls)."""
    matcher = Matcher(with_vocabulary(_facts()))
    unprompted = replace(matcher.thresholds, close_calls=False)
    assert not unprompted.close_calls and matcher.thresholds.close_calls
    result = matcher.match(CHATTY, thresholds=unprompted)
    assert result.fact is not None and result.fact.id == "what-is-ml"  # the words' clear pick


def test_a_figure_many_facts_give_singles_out_none():
    holders = ("pay", "what-is-ml")
    assert len(holders) + 1 > MAX_FIGURE_FACTS
    matcher = Matcher(with_vocabulary(_facts(*holders)))
    result = matcher.match(CHATTY)
    assert result.fact is not None and result.fact.id == "what-is-ml"


def test_a_quoted_figure_needs_the_fact_to_score_the_floor(shipped_matcher):
    """A bare figure is not a question: too little else of the fact is asked about."""
    assert shipped_matcher.rank("344")[0][0].id == "job-postings-growth"
    assert not shipped_matcher.match("344").answered
    result = shipped_matcher.match("someone said ai skills add like 14k to a salary, legit?")
    assert result.fact is not None and result.fact.id == "ml-skills-salary-premium"
