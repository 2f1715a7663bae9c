"""`evaluate`: the shares `python -m bot eval` prints, on a small knowledge base."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.service import AnswerService
from bot.devtools.evaluation import GoldQuestion, evaluate


def _service() -> AnswerService:
    return AnswerService(KnowledgeBase.from_facts([
        Fact("course-topics", "what does the ml course teach", "Topics.",
             alternates=("does the ml course cover gradient descent",
                         "is gradient descent in the ml course")),
        Fact("pay", "how much do ml engineers earn", "Pay.",
             alternates=("ml engineer salary", "what do mles make")),
    ]))


def test_a_decline_that_suggests_an_expected_fact_is_counted_apart():
    service = _service()
    # a course fact never says what gradient descent is
    declined = service.matcher.match("what is gradient descent")
    assert not declined.answered
    assert [s.fact.id for s in declined.suggestions] == ["course-topics"]
    report = evaluate(service, [
        GoldQuestion("how much do ml engineers make", ("pay",)),
        GoldQuestion("what is gradient descent", ("course-topics",)),  # suggested
        GoldQuestion("what is gradient descent", ("pay",)),  # declined, not suggested
        GoldQuestion("does the ml course cover gradient descent", ("pay",)),  # wrong
        GoldQuestion("how much does a nurse make", ()),
    ])
    assert (report.answerable, report.correct, report.wrong) == (4, 1, 1)
    assert (report.declined, report.declined_suggested) == (2, 1)
    assert report.declined_suggested_share == 0.25
    # ranked first, answered or not: the pay question, and "what is gradient descent" for
    # the course fact it was declined for
    assert report.ranked_first == 2 and report.ranked_first_share == 0.5
    assert (report.out_of_scope, report.out_of_scope_declined) == (1, 1)
    assert [m.question.text for m in report.misses] == [
        "what is gradient descent", "what is gradient descent",
        "does the ml course cover gradient descent"]


def test_the_frontier_is_the_bots_own_decisions_at_shift_zero_and_stricter_above(
        shipped_semantic_service):
    from bot.devtools.evaluation import DEFAULT_GOLD, frontier, load_gold

    questions = load_gold(DEFAULT_GOLD)[::5]
    rows = frontier(shipped_semantic_service.matcher, questions, (-0.04, 0.0, 0.04, 0.12))
    own = evaluate(shipped_semantic_service, questions)
    (_, at_zero), = [(shift, report) for shift, report in rows if shift == 0]
    assert (at_zero.correct, at_zero.wrong, at_zero.declined, at_zero.out_of_scope_declined) == (
        own.correct, own.wrong, own.declined, own.out_of_scope_declined)
    answered = [r.correct + r.wrong + r.out_of_scope - r.out_of_scope_declined for _, r in rows]
    assert answered == sorted(answered, reverse=True) and answered[0] > answered[-1]


@given(st.lists(st.text(alphabet="abcdefghij XYZ", max_size=40), max_size=5),
       st.floats(0, 1), st.integers(0, 1000))
def test_mistyped_copies_keep_each_question_its_shape(texts, rate, seed):
    """Each copy changes only words of five letters or more, by one letter, never the first;
    the expected facts are kept; a seed gives the same copies."""
    from bot.devtools.evaluation import TYPO_COPIES, with_typos

    questions = [GoldQuestion(text, ("fact",)) for text in texts]
    copies = with_typos(questions, rate, seed)
    assert copies == with_typos(questions, rate, seed)
    assert len(copies) == TYPO_COPIES * len(questions)
    for n, copy in enumerate(copies):
        original = questions[n % len(questions)]
        assert copy.expect == original.expect
        before, after = original.text.split(" "), copy.text.split(" ")
        assert len(before) == len(after)
        for word, typed in zip(before, after, strict=True):
            if typed != word:
                assert len(word) >= 5 and typed[0] == word[0]
                assert abs(len(typed) - len(word)) <= 1


def test_no_typos_at_rate_zero_and_every_long_word_mistyped_at_one():
    from bot.devtools.evaluation import with_typos

    question = [GoldQuestion("how much do machine learning engineers make", ("pay",))]
    assert {q.text for q in with_typos(question, 0.0)} == {question[0].text}
    for copy in with_typos(question, 1.0):
        assert copy.text != question[0].text
        assert copy.text.split()[:3] + copy.text.split()[-1:] == ["how", "much", "do", "make"]
