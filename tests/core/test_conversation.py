"""Follow-ups read in context (`bot.core.conversation`): the blend, the decline, the memory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.conversation import (
    MAX_CONTEXT_CHARS,
    Context,
    Conversations,
    follow_up,
    joined,
)

PAY = Context("how much does a machine learning engineer earn", "average-salary")
DEGREE = Context("do i need a degree to become an ml engineer", "degree-required")


@pytest.mark.parametrize(("context", "question", "expected"), [
    (PAY, "and in 2022?", "average-salary"),
    (DEGREE, "and a phd?", "masters-or-phd"),
    (Context("what is machine learning", "what-is-machine-learning"), "where would i see it",
     "where-is-ml-used"),
])
def test_an_elliptical_follow_up_finds_its_fact_only_in_context(shipped_semantic_matcher,
                                                                 context, question, expected):
    assert not shipped_semantic_matcher.match(question).answered
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is not None and result.fact.id == expected
    assert result.question == question


def test_a_new_question_after_an_answer_is_answered_as_itself(shipped_semantic_matcher):
    result = follow_up(shipped_semantic_matcher, "what does a machine learning engineer do",
                       PAY)
    assert result.fact is not None and result.fact.id == "what-does-an-ml-engineer-do"


def test_a_complete_question_is_scored_once_not_joined_to_the_context(shipped_semantic_matcher,
                                                                     monkeypatch):
    """A follow-up the matcher answers alone with a clear lead is answered exactly as
    `match` would, without the second (joined) reading, which would cost a full match."""
    question = "do i need a degree to become a machine learning engineer"
    alone = shipped_semantic_matcher.match(question)
    assert alone.answered and not alone.suggestions
    readings = []
    scored = shipped_semantic_matcher.match_ranked
    monkeypatch.setattr(shipped_semantic_matcher, "match_ranked",
                        lambda text, **kw: readings.append(text) or scored(text, **kw))
    assert follow_up(shipped_semantic_matcher, question, PAY) == alone
    assert readings == [question]


def test_a_follow_up_the_knowledge_base_does_not_cover_is_declined(shipped_semantic_matcher):
    result = follow_up(shipped_semantic_matcher, "and in the uk?", PAY)
    assert result.fact is None


def test_a_declined_follow_up_offers_the_likeliest_fact_first(shipped_semantic_matcher):
    """Neither reading is sure enough, but the follow-up's own words point past the earlier
    answer: its fact is offered first (the joined reading alone would offer the earlier
    answer's first), and every offer is one a reading would have made."""
    context = Context("will companies still want people with ml skills in a few yrs",
                      "ml-skills-demand-growth")
    result = follow_up(shipped_semantic_matcher, "do they pay extra for it", context)
    assert result.fact is None
    offered = [s.fact.id for s in result.suggestions]
    assert offered[0] == "ml-skills-salary-premium"
    joined = shipped_semantic_matcher.match(f"{context.question} do they pay extra for it")
    alone = shipped_semantic_matcher.match("do they pay extra for it")
    assert joined.suggestions[0].fact.id == "ml-skills-demand-growth"
    by_readings = {}
    for s in joined.suggestions + alone.suggestions:
        by_readings[s.fact.id] = max(s.score, by_readings.get(s.fact.id, 0.0))
    # every offer is one a reading made, with that reading's score
    assert {s.fact.id: s.score for s in result.suggestions}.items() <= by_readings.items()


def test_the_service_reads_a_question_in_context(shipped_semantic_service):
    service = shipped_semantic_service
    assert not service.ask("and a phd?", via="test", record=False).answered
    answer = service.ask("and a phd?", via="test", record=False, context=DEGREE)
    assert answer.fact_id == "masters-or-phd"
    # A context whose fact has been removed since is ignored, not an error.
    gone = Context(DEGREE.question, "no-such-fact")
    assert not service.ask("and a phd?", via="test", record=False, context=gone).answered


def test_contexts_are_per_person_and_channel_and_expire():
    memory = Conversations(seconds=60)
    memory.remember(1, 10, PAY, now=100.0, answer_message=555)
    assert memory.recall(1, 10, now=150.0) == PAY
    assert memory.recall(2, 10, now=150.0) is None  # another person
    assert memory.recall(1, 11, now=150.0) is None  # another channel
    assert memory.of_answer(555) == PAY
    assert memory.recall(1, 10, now=161.0) is None  # expired, and forgotten
    assert memory.recall(1, 10, now=100.0) is None


def test_memory_is_bounded():
    memory = Conversations(limit=3)
    for person in range(10):
        memory.remember(person, 1, PAY, answer_message=person)
    assert [memory.recall(p, 1) is not None for p in range(10)] == [False] * 7 + [True] * 3
    assert memory.of_answer(0) is None and memory.of_answer(9) == PAY


@given(st.text(max_size=400), st.text(max_size=400))
def test_a_joined_context_stays_bounded_and_keeps_the_latest_words(earlier, question):
    context = joined(Context(earlier, "f"), question)
    assert len(context.question) <= MAX_CONTEXT_CHARS
    assert context.fact_id == "f"
    assert f"{earlier} {question}".endswith(context.question)
