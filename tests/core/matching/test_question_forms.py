"""Reading what a question asks for from its form: a kind of answer, or what a thing is."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher
from bot.core.matching.question_forms import (
    ANSWER_TYPE_WORDS,
    MAX_NAMED_WORDS,
    answer_type_cues,
    definition_words,
    thing_asked_about,
)
from bot.core.matching.synonyms import STOP_WORDS
from tests.shipped import with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical rules, with the scores they construct: the meaning signal is off here (its
tests are in test_semantic.py)."""


def test_answer_type_cues():
    assert answer_type_cues("who teaches the ml course".split()) == ["who"]
    assert answer_type_cues("how long does it take".split()) == ["long"]
    assert answer_type_cues("how many weeks and where".split()) == ["many", "where"]
    assert answer_type_cues("how much do they pay".split()) == []  # pay and prices alike
    assert answer_type_cues("a long course".split()) == []  # "long" asks only after "how"


@given(st.lists(st.sampled_from(["how", "long", "many", "who", "what", "ml", "old", "when"])))
def test_answer_type_cues_are_words_of_the_question_that_ask_for_a_kind(words):
    cues = answer_type_cues(words)
    assert len(cues) <= len(words) and set(cues) <= set(words)
    wh_words = [w for w in words if w in ANSWER_TYPE_WORDS]
    assert [w for w in cues if w in ANSWER_TYPE_WORDS] == wh_words
    after_how = {w for a, w in pairwise(words) if a == "how"}
    assert all(w in ANSWER_TYPE_WORDS or w in after_how for w in cues)
    assert "what" not in cues and "ml" not in cues and "how" not in cues


def test_the_thing_a_what_is_question_asks_about():
    def about(question: str) -> tuple[tuple[str, ...], bool] | None:
        asked = thing_asked_about(question.split())
        return None if asked is None else (asked.words, asked.definition)

    # What a thing is: a term, with no article or with "a"/"an", "define", "what does ... mean".
    assert about("what is gradient descent") == (("gradient", "descent"), True)
    assert about("what is gradient descent and how does it work") == (
        ("gradient", "descent"), True)
    assert about("what is a neural network") == (("neural", "network"), True)
    assert about("what are transformers") == (("transformers",), True)
    assert about("define machine learning") == (("machine", "learning"), True)
    assert about("what does machine learning actually mean") == (("machine", "learning"), True)
    # The value of a thing, or an account of it: "the".
    assert about("what is the salary premium") == (("salary", "premium"), False)
    assert about("what the average pay") == (("average", "pay"), False)  # "what's the ..."
    assert about("what are the stanford courses") == (("stanford", "courses"), False)
    # "the X of/for Y" asks for the value of X (of Y): the name ends at "of" or "for".
    assert about("what is the average pay for a machine learning engineer") == (
        ("average", "pay"), False)
    assert about("what the job of an mle in simple terms") == (("job",), False)
    assert thing_asked_about("what is the job of an mle".split()).of
    assert not thing_asked_about("what is the salary premium".split()).of
    # "how does X work" asks for an account of X: what it is, unless it is "the" X.
    assert about("how does gradient descent work") == (("gradient", "descent"), True)
    assert about("how do neural networks actually work") == (("neural", "networks"), True)
    assert about("how does the stanford course work") == (("stanford", "course"), False)
    # Asking about something of a thing, or anything else, is neither.
    assert about("what is machine learning used for") is None
    assert about("what is the of ml") is None
    assert about("how does it work") is None
    assert about("how do ml engineers work with data scientists") is None
    assert about("what does a machine learning engineer do") is None
    assert about("how is gradient descent used") is None
    assert about("what was the pay in 2022") is None
    assert about("what is") is None
    assert about("what is the") is None
    assert about("what is one two three four five six") is None  # too long to be a name


def test_definition_words_of_a_phrasing():
    assert definition_words("what is the average salary of an engineer".split()) == {
        "average", "salary", "engineer"}
    assert definition_words("define mlops".split()) == {"mlops"}
    assert definition_words("does the course cover gradient descent".split()) == frozenset()


_WORDS = st.sampled_from(
    ["what", "is", "are", "the", "a", "define", "does", "mean", "and", "of", "for",
     "gradient", "descent", "ml", "pay", "actually", "how", "do", "work"]
)


@given(st.lists(_WORDS, max_size=12))
def test_the_thing_asked_about_is_named_by_content_words_after_the_frame(words):
    asked = thing_asked_about(words)
    if asked is None:
        return
    assert 0 < len(asked.words) <= MAX_NAMED_WORDS
    assert STOP_WORDS.isdisjoint(asked.words)
    assert words[0] in ("what", "define", "how")
    if words[0] == "how":
        assert words[1] in ("do", "does") and words[-1] == "work"
    assert " ".join(asked.words) in " ".join(words)  # consecutive words of the question
    if not asked.definition:  # only "what is the ..." and "how does the ... work" ask a value
        assert words[0] in ("what", "how") and "the" in words and words[-1] != "mean"
    if words[0] == "define" or "the" not in words:
        assert asked.definition
    # A phrasing asked that way is about at least the thing the question is about.
    assert set(asked.words) <= definition_words(words)


def _course_matcher() -> Matcher:
    return Matcher(with_vocabulary([
        Fact("course-topics", "what does the ml course teach", "Topics.",
             alternates=("does the ml course cover gradient descent",
                         "is gradient descent in the ml course", "what will the course teach me")),
        Fact("what-is-ml", "what is machine learning", "A definition.",
             alternates=("define ml", "what does machine learning mean")),
        Fact("premium", "do ai skills come with a salary premium", "A premium.",
             alternates=("how big is the salary premium for ai skills", "do ml skills pay more")),
    ]))


def test_a_definition_question_is_answered_only_by_a_fact_that_defines_the_thing():
    """"what is gradient descent" shares its words with a fact about what a course teaches,
    which does not say what gradient descent is: declined, with that fact as a suggestion."""
    matcher = _course_matcher()
    assert matcher.rank("what is gradient descent")[0][0].id == "course-topics"
    declined = matcher.match("what is gradient descent")
    assert not declined.answered
    assert [s.fact.id for s in declined.suggestions][:1] == ["course-topics"]
    assert matcher.match("does the ml course cover gradient descent").fact.id == "course-topics"
    for question in ("what is ml", "what's machine learning?", "define machine learning"):
        assert matcher.match(question).fact.id == "what-is-ml", question


def test_a_value_question_is_answered_by_a_fact_asked_with_each_word_of_the_thing():
    """"what is the salary premium" asks for a value, not a meaning: the premium fact, never
    asked "what is ...", answers it. "what's the ml course premium" ranks the course fact
    first, which is never asked with "premium": declined."""
    matcher = _course_matcher()
    answered = matcher.match("what is the salary premium")
    assert answered.fact is not None and answered.fact.id == "premium"
    premium = "what's the ml course premium"
    (best, score), (_, runner_up) = matcher.rank(premium)[:2]
    assert best.id == "course-topics"
    assert matcher.thresholds.clearly_ahead(score, runner_up)  # the scores alone would answer
    assert not matcher.match(premium).answered


def _job_matcher() -> Matcher:
    return Matcher(with_vocabulary([
        Fact("what-is-ml", "what is machine learning", "A definition.",
             alternates=("define ml", "what is ml in simple terms",
                         "explain machine learning simply")),
        Fact("the-job", "what does an ml engineer do", "Builds models.",
             alternates=("what is the job of an ml engineer like",
                         "ml engineer job description")),
        Fact("pay", "how much do ml engineers earn", "A lot.",
             alternates=("ml engineer salary", "what do ml engineers make")),
    ]))


def test_a_fact_that_does_not_fit_the_form_is_out_of_the_running():
    """"what's the job of an MLE in simple terms" reads most like "what is ML in simple
    terms", a fact never asked about a job: the job fact answers if it wins against the
    rest (it would not against the fact left out)."""
    matcher = _job_matcher()
    question = "whats the job of an mle in simple terms"
    (first, best), (second, runner_up) = matcher.rank(question)[:2]
    assert (first.id, second.id) == ("what-is-ml", "the-job")
    assert not matcher.thresholds.clearly_ahead(runner_up, best)  # not with that fact in
    result = matcher.match(question)
    assert result.fact is not None and result.fact.id == "the-job"
    assert [s.fact.id for s in result.suggestions] in ([], ["pay"])  # never the unfit fact


def test_when_no_fact_fits_the_x_of_y_the_words_decide():
    """"the total of ..." names a word no fact is asked with: it says little on its own, and
    the question is read by its words (the pay fact)."""
    matcher = _job_matcher()
    question = "what's the total of an ml engineer's salary"
    asked = thing_asked_about(matcher.analyzer.words_of(matcher.analyzer.raw_words(question)))
    assert asked is not None and asked.words == ("total",) and asked.of
    result = matcher.match(question)
    assert result.fact is not None and result.fact.id == "pay"


def test_the_shipped_matcher_declines_what_a_course_only_names(shipped_matcher):
    for question in ("what is unsupervised learning", "what is gradient descent",
                     "what is data science", "what is a masters degree",
                     "how does gradient descent work"):
        assert not shipped_matcher.match(question).answered, question
    premium = shipped_matcher.match("what is the salary premium")
    assert premium.fact is not None and premium.fact.id == "ml-skills-salary-premium"
    for question in ("what is machine learning", "define ml", "whats ML"):
        result = shipped_matcher.match(question)
        assert result.fact is not None and result.fact.id == "what-is-machine-learning", question
