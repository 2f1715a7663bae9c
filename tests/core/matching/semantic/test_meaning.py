"""The meaning signal with the real bundled model: the embedder, what meaning answers and
declines, the calibration, and the lexical fallback when the model can not be used."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import Matcher
from bot.core.matching.embedding import (
    DIMENSION,
    MODEL_PATH_ENV,
    MODEL_SHA256,
    EmbeddingUnavailable,
    default_model_path,
    file_sha256,
    load_embedder,
)
from bot.core.matching.scope import OffTopic
from bot.core.matching.semantic import semantic_model
from bot.core.matching.thresholds import DEFAULT_THRESHOLDS


def test_the_model_file_is_the_pinned_one():
    assert file_sha256(default_model_path()) == MODEL_SHA256


def test_vectors_are_unit_length_and_mean_what_the_texts_mean(embedder):
    vectors = embedder.embed([
        "how much do machine learning engineers earn",
        "what is the salary of an ML engineer",
        "what is the capital of France",
    ])
    assert vectors.shape == (3, DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    same, other = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert same > 0.6 > other


def test_padding_does_not_change_a_vector(embedder):
    """Texts are padded to the longest of their batch: the mask keeps the padding out."""
    alone = embedder.embed_one("ml pay")
    batched = embedder.embed(["ml pay", "a much longer question about the pay of engineers"])[0]
    assert np.allclose(alone, batched, atol=1e-3)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingUnavailable, match="not found"):
        load_embedder(tmp_path / "model.onnx")


def test_a_foreign_or_corrupt_model_is_refused(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(EmbeddingUnavailable, match="not the pinned"):
        load_embedder(fake)


def test_without_the_model_the_matcher_answers_with_words_alone(
    fresh_models, monkeypatch, tmp_path, caplog, shipped_kb
):
    (tmp_path / "model.onnx").write_bytes(b"\0" * 100)
    monkeypatch.setenv(MODEL_PATH_ENV, str(tmp_path / "model.onnx"))
    with caplog.at_level(logging.WARNING):
        assert semantic_model() is None
        assert semantic_model(tmp_path) is None
        matcher = Matcher(shipped_kb)
    warnings = [r for r in caplog.records if "semantic matching off" in r.getMessage()]
    assert len(warnings) == 1  # one clear line, not one per build
    assert matcher.semantic is None and matcher.thresholds == DEFAULT_THRESHOLDS
    result = matcher.match("how much does a machine learning engineer make")
    assert result.answered and result.fact.id == "average-salary"


def test_the_model_can_be_turned_off(fresh_models, monkeypatch):
    monkeypatch.setenv(MODEL_PATH_ENV, "off")
    assert semantic_model() is None


def test_meaning_answers_a_question_worded_in_a_way_nobody_wrote_down(
    shipped_matcher, shipped_semantic_matcher
):
    question = "will there still be demand for people who build ML models in ten years"
    assert not shipped_matcher.match(question).answered  # words alone: too unsure
    result = shipped_semantic_matcher.match(question)
    assert result.answered and result.fact.id == "ml-skills-demand-growth"


def test_meaning_still_declines_what_the_knowledge_base_does_not_cover(shipped_semantic_matcher):
    for question in ("whats the weather in paris", "how much does a nurse make",
                     "what is the best pizza topping"):
        assert not shipped_semantic_matcher.match(question).answered, question


def test_calibration_is_learned_from_the_knowledge_base(shipped_semantic_matcher):
    calibration = shipped_semantic_matcher.calibration
    assert calibration is not None and calibration.asked > 100
    low, mid, high = calibration.uncovered
    assert low < mid < high
    assert shipped_semantic_matcher.thresholds.answer == pytest.approx(mid)
    # a covered question scores above what an uncovered one usually does
    assert calibration.covered_median > mid
    assert calibration.unprompted >= shipped_semantic_matcher.thresholds.answer


def test_a_chatty_question_with_a_clear_lead_answers_under_the_answer_score(
    shipped_semantic_matcher
):
    """From `floor` (the held-out facts' lower quartile), a lead that held-out facts rarely
    give answers: a clear winner (face unlock: where ML is used), or the fact holding a figure
    the question quotes."""
    matcher = shipped_semantic_matcher
    t = matcher.thresholds
    assert t.floor < t.answer and t.sure_lead > t.lead
    without = replace(t, floor=t.answer, sure_lead=t.lead)
    for question, fact_id in (
        ("does my phone recognising my face count as machine learning", "where-is-ml-used"),
        ("heard something about a 14k bump for having ml skills, true?",
         "ml-skills-salary-premium"),
    ):
        result = matcher.match(question)
        assert result.answered and result.fact.id == fact_id, question
        assert t.floor <= result.confidence < t.answer
        assert not matcher.match(question, thresholds=without).answered


def test_a_knowledge_base_of_one_phrasing_per_fact_is_calibrated_too(shipped_kb):
    cut = replace(shipped_kb, facts={
        fid: replace(f, alternates=(), keywords=()) for fid, f in shipped_kb.facts.items()
    })
    matcher = Matcher(cut)
    assert matcher.calibration.asked == len(cut.facts)
    assert matcher.thresholds != Matcher(shipped_kb).thresholds


def test_a_fact_added_with_two_phrasings_is_reachable(shipped_kb):
    new = Fact(
        id="cv-channel", topic="community",
        question="Where do I post my CV for feedback?",
        alternates=("where can i get my resume reviewed",),
        answer="Post it in #cv-review.",
    )
    kb = replace(shipped_kb, facts={**shipped_kb.facts, new.id: new})
    result = Matcher(kb).match("where should i share my resume to get feedback on it")
    assert result.answered and result.fact.id == "cv-channel"


def test_the_model_reads_a_mistyped_question_as_its_corrected_words(shipped_semantic_matcher):
    """The words' typos are corrected, and the model is given the corrected words too: its
    word pieces of "lerning" mean little, so a mistyped question scored lower than its
    spelt twin and was declined ("salary check: machine lerning engineer usa")."""
    matcher = shipped_semantic_matcher
    typed = matcher.match("salary check: machine lerning enginer usa")
    spelt = matcher.match("salary check: machine learning engineer usa")
    assert spelt.answered and typed.fact == spelt.fact
    assert typed.confidence == pytest.approx(spelt.confidence, abs=1e-6)


def test_the_model_reads_chat_spelling_as_the_words_it_stands_for(shipped_semantic_matcher):
    """ "u", "ur", "whats", "rn" are read as "you", "your", "what is", "now" by the words'
    index and by the model alike."""
    matcher = shipped_semantic_matcher
    for chat, spelt in [
        ("do u need a phd to be an mle rn", "do you need a phd to be an mle now"),
        ("whats ur best tip to get started", "what is your best tip to get started"),
    ]:
        typed, written = matcher.match(chat), matcher.match(spelt)
        assert typed.fact == written.fact, chat
        assert typed.confidence == pytest.approx(written.confidence, abs=1e-6), chat


def test_the_model_does_not_read_chat_fillers(shipped_semantic_matcher):
    """ "tbh" moved the model's reading of a pay question to the wrong pay fact."""
    matcher = shipped_semantic_matcher
    said = matcher.match("whats the pay like for ml engineers tbh")
    asked = matcher.match("whats the pay like for ml engineers")
    assert said.fact is not None and said.fact.id == "average-salary"
    assert said.confidence == pytest.approx(asked.confidence, abs=1e-6)


def test_meaning_answers_a_question_in_words_the_knowledge_base_never_uses():
    """Words only, a question none of whose words of substance the knowledge base uses is
    declined ("subject-word"); the model reads "book a table" as a reservation."""
    asked = {
        "reservations": ["does the restaurant take reservations", "can i reserve a spot for dinner",
                         "is it possible to make a reservation", "do you accept reservations"],
        "opening-hours": ["what time do you open", "when does the restaurant close",
                          "what are your opening hours", "are you open on sundays"],
        "vegan": ["do you have vegan dishes", "is there anything on the menu without meat",
                  "are there vegetarian options", "can vegans eat here"],
        "parking": ["is there parking nearby", "where can i park my car",
                    "do you have a car park", "is parking free"],
        "delivery": ["do you deliver food", "can i order for delivery",
                     "do you bring food to my house", "is there home delivery"],
        "payment": ["can i pay by card", "do you take credit cards", "is cash accepted",
                    "what payment methods do you accept"],
    }
    knowledge = KnowledgeBase.from_facts([
        Fact(id=fid, question=first, alternates=tuple(rest), answer=fid)
        for fid, (first, *rest) in asked.items()
    ])
    question = "can i book a table"
    assert not Matcher(knowledge, semantic=None).match(question).answered
    result = Matcher(knowledge).match(question)
    assert result.answered and result.fact.id == "reservations"


def test_shipped_matcher_answers_the_subject_side_of_a_comparison(shipped_semantic_matcher):
    assert shipped_semantic_matcher.semantic is not None
    for question, job in [("ml engineer vs software engineer salary", "software engineer"),
                          ("how much does a software engineer make compared to an ml engineer",
                           "software engineer"),
                          ("do ml engineers make more than data scientists", "data scientists")]:
        result = shipped_semantic_matcher.match(question)
        assert result.answered and result.not_covered == OffTopic("role", job), question
        assert result.fact.id in ("average-salary", "pay-vs-national-average"), question
    plain = shipped_semantic_matcher.match("how much do ml engineers make")
    assert plain.answered and plain.not_covered is None
    other = shipped_semantic_matcher.match("how much does a software engineer make")
    assert not other.answered and other.off_topic == OffTopic("role", "software engineer")
