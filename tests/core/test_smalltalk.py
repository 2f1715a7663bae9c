"""Small talk (`bot.core.smalltalk`): whole messages only, never a question."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.smalltalk import SmallTalk, small_talk


@pytest.mark.parametrize(("text", "kind"), [
    ("hi", SmallTalk.GREETING), ("Hello there!", SmallTalk.GREETING),
    ("good morning everyone", SmallTalk.GREETING), ("yo", SmallTalk.GREETING),
    ("thanks!!", SmallTalk.THANKS), ("thank you so much 🙏", SmallTalk.THANKS),
    ("ok thanks", SmallTalk.THANKS), ("ok thx", SmallTalk.THANKS),
    ("got it, thank you!", SmallTalk.THANKS), ("ty", SmallTalk.THANKS),
    ("Thanks, that helped", SmallTalk.THANKS), ("bye", SmallTalk.GOODBYE),
    ("hey, who are you?", SmallTalk.WHO), ("what can you do?", SmallTalk.WHO),
    ("who r u", SmallTalk.WHO), ("help", SmallTalk.HELP), ("help pls", SmallTalk.HELP),
    ("what do you know about?", SmallTalk.HELP), ("What can I ask you?", SmallTalk.HELP),
    ("hey, what topics do you cover?", SmallTalk.HELP),
    ("what kind of questions can u answer", SmallTalk.HELP),
    ("how do I use this bot", SmallTalk.HELP), ("what can you help me with?", SmallTalk.HELP),
    ("hey, how's it going?", SmallTalk.GREETING), ("how are you", SmallTalk.GREETING),
    ("ok", SmallTalk.ACKNOWLEDGED), ("oh i see", SmallTalk.ACKNOWLEDGED),
    ("got it, makes sense", SmallTalk.ACKNOWLEDGED), ("ok cool 👍", SmallTalk.ACKNOWLEDGED),
    ("interesting", SmallTalk.ACKNOWLEDGED), ("lol", SmallTalk.ACKNOWLEDGED),
    ("good bot", SmallTalk.PRAISE), ("you're awesome!", SmallTalk.PRAISE),
    ("nice one", SmallTalk.PRAISE), ("well done", SmallTalk.PRAISE),
    ("that's wrong", SmallTalk.CORRECTION), ("No, that's not what I asked", SmallTalk.CORRECTION),
    ("you're wrong", SmallTalk.CORRECTION), ("that didn't answer my question",
                                               SmallTalk.CORRECTION),
    ("that is outdated", SmallTalk.CORRECTION), ("wrong answer", SmallTalk.CORRECTION),
    ("nope, not helpful", SmallTalk.CORRECTION),
])
def test_small_talk_is_recognised(text, kind):
    assert small_talk(text) is kind


@pytest.mark.parametrize("text", [
    "hi how much do ml engineers make", "who are ml engineers", "thanks but what about a phd",
    "what is machine learning", "", "   ", "?!", "hello world program in python",
    # A question that starts like a request for help is a question.
    "help me find an ml course", "what do you know about ml salaries",
    "what can you tell me about the job outlook", "how do i use python for ml",
    # Words an acknowledgement, praise or a correction use, in questions.
    "is that wrong", "what is wrong with my resume", "is it too late for me", "great pay?",
    "ok so how long does it take", "is that right", "really?", "good jobs in ml",
    "that's wrong, what about 2024", "right now how much do ml engineers make",
    "how are you supposed to get experience", "how is it going for ml job seekers",
])
def test_a_question_is_not_small_talk(text):
    assert small_talk(text) is None


QUESTION_WORDS = st.sampled_from(["salary", "degree", "machine", "learning", "engineer",
                                  "python", "how", "much", "skills", "course"])


@given(st.sampled_from(["hi", "thanks", "hey", "bye", "who are you", "ok", "good bot",
                        "that's wrong", "got it"]),
       st.lists(QUESTION_WORDS, min_size=1, max_size=8))
def test_small_talk_with_a_question_in_it_is_a_question(opening, words):
    assert small_talk(f"{opening} {' '.join(words)}") is None


@given(st.text(max_size=200))
def test_any_text_gives_a_kind_or_none(text):
    assert small_talk(text) in (None, *SmallTalk)
