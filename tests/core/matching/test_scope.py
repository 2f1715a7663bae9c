"""Knowing what the knowledge base is about: questions about other jobs, places, employers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.matching.scope import OffTopic
from tests.shipped import DOMAIN_SCOPE, with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical rules, with the scores they construct: the meaning signal is off here (its
tests are in test_semantic.py)."""

KNOWN = frozenset(
    "what is the average pay for machine learning engineer us job outlook median base how much"
    " do does a an in of make more skills good".split()
)


def outside(text: str) -> str | None:
    return DOMAIN_SCOPE.outside(text.split(), KNOWN.__contains__)


@pytest.mark.parametrize("text", [
    "average lawyer pay in the us",          # an unknown job right before "pay"
    "median firefighter pay",
    "what is the pay of a plumber",          # ... after "of"
    "pay for dentists",                      # ... after "for"
    "what do dentists get pay",              # "what do dentists get paid", after synonyms
    "job outlook for pharmacists",           # outlook figures are tied to a job too
    "what is the average pay in london",     # a place the sources never name
    "how much does a nurse pay",             # "make" reads "pay" after synonyms
])
def test_pay_and_outlook_questions_about_something_else_are_outside(text):
    assert outside(text) is not None


@pytest.mark.parametrize("text", [
    "average pay for machine learning engineer",
    "what is the median base pay in the us",
    "job outlook for machine learning engineer",
    "how much more pay for having machine learning skills",  # "having": a function word
    "is the pay good for them",                              # a pronoun names no one new
    "what is the outlook for someone in machine learning",
    "what is the average pay",
    "what do machine learning engineers get pay",
    "what does the bls say about pay",       # a source, not a person
    "will they still want it in a few years and will it pay",  # "few" counts, names nothing
    "is there less pay in it",                # "less": a quantity, not a kind of pay
    "what is the base pay not total pay",     # set aside: it asks for the base
    "average pay for machine learning engineer not in london",
    "what is the pay without stock",
])
def test_questions_about_the_subject_are_inside(text):
    assert outside(text) is None


@given(st.lists(st.text(max_size=12), max_size=30))
def test_any_words_get_a_verdict(words):
    verdict = DOMAIN_SCOPE.outside(words, KNOWN.__contains__)
    assert verdict is None or (verdict.kind in ("role", "qualifier", "year") and verdict.what
                               and str(verdict).startswith("it asks about"))


def test_shipped_matcher_declines_another_jobs_figures(shipped_matcher):
    for question in ("average lawyer pay in the us", "job outlook for pharmacists",
                     "what's the median firefighter salary"):
        assert not shipped_matcher.match(question).answered, question
    for question in ("average pay for ml engineers", "what's the job outlook for ml engineers"):
        result = shipped_matcher.match(question)
        assert result.answered and result.off_topic is None, question
    # a decline says why when the scope is the reason (a follow-up reads it: see conversation)
    assert shipped_matcher.match("median firefighter salary").off_topic == OffTopic(
        "role", "firefighter")
    assert shipped_matcher.match("zzz qqq").off_topic is None


def test_a_figure_is_tied_to_what_the_pay_facts_name_not_to_any_fact():
    """ "junior" is a word of the knowledge base (a fact about entry-level jobs uses it), but
    no pay fact does: the sources give no junior salary, so the question is declined."""
    from bot.core.knowledge.models import Fact
    from bot.core.matching import Matcher

    def fact(fact_id: str, question: str, *alternates: str) -> Fact:
        return Fact(fact_id, question, "An answer.", alternates=alternates)

    matcher = Matcher(with_vocabulary([
        fact("pay", "how much do ml engineers earn in the us",
             "what is the ml engineer salary", "ml engineer pay in america"),
        fact("entry", "is ml engineering an entry level job",
             "are there junior ml engineer jobs", "can a junior dev become an ml engineer"),
        fact("skills", "what skills do ml engineers need", "what should an ml engineer know"),
    ]))
    assert matcher.analyzer.is_known("junior")
    assert not matcher.match("what's the salary for a junior ml engineer").answered
    for question, fact_id in [("ml engineer salary in the us", "pay"),
                              ("how much do ml engineers make in america", "pay"),
                              ("are there junior ml engineer jobs", "entry")]:
        result = matcher.match(question)
        assert result.fact is not None and result.fact.id == fact_id, question
    assert sorted(set(matcher.index.facts_asked_with("junior").tolist())) == [1]


@pytest.mark.parametrize(("text", "what"), [
    ("senior machine learning engineer pay", "senior"),
    ("what does a senior machine learning engineer pay", "senior"),   # "make", after synonyms
    ("how much do remote machine learning engineers pay", "remote"),
    ("entry level machine learning engineer pay", "entry level"),     # two words, one kind
    ("google machine learning engineer pay", "google"),               # an employer
])
def test_a_kind_of_the_subject_no_pay_fact_names_asks_for_a_figure_the_sources_lack(text, what):
    """ "Senior ML engineer salary" names the subject, but a kind of it the pay facts never
    name: the figures the sources give are not for seniors."""
    named = (KNOWN | {"engineers"}).__contains__
    assert DOMAIN_SCOPE.outside(text.split(), named) == OffTopic("qualifier", what)


@pytest.mark.parametrize("text", [
    "average machine learning engineer pay",       # a word the pay facts use
    "good machine learning engineer pay",
    "what skills does a senior machine learning engineer need",  # no pay or outlook asked
    "my cousin swears machine learning engineers make good pay",  # a clause, not a kind
    "how much more do machine learning engineers pay",            # function words before
    "i heard machine learning engineers get good pay",            # a pronoun's verb
    "machine learning engineer pay",                               # nothing before it
])
def test_words_before_the_subject_that_are_no_kind_of_it_are_inside(text):
    named = (KNOWN | {"engineers"}).__contains__
    assert DOMAIN_SCOPE.outside(text.split(), named) is None


def test_shipped_matcher_declines_pay_of_a_kind_of_ml_engineer(shipped_matcher):
    for question, what in [("what does a senior mle make", "senior"),
                           ("entry level ml engineer salary", "entry level"),
                           ("how much do remote ml engineers make", "remote")]:
        result = shipped_matcher.match(question)
        assert not result.answered and result.off_topic == OffTopic("qualifier", what), question
    for question in ("typical ml engineer salary", "average mle pay in the us"):
        assert shipped_matcher.match(question).answered, question


def test_chat_contractions_are_read_as_the_words_they_stand_for(shipped_matcher):
    """ "kinda pay" is "kind of pay", not the pay of some "kinda" the sources never name."""
    analyzer = shipped_matcher.analyzer
    words = analyzer.words_of(analyzer.raw_words("what kinda salary do mles get, i dunno"))
    assert words[1:3] == ["kind", "of"] and words[-3:] == ["do", "not", "know"]
    assert shipped_matcher.match("what kinda salary are mles pulling in the us").answered


def test_a_year_no_pay_question_names_asks_for_a_figure_the_sources_do_not_give():
    named = (KNOWN | {"2024"}).__contains__
    assert DOMAIN_SCOPE.outside("what is the average pay in 2026".split(), named)
    assert DOMAIN_SCOPE.outside("job outlook for machine learning engineer by 2030".split(), named)
    assert DOMAIN_SCOPE.outside("what is the average pay in 2024".split(), named) is None
    assert DOMAIN_SCOPE.outside("what skills do i need in 2026".split(), named) is None  # no topic
    assert DOMAIN_SCOPE.outside("average pay 12345".split(), named) is None  # not a year


@given(st.sampled_from(["role", "qualifier", "year"]), st.text(min_size=1, max_size=30))
def test_an_off_topic_reason_reads_back_as_stored(kind, what):
    reason = OffTopic(kind, what)
    assert OffTopic.decoded(reason.encoded()) == reason


def test_text_the_store_did_not_write_is_no_reason():
    for text in ("", "role", "role ", "weird thing", "declined"):
        assert OffTopic.decoded(text) is None


@pytest.mark.parametrize(("text", "job", "alone"), [
    ("machine learning engineer vs software engineer pay", "software engineer",
     "machine learning engineer pay"),
    ("do machine learning engineers pay more than data scientists", "data scientists",
     "do machine learning engineers pay more"),
    ("data scientist vs machine learning engineer pay", "data scientist",
     "machine learning engineer pay"),
    ("software engineer or machine learning engineer which pay more", "software engineer",
     "machine learning engineer which pay more"),
    ("how much do machine learning engineers pay compared to data analysts", "data analysts",
     "how much do machine learning engineers pay"),
    # named before the comparison: the subject's name takes its place
    ("how much does a software engineer pay compared to an machine learning engineer",
     "software engineer", "how much does a machine learning engineer pay"),
    ("is the outlook better for machine learning engineers than web developers",
     "web developers", "is the outlook better for machine learning engineers"),
])
def test_a_pay_question_comparing_the_subject_with_another_job_names_the_other_side(
        text, job, alone):
    """Answered for the subject alone, the other side named: "ML engineer vs software
    engineer salary" got the ML figure as if it answered the whole question."""
    compared = DOMAIN_SCOPE.compared_with(text.split(), KNOWN.__contains__)
    assert compared is not None and compared[0] == job and " ".join(compared[1]) == alone


@pytest.mark.parametrize("text", [
    "do machine learning engineers pay more than most job",        # a count
    "is machine learning engineer pay higher than the average",    # the pay facts name it
    "do machine learning engineers pay more than they did",        # a pronoun
    "machine learning engineer vs software engineer",              # no pay or outlook asked
    "master or phd for machine learning engineer pay",             # no job on either side
    "how much does a nurse pay",                                   # no comparison
    "is machine learning engineer pay good or bad",                # "or": no job either side
    "machine learning engineer pay per hour or per year",
    "do machine learning engineers pay more than ever",            # ends like a job, is none
    "do machine learning engineers pay more than 100k",            # a figure
    "machine learning engineer pay vs inflation",
])
def test_no_other_job_is_compared_with(text):
    assert DOMAIN_SCOPE.compared_with(text.split(), KNOWN.__contains__) is None


@given(st.lists(st.sampled_from(
    "machine learning engineer pay vs than or compared to with a an the data scientist more"
    " they most outlook software".split()), max_size=14))
def test_any_comparison_gets_a_verdict_and_keeps_the_subject(words):
    compared = DOMAIN_SCOPE.compared_with(words, KNOWN.__contains__)
    if compared is not None:
        job, alone = compared
        assert job and "machine learning" not in job
        assert "machine learning" in " ".join(alone)
        assert len(alone) < len(words) + len(DOMAIN_SCOPE.subject) + 1


@pytest.mark.parametrize(("text", "reason"), [
    ("what is the average pay in new york", OffTopic("qualifier", "new york")),
    ("pay for data scientists", OffTopic("role", "data scientists")),
    ("what is the pay of a data scientist", OffTopic("role", "data scientist")),
    ("median firefighter pay", OffTopic("role", "firefighter")),
    ("average lawyer pay in the us", OffTopic("role", "lawyer")),       # "average": a pay word
    ("average pay for a junior machine learning engineer", OffTopic("qualifier", "junior")),
    ("average pay at google", OffTopic("qualifier", "google")),
])
def test_a_decline_names_what_it_is_about_whole(text, reason):
    """ "the salary of a data scientist" was declined for "no figures for **data**": the
    reason reads the whole name, and a name like a job's is another job."""
    assert DOMAIN_SCOPE.outside(text.split(), KNOWN.__contains__) == reason


@pytest.mark.parametrize(("text", "job"), [
    ("what about software engineers", "software engineers"),
    ("and for data scientists", "data scientists"),
    ("how about a web developer then", "web developer"),
    ("what about seniors", None),                 # no job: a kind of the subject
    ("what about machine learning engineers", None),
    ("software engineers", None),                 # not a follow-up's shape
    ("what about in europe", None),
    ("and what about research scientists", None),  # the pay facts name them
])
def test_a_job_asked_about_in_the_subjects_place(text, job):
    named = (KNOWN | {"research"}).__contains__
    assert DOMAIN_SCOPE.job_instead(text.split(), named) == job
