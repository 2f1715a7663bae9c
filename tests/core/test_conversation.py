"""Follow-ups read in context (`bot.core.conversation`): the blend, the decline, the memory."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.conversation import (
    MAX_CONTEXT_CHARS,
    Context,
    Conversations,
    asks_for_more,
    asks_what_the_answer_says,
    doubts_the_answer,
    follow_up,
    joined,
    left_by,
)
from bot.core.matching import OffTopic, Suggestion
from bot.core.modes import Mode

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


@pytest.mark.parametrize(("context", "question", "job"), [
    (PAY, "what about software engineers", "software engineers"),
    (PAY, "and for data scientists?", "data scientists"),
    (Context("whats the job outlook for ml engineers", "research-jobs-growth-bls"),
     "how about web developers then", "web developers"),
])
def test_another_job_in_the_subjects_place_after_a_pay_answer_is_declined_saying_so(
        shipped_semantic_matcher, context, question, job):
    """The sources' figures are for ML engineers: "what about software engineers?" after
    the pay answer got the programming-skills fact. It is declined with the reason, and the
    answer it follows offered again."""
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is None and result.off_topic == OffTopic("role", job)
    assert [s.fact.id for s in result.suggestions] == [context.fact_id]


@pytest.mark.parametrize(("context", "question", "expected"), [
    (Context("who do ml engineers work with", "who-do-ml-engineers-work-with"),
     "what about data scientists", "who-do-ml-engineers-work-with"),  # no figures asked
    (PAY, "what about research scientists", "bls-median-salary"),     # the sources have them
])
def test_a_job_the_sources_cover_or_no_figure_asked_is_a_follow_up_as_any(
        shipped_semantic_matcher, context, question, expected):
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is not None and result.fact.id == expected


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


ROLE = Context("what does an ml engineer do", "what-does-an-ml-engineer-do")


@pytest.mark.parametrize("question", [
    "really?", "are you sure about that", "source?", "wheres that number from",
    "is that true tho", "where did you get that", "says who", "wait really??",
    # how old it is, where to read it: the answer again shows its sources' dates and links
    "how old is that info", "is that still up to date?", "when was that published",
    "link?", "can you give me a link", "where can i read more",
    # who made it, and when: the answer again shows its sources' publishers and dates
    "who did that research", "who did that study?", "whose definition is that",
    "when was that study done", "when was the survey published",
    # the answer or a part of it by name: a figure it gives, which of its sources
    "where does the 125k number come from", "where did those numbers come from",
    "where is the $127,000 figure from", "when was the newer article written",
    "who wrote the article?",
])
@pytest.mark.parametrize("context", [PAY, DEGREE, ROLE])
def test_doubting_the_answer_gets_it_again(shipped_semantic_matcher, context, question):
    """"really?" or "source?" names nothing: read in context, its question word picked some
    fact near the context ("really?" after the role got the best-job-of-2019 answer)."""
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is not None and result.fact.id == context.fact_id
    assert result.question == question


BLS = Context("whats the bls pay figure for computer and info research scientists",
              "bls-median-salary")


@pytest.mark.parametrize(("context", "question"), [
    (PAY, "is that base or total comp"),      # the answer says "base pay"
    (PAY, "wait is that per year?"),
    (BLS, "is that for ml engineers tho"),   # it says whom the figure is for
    (DEGREE, "is that a must?"),
])
def test_asking_whether_the_answer_is_so_gets_it_again(shipped_semantic_matcher, context,
                                                         question):
    """The answer says whether it is so; matched, "is that ..." read like another fact ("is
    that for ml engineers" after the BLS figure got the ML engineer average) or nothing."""
    assert asks_what_the_answer_says(shipped_semantic_matcher, question,
                                     shipped_semantic_matcher.knowledge.facts[context.fact_id])
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is not None and result.fact.id == context.fact_id and result.in_context


@pytest.mark.parametrize(("context", "question"), [
    (PAY, "is that more than most jobs pay"),  # compares it with something else
    (PAY, "is that a lot compared to the average worker"),
    (ROLE, "is it the same at every company"),  # words the answer does not use
    (ROLE, "is that a remote job?"),            # a word no fact has
    (Context("what is machine learning", "what-is-machine-learning"),
     "is that the same as deep learning"),
    (PAY, "how much is that a month"),         # not "is that ...?"
])
def test_a_question_of_its_own_is_not_asking_whether_the_answer_is_so(
        shipped_semantic_matcher, context, question):
    fact = shipped_semantic_matcher.knowledge.facts[context.fact_id]
    assert not asks_what_the_answer_says(shipped_semantic_matcher, question, fact)


@pytest.mark.parametrize("question", ["tell me more", "go on", "can you elaborate?",
                                      "what else", "and?", "interesting, tell me more pls"])
@pytest.mark.parametrize("context", [PAY, ROLE])
def test_asking_for_more_offers_the_answers_related_questions(shipped_semantic_matcher,
                                                              context, question):
    """"tell me more" names nothing: joined to the question before it, it read like that
    question and got its answer or a neighbour again."""
    fact = shipped_semantic_matcher.knowledge.facts[context.fact_id]
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is None and result.more_about is fact
    assert [s.fact.id for s in result.suggestions] == list(fact.related)[:3]


@pytest.mark.parametrize("question", [
    "tell me more about salaries", "more jobs", "what else do i need to learn",
    "anything else i should know about python", "elaborate on python", "and in 2022?",
])
def test_a_question_is_not_a_request_for_more(question):
    assert not asks_for_more(question)


@pytest.mark.parametrize("question", [
    "really hard?", "is that true for europe", "source for the bls figure",
    "is it true that ml engineers need a phd", "why?", "tell me more", "sources of ml data",
    "how old do you have to be", "when is the best time to start", "link to the course",
    "is that up to date for 2024", "any links to free courses",
    "who did the research on ml salaries", "who teaches the course", "whose job is that",
    "when was the course made", "when is the study group",
    "where is the course from", "where do ml engineers come from", "when was the course",
    "where does the 125k number come from in the bls data",
])
def test_a_question_is_not_a_doubt(question):
    assert not doubts_the_answer(question)


@given(st.sampled_from(["really", "source?", "are you sure", "is that true", "says who",
                        "how old is that", "link?", "when was that published"]),
       st.lists(st.sampled_from("salary degree python europe phd course bonus 2020".split()),
                min_size=1, max_size=4).map(" ".join))
def test_a_doubt_with_a_subject_of_its_own_is_a_question(doubt, words):
    """Only a message that doubts end to end gets the answer again: "really, even in
    europe?" says what it doubts, and is read like any follow-up."""
    assert not doubts_the_answer(f"{doubt} {words}")


def test_a_fact_the_follow_up_alone_singles_out_answers_when_it_fits_the_context(
        shipped_semantic_matcher):
    """Neither reading answers: alone, "how much did the postings grow then" scores low but
    leads every other fact by a `sure_lead`; joined, the earlier question's words keep its own
    fact first, yet score the follow-up's `floor` or more. The fact the follow-up singles out
    answers."""
    matcher = shipped_semantic_matcher
    context = Context("did indeed rank mle", "number-one-job-2019")
    question = "how much did the postings grow then"
    alone, ranked = matcher.match_ranked(question)
    joined = matcher.match(f"{context.question} {question}")
    assert not alone.answered and not joined.answered
    t = matcher.thresholds
    assert ranked[0][0].id == "job-postings-growth"
    assert ranked[0][1] >= t.sure_lead * ranked[1][1] and ranked[0][1] < t.floor
    result = follow_up(matcher, question, context)
    assert result.fact is not None and result.fact.id == "job-postings-growth"


def test_a_follow_up_is_not_answered_with_a_fact_no_reading_would_offer(
        shipped_semantic_matcher):
    """After a course, "how much does it cost" leans towards pay in its own words and the
    context lifts every course fact; the blend's best, the salary, is a fact neither reading
    would even suggest: declined, offering the course the joined reading answered."""
    matcher = shipped_semantic_matcher
    context = Context("any good online ml course for a beginner", "stanford-ml-specialization")
    question = "how much does it cost"
    joined = matcher.match(f"{context.question} {question}")
    assert joined.fact is not None and joined.fact.id == "stanford-ml-specialization"
    result = follow_up(matcher, question, context)
    assert result.fact is None
    assert [s.fact.id for s in result.suggestions][:1] == ["stanford-ml-specialization"]


@pytest.mark.parametrize(("question", "named"), [("and in the uk?", "uk"),
                                                  ("and for juniors", "juniors")])
def test_a_follow_up_off_the_subject_in_context_stays_declined(shipped_semantic_matcher,
                                                               question, named):
    """After a US salary, "and for juniors" asks for a pay figure the sources never give
    (`off_topic` in context), though its own words single out the fact about junior jobs:
    declined, saying why."""
    result = follow_up(shipped_semantic_matcher, question, PAY)
    assert result.fact is None
    assert result.off_topic is not None and result.off_topic.what == named


def test_a_declined_follow_up_says_why_in_its_own_words(shipped_semantic_matcher):
    """After a pay answer, "what does a nurse earn" is about another job (its own reading),
    not pay "for nurse" (how it reads joined to the question about ML pay)."""
    question = "what does a nurse earn"
    joined = shipped_semantic_matcher.match(f"{PAY.question} {question}")
    assert joined.off_topic is not None and joined.off_topic.kind == "qualifier"
    result = follow_up(shipped_semantic_matcher, question, PAY)
    assert result.fact is None
    assert (result.off_topic.kind, result.off_topic.what) == ("role", "nurse")


def test_a_declined_follow_up_gives_no_reason_only_the_earlier_words_make(
        shipped_semantic_matcher):
    """Joined to a question about pay and one about learning "for free", any follow-up reads
    as asking pay figures "for free": that reason is the earlier words', not the follow-up's."""
    context = Context("how much do ml engineers make where can i learn ml for free",
                      "stanford-ml-specialization")
    question = "what is deep learning"
    joined_reading = shipped_semantic_matcher.match(f"{context.question} {question}")
    assert joined_reading.off_topic is not None and joined_reading.off_topic.what == "free"
    result = follow_up(shipped_semantic_matcher, question, context)
    assert result.fact is None and result.off_topic is None


def test_only_a_follow_up_answered_in_context_leaves_its_words_to_the_next(
        shipped_semantic_matcher):
    """The context an answer leaves is the question it answered, joined to the earlier one
    only when it was read as their follow-up: a question complete in itself starts anew, so
    the words of every question before it never pile up and reach the next."""
    question = "do i need a degree to become a machine learning engineer"
    complete = follow_up(shipped_semantic_matcher, question, PAY)
    assert complete.answered and not complete.in_context
    assert left_by(PAY, question, complete.fact.id, in_context=complete.in_context) == Context(
        question, "degree-required")
    elliptical = follow_up(shipped_semantic_matcher, "and in 2022?", PAY)
    assert elliptical.answered and elliptical.in_context
    assert left_by(PAY, "and in 2022?", elliptical.fact.id, in_context=True) == Context(
        f"{PAY.question} and in 2022?", "average-salary")
    assert follow_up(shipped_semantic_matcher, "really?", PAY).in_context


@pytest.mark.parametrize("noise", ["hmm", "asdfgh", "zzz qqq", "🤔"])
def test_a_follow_up_with_no_word_the_knowledge_base_knows_is_not_read_in_context(
        shipped_semantic_matcher, noise):
    """Joined to the question it follows, any text reads like that question: "hmm" after a
    salary answer was answered with the salary again. With no word of its own the knowledge
    base knows, there is nothing to follow up: declined, as alone."""
    assert follow_up(shipped_semantic_matcher, noise, PAY).fact is None


@pytest.mark.parametrize("question", ["whats your favorite color", "what's the weather like",
                                      "do you like pizza"])
@pytest.mark.parametrize("context", [PAY, ROLE])
def test_a_follow_up_about_nothing_the_knowledge_base_knows_is_not_read_in_context(
        shipped_semantic_matcher, context, question):
    """Its only words of substance are in no fact: joined to the question before it, it read
    like that question and got its answer again ("whats your favorite color" after the pay
    answer got the pay)."""
    assert shipped_semantic_matcher.names_what_no_fact_has(question)
    assert follow_up(shipped_semantic_matcher, question, context).fact is None


def test_a_follow_up_naming_a_year_or_word_no_fact_has_is_not_the_answer_again(
        shipped_semantic_matcher):
    """"was it #1 again in 2020" has a common word no fact has ("again"; 2020 is in facts):
    joined to the question about the 2019 ranking, it read like it and got that ranking.
    Chat shorthand is no such word: "wbu coding" after a question about maths is still the
    coding skills."""
    ranking = Context("was mle ranked the #1 job by indeed", "number-one-job-2019")
    assert follow_up(shipped_semantic_matcher, "was it #1 again in 2020", ranking).fact is None
    maths = Context("do you need stats and probability for ml engineering", "math-skills")
    assert not shipped_semantic_matcher.names_what_no_fact_has("wbu coding")
    coding = follow_up(shipped_semantic_matcher, "wbu coding", maths)
    assert coding.fact is not None and coding.fact.id == "software-engineering-skills"


def test_a_declined_follow_up_offers_only_what_a_reading_offers(shipped_semantic_matcher):
    """Declined in context, the offers are those of the two readings (answers or
    suggestions), each with its reading's score, the likeliest by the blend first."""
    context = Context("avg pay for a machine learning engineer in the us?", "average-salary")
    question = "what about in canada"
    matcher = shipped_semantic_matcher
    result = follow_up(matcher, question, context)
    assert result.fact is None and result.suggestions
    by_readings = {}
    for reading in (matcher.match(question), matcher.match(f"{context.question} {question}")):
        offers = [*reading.suggestions, *([Suggestion(reading.fact, reading.confidence)]
                                          if reading.fact else [])]
        for s in offers:
            by_readings[s.fact.id] = max(s.score, by_readings.get(s.fact.id, 0.0))
    assert {s.fact.id: s.score for s in result.suggestions}.items() <= by_readings.items()


def test_the_service_reads_a_question_in_context(shipped_semantic_service):
    service = shipped_semantic_service
    assert not service.ask("and a phd?", via="test", record=False).answered
    answer = service.ask("and a phd?", via="test", record=False, context=DEGREE)
    assert answer.fact_id == "masters-or-phd"
    # A context whose fact has been removed since is ignored, not an error.
    gone = Context(DEGREE.question, "no-such-fact")
    assert not service.ask("and a phd?", via="test", record=False, context=gone).answered


def test_a_doubt_gets_the_answer_again_only_when_said_to_the_bot(shipped_semantic_service):
    """In a Q&A channel, where the bot speaks unprompted, "really?" after its answer may be
    for anyone there: reposting the answer would be noise."""
    service = shipped_semantic_service
    said = service.ask("really?", via="test", record=False, context=ROLE)
    assert said.fact_id == ROLE.fact_id
    overheard = service.ask("really?", via="test", record=False, context=ROLE,
                            mode=Mode.UNPROMPTED)
    assert not overheard.answered
    # "tell me more" too: in a Q&A channel it is not read as a request to the bot.
    assert service.ask("tell me more", via="test", record=False,
                       context=ROLE).more_about is not None
    overheard = service.ask("tell me more", via="test", record=False, context=ROLE,
                            mode=Mode.UNPROMPTED)
    assert not overheard.answered and overheard.more_about is None
    # "is that base or total comp" too: the answer again, to the bot only.
    asked = service.ask("is that base or total comp", via="test", record=False, context=PAY)
    assert asked.fact_id == PAY.fact_id
    overheard = service.ask("is that base or total comp", via="test", record=False,
                            context=PAY, mode=Mode.UNPROMPTED)
    assert not overheard.answered


def test_contexts_are_per_person_and_channel_and_expire():
    memory = Conversations(seconds=60)
    memory.remember(1, 10, PAY, now=100.0, answer_message=555)
    assert memory.recall(1, 10, now=150.0) == PAY
    assert memory.recall(2, 10, now=150.0) is None  # another person
    assert memory.recall(1, 11, now=150.0) is None  # another channel
    assert memory.of_answer(555) == PAY
    assert memory.last_answer(1, 10, now=150.0) == (PAY, 555)  # what "that's wrong" is about
    memory.remember(1, 12, DEGREE, now=100.0)  # an answer that was not sent
    assert memory.recall(1, 12, now=150.0) == DEGREE
    assert memory.last_answer(1, 12, now=150.0) is None
    assert memory.last_answer(1, 10, now=161.0) is None
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


FOLLOW_UP_WORDS = st.sampled_from(
    "and what about is that it they those in for 2019 2022 uk pay salary phd masters degree "
    "course cost how much long does take skills python math jobs growing demand who why "
    "where from source research total base bonus remote junior senior nurse ml mle ai tho "
    "wbu ok cool really the a of per year".split()
)


@settings(max_examples=60, deadline=None)
@given(st.lists(FOLLOW_UP_WORDS, min_size=1, max_size=8).map(" ".join),
       st.sampled_from([PAY, DEGREE]))
def test_any_follow_up_is_answered_by_a_fact_a_reading_supports_or_declined(
        shipped_semantic_matcher, question, context):
    """Whatever the follow-up: an answer is a fact one of the two readings would at least
    offer (`suggest`), and a decline offers only what a reading answered or offered, at most
    three, with that reading's score (a doubt, "really source", gets the answer again; "and",
    a request for more, the answer's related questions)."""
    matcher = shipped_semantic_matcher
    result = follow_up(matcher, question, context)
    if doubts_the_answer(question):
        assert result.fact is not None and result.fact.id == context.fact_id
        return
    if asks_for_more(question):
        assert result.fact is None and result.more_about.id == context.fact_id
        return
    alone, ranked_alone = matcher.match_ranked(question)
    joined_reading, ranked_joined = matcher.match_ranked(f"{context.question} {question}")
    best_of = {}
    for fact, score in [*ranked_alone, *ranked_joined]:
        best_of[fact.id] = max(score, best_of.get(fact.id, 0.0))
    if result.fact is not None:
        assert result.off_topic is None
        assert best_of[result.fact.id] >= matcher.thresholds.suggest
        return
    assert len(result.suggestions) <= 3
    offers = {}
    for reading in (alone, joined_reading):
        made = [*reading.suggestions,
                *([Suggestion(reading.fact, reading.confidence)] if reading.fact else [])]
        for offer in made:
            offers[offer.fact.id] = max(offer.score, offers.get(offer.fact.id, 0.0))
    assert {s.fact.id: s.score for s in result.suggestions}.items() <= offers.items()
