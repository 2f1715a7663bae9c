"""How a base match and a layer match of one question make one answer (no model needed)."""

from __future__ import annotations

from bot.core.knowledge.models import Fact
from bot.core.layers import combined, completions
from bot.core.matching import MatchResult, Suggestion, Thresholds

T = Thresholds(answer=0.6, lead=1.05, floor=0.6, sure_lead=1.05, strong=0.65, suggest=0.45)
BASE, BASE_2, LOCAL, LOCAL_2 = (Fact(i, f"{i}?", i) for i in ("base", "base-2", "local",
                                                               "local-2"))


def result(fact: Fact | None, confidence: float, *offered: tuple[Fact, float]) -> MatchResult:
    return MatchResult("q", fact, confidence, tuple(Suggestion(f, s) for f, s in offered))


def test_the_one_that_answers_wins():
    assert combined(result(None, 0.5), result(LOCAL, 0.7), T).fact is LOCAL
    assert combined(result(BASE, 0.8), result(None, 0.5), T).fact is BASE


def test_both_answer_the_higher_confidence_wins_and_the_layer_on_a_tie():
    assert combined(result(BASE, 0.9), result(LOCAL, 0.7), T).fact is BASE
    assert combined(result(BASE, 0.7), result(LOCAL, 0.9), T).fact is LOCAL
    assert combined(result(BASE, 0.8), result(LOCAL, 0.8), T).fact is LOCAL


def test_a_close_rival_is_offered_with_the_answer():
    close = combined(result(BASE, 0.71), result(LOCAL, 0.70), T)
    assert (close.fact, [s.fact for s in close.suggestions]) == (BASE, [LOCAL])
    far = combined(result(BASE, 0.95), result(LOCAL, 0.70), T)
    assert far.suggestions == ()
    declined_rival = combined(result(BASE, 0.70), result(None, 0.69, (LOCAL, 0.69)), T)
    assert [s.fact for s in declined_rival.suggestions] == [LOCAL]


def test_the_winners_own_closer_runner_up_is_kept():
    kept = combined(result(BASE, 0.70, (BASE_2, 0.69)), result(LOCAL, 0.68), T)
    assert [s.fact for s in kept.suggestions] == [BASE_2]


def test_both_decline_with_the_best_suggestions_of_both():
    declined = combined(result(None, 0.55, (BASE, 0.55), (BASE_2, 0.46)),
                        result(None, 0.58, (LOCAL, 0.58), (LOCAL_2, 0.50)), T)
    assert declined.fact is None and declined.confidence == 0.58
    assert [s.fact for s in declined.suggestions] == [LOCAL, BASE, LOCAL_2]


def test_autocomplete_alternates_the_layers_and_the_bases_facts():
    assert completions([BASE, BASE_2], [LOCAL], 3) == [LOCAL, BASE, BASE_2]
    assert completions([BASE], [LOCAL, LOCAL_2], 2) == [LOCAL, BASE]


def test_both_decline_keeps_each_sides_own_order():
    """A follow-up offers its likeliest fact first, which need not be its highest-scored one:
    the merge keeps that order while it interleaves the two sides by score."""
    follow_up = result(None, 0.6, (BASE, 0.50), (BASE_2, 0.60))  # blend order, not score order
    declined = combined(follow_up, result(None, 0.55, (LOCAL, 0.55)), T)
    assert [s.fact for s in declined.suggestions] == [LOCAL, BASE, BASE_2]
    alone = combined(follow_up, result(None, 0.3), T)
    assert [s.fact for s in alone.suggestions] == [BASE, BASE_2]


def test_tell_me_more_after_one_sides_answer_is_that_sides():
    """After the base's answer, "tell me more" is the base's related questions, though the
    layer, without that context, answers the words with one of its facts."""
    more = MatchResult("tell me more", None, 1.0, (Suggestion(BASE_2, 1.0),), more_about=BASE)
    assert combined(more, result(LOCAL, 0.9), T) is more
    assert combined(result(BASE, 0.9), more, T) is more
