"""Where the bot speaks unprompted it answers only what asks something (`bot.core.modes`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.modes import Mode, looks_like_question, worth_answering


@pytest.mark.parametrize("text", [
    "how much do ml engineers earn", "What's a typical salary", "is a masters worth it",
    "salary for ml engineers?", "  anyone know how long it takes  ",
])
def test_questions_are_worth_answering_unprompted(text):
    assert looks_like_question(text) and worth_answering(text, Mode.UNPROMPTED)


@pytest.mark.parametrize("text", ["lol nice", "I got the job!", "thanks everyone", ""])
def test_chat_is_left_alone_unprompted_but_answered_when_addressed(text):
    assert not worth_answering(text, Mode.UNPROMPTED)
    assert worth_answering(text, Mode.ADDRESSED)


@given(st.text(max_size=200))
def test_any_text_gets_a_verdict_and_a_question_mark_makes_a_question(text):
    assert worth_answering(text, Mode.ADDRESSED)
    assert looks_like_question(text + "?")
    assert isinstance(looks_like_question(text), bool)
