"""`evaluate`: the shares `python -m bot eval` prints, on a small knowledge base."""

from __future__ import annotations

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
    assert (report.out_of_scope, report.out_of_scope_declined) == (1, 1)
    assert [m.question.text for m in report.misses] == [
        "what is gradient descent", "what is gradient descent",
        "does the ml course cover gradient descent"]
