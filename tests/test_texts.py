"""What the bot says, shared by every front (`bot.texts`)."""

from __future__ import annotations

from bot import texts
from bot.cli.render import render_answer, source_line
from bot.core.answers import Answer, CitedSource, SuggestedFact
from bot.core.matching import OffTopic


def cited(**overrides) -> CitedSource:
    fields = dict(source_id="a", title="Coursera article: pay", publisher="Coursera",
                  published="2024-04-26", url=None, quote="q", via=None)
    return CitedSource(**{**fields, **overrides})


def test_a_source_is_named_the_same_way_everywhere():
    assert texts.source_heading(cited()) == "Coursera article: pay, 2024-04-26"
    assert texts.source_heading(cited(publisher="Indeed", published=None)) == (
        "Coursera article: pay, Indeed, undated")
    line = source_line(cited(via="Indeed", url="https://example.org"))
    assert line == "Coursera article: pay, 2024-04-26 (via Indeed) <https://example.org>"


def test_a_decline_lists_what_this_knowledge_base_answers(shipped_kb):
    declined = Answer(question="weather on mars", answered=False, fact_id=None,
                      confidence=0.1, answer=None)
    text = render_answer(declined, shipped_kb)
    assert text.startswith(texts.DECLINE)
    assert texts.topics_sentence(shipped_kb.topics) in text
    assert all(topic.title in text for topic in shipped_kb.topics)


def test_a_quote_no_fingerprint_checks_is_marked_unverified(shipped_kb):
    from dataclasses import replace

    from bot.core.answers import fact_answer

    fact = shipped_kb.facts["average-salary"]
    checked = fact_answer(shipped_kb, fact, fact.question, 1.0).citations[0]
    assert checked.verified and "unverified" not in texts.source_heading(checked)
    source = shipped_kb.sources[checked.source_id]
    unchecked_kb = replace(shipped_kb, sources={
        **shipped_kb.sources, source.id: replace(source, fingerprint=None)})
    unchecked = fact_answer(unchecked_kb, fact, fact.question, 1.0).citations[0]
    assert "unverified" in texts.source_heading(unchecked)
    # The list of sources names them without the mark (it quotes nothing).
    assert "unverified" not in texts.source_heading(shipped_kb.sources["ibm-machine-learning"])


def test_a_decline_off_the_subject_says_why(shipped_kb):
    def declined(off_topic, suggestions=()):
        return Answer(question="q", answered=False, fact_id=None, confidence=0.3, answer=None,
                      suggestions=suggestions, off_topic=off_topic)

    role, place, year = (OffTopic("role", "nurse"), OffTopic("qualifier", "london"),
                         OffTopic("year", "2031"))
    assert texts.off_topic_sentence(role, shipped_kb) == (
        "My sources are about machine learning, not **nurse**.")
    assert texts.off_topic_sentence(place, shipped_kb) == (
        "My sources give no figures for **london**.")
    assert "**2031**" in texts.off_topic_sentence(year, shipped_kb)
    closest = (SuggestedFact("average-salary", "How much does an ML engineer earn?"),)
    assert texts.decline_text(declined(place, closest), shipped_kb).endswith(texts.CLOSEST)
    assert texts.decline_text(declined(place), shipped_kb).endswith(texts.DECLINE)
    assert texts.decline_text(declined(None, closest), shipped_kb) == texts.NOT_SURE
    assert texts.decline_text(declined(None), shipped_kb) == texts.DECLINE
    # the terminal: the reason, then the closest facts, no markdown
    text = render_answer(declined(place, closest), shipped_kb)
    assert text.splitlines() == ["My sources give no figures for london. The closest I can answer:",
                                 "  1. How much does an ML engineer earn?"]
    assert declined(place).to_json()["off_topic"] == {"kind": "qualifier", "what": "london"}


def test_the_moderators_queue_names_why_a_question_was_declined():
    assert texts.missed_reason("off topic role nurse") == "declined, about another job: nurse"
    assert texts.missed_reason("off topic qualifier uk") == "declined, no figures for uk"
    assert texts.missed_reason("off topic role data analyst") == (
        "declined, about another job: data analyst")
    for plain in ("declined", "not helpful", "off topic", "off topic weird thing"):
        assert texts.missed_reason(plain) == plain
