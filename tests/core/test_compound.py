"""Several questions in one message (`bot.core.compound`, `AnswerService.ask`): cut where a
new question starts, each part answered."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.compound import MAX_CHARS, MAX_PARTS, MIN_WORDS, questions_in
from bot.core.conversation import Context


@pytest.mark.parametrize(("text", "parts"), [
    ("how much do ml engineers make and do i need a masters?",
     ("how much do ml engineers make", "do i need a masters?")),
    ("mle salary? is it entry level?", ("mle salary?", "is it entry level?")),
    ("how much do they make? and also can i work remotely",
     ("how much do they make?", "can i work remotely")),
    ("what does an ml engineer do, also what skills do they need",
     ("what does an ml engineer do", "what skills do they need")),
    ("how much do they make, how long does it take to get there",
     ("how much do they make", "how long does it take to get there")),
    ("i did a bootcamp. what should i learn first",
     ("i did a bootcamp", "what should i learn first")),
    ("is it hard or do i just need practice", ("is it hard", "do i just need practice")),
    ("a? b? c? d e? f g? h i?", ("d e?", "f g?", "h i?")),
    ("1. how much do they make 2. do i need a degree",
     ("how much do they make", "do i need a degree")),
    ("how much do they make\nwhat skills do i need", ("how much do they make",
                                                      "what skills do i need")),
])
def test_a_message_is_cut_where_a_new_question_starts(text, parts):
    assert questions_in(text) == parts


@pytest.mark.parametrize("text", [
    "how much do ml engineers make",
    "do i need python and statistics",  # "and" before no question word: one question
    "im a junior dev, what would i make as an ml engineer",  # the comma says who asks
    "what's the pay? why?",  # "why?" is too short to be a question of its own
    "salary and outlook for ml engineers",
    "Salary question\nhi, im new here and wondering how much ml engineers make",  # a post
    "do i need 2 degrees",
    "",
])
def test_one_question_is_not_cut(text):
    assert questions_in(text) == ()


@pytest.mark.parametrize("text", ["\n " * 300, " \n" * 300, "\t\n " * 200, " " * 599 + "x",
                                  " and" * 150, ", " * 300, " 1." * 200, "? " * 300])
def test_no_message_makes_cutting_slow(text):
    """A hostile message can not stall the matching thread: 600 alternating line breaks and
    spaces took 2.3 s to cut while the cut backtracked into runs of spaces (now ~0.2 ms; the
    bound is generous, for slow machines)."""
    started = time.perf_counter()
    questions_in(text[:MAX_CHARS])
    assert time.perf_counter() - started < 0.2


def test_a_very_long_message_is_read_whole():
    question = "how much do ml engineers make and do i need a masters? "
    assert questions_in(question * (MAX_CHARS // len(question) + 1)) == ()


@given(st.lists(st.sampled_from(["a", "bc", " ", "?", ".", ",", ";", "!", " and ", " or how ",
                                  ", what ", "? do ", ". is ", "how", "\n", " 2. ", "1) "]),
                max_size=60).map("".join))
def test_the_parts_are_the_messages_own_words_in_order(text):
    parts = questions_in(text)
    assert parts == () or 2 <= len(parts) <= MAX_PARTS
    position = 0
    for part in parts:
        assert len(part.split()) >= MIN_WORDS
        found = text.find(part, position)
        assert found >= position
        position = found + len(part)


# -- answered, through the service ----------------------------------------------------------

def facts(answer) -> list[str]:
    return [a.fact_id for a in (answer, *answer.also)]


def test_each_question_of_a_message_gets_its_answer_in_order(shipped_semantic_service):
    service = shipped_semantic_service
    question = "how much do ml engineers make and do i need a masters?"
    whole = service.matcher.match(question)
    assert whole.fact is not None and whole.fact.id == "masters-or-phd"  # one, silently
    answer = service.ask(question, via="test", record=False)
    assert facts(answer) == ["average-salary", "masters-or-phd"]
    assert all(a.answered and a.citations for a in (answer, *answer.also))
    assert answer.to_json()["also"][0]["fact_id"] == "masters-or-phd"


def test_a_question_with_one_answerable_part_gets_that_answer(shipped_semantic_service):
    """Matched whole, a question the sources answer drowns in one they do not; each part
    read alone, the first is answered and the second (about the weather) is not."""
    service = shipped_semantic_service
    question = "how much do ml engineers make? and whats the weather in paris today"
    assert not service.matcher.match(question).answered
    answer = service.ask(question, via="test", record=False)
    assert facts(answer) == ["average-salary"]


def test_a_single_question_gets_one_answer_and_it_can_be_turned_off(shipped_semantic_service):
    service = shipped_semantic_service
    assert service.ask("what does an ml engineer do", via="t", record=False).also == ()
    service.answers_each_question = False
    try:
        answer = service.ask("how much do ml engineers make and do i need a masters?",
                             via="t", record=False)
        assert facts(answer) == ["masters-or-phd"]
    finally:
        service.answers_each_question = True


def test_the_first_question_of_a_follow_up_follows_the_answer_before(shipped_semantic_service):
    """"and in 2022?" is a follow-up of the pay answer, "do i need a masters" a question of
    its own: read without the context, the first part was declined and the message got only
    its whole reading's answer (the pay), the masters question dropped."""
    pay = Context("how much do ml engineers make", "average-salary")
    answer = shipped_semantic_service.ask("and in 2022? also do i need a masters", via="t",
                                          record=False, context=pay)
    assert facts(answer) == ["average-salary", "masters-or-phd"]


def test_a_part_only_the_message_makes_a_question_gets_the_messages_answer(
        shipped_semantic_service):
    """"how much do they make?" alone names nobody (declined); the message read whole is a
    question about ML pay. It got that answer alone, the role question dropped: now the
    role, then the pay, in the message's order."""
    service = shipped_semantic_service
    assert not service.ask("how much do they make?", via="t", record=False).answered
    answer = service.ask("what does an ml engineer do and how much do they make?", via="t",
                         record=False)
    assert facts(answer) == ["what-does-an-ml-engineer-do", "average-salary"]
