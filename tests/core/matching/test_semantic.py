"""The meaning signal, with the real bundled model: the embedder, its cache, the calibration,
and the lexical fallback when the model can not be used."""

from __future__ import annotations

import logging
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import Matcher
from bot.core.matching import semantic as semantic_module
from bot.core.matching.embedding import (
    DIMENSION,
    MODEL_PATH_ENV,
    MODEL_SHA256,
    EmbeddingUnavailable,
    default_model_path,
    file_sha256,
    load_embedder,
)
from bot.core.matching.embedding_cache import EmbeddingCache
from bot.core.matching.semantic import SemanticModel, semantic_model
from bot.core.matching.thresholds import DEFAULT_THRESHOLDS
from bot.core.modes import Mode


@pytest.fixture(scope="module")
def embedder():
    return load_embedder()


@pytest.fixture
def fresh_models(monkeypatch):
    """semantic_model() as in a new process: nothing loaded, nothing known to be missing."""
    monkeypatch.setattr(semantic_module, "_models", {})
    monkeypatch.setattr(semantic_module, "_embedder", None)
    monkeypatch.setattr(semantic_module, "_unavailable", None)


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


# -- the cache -------------------------------------------------------------------------------


def small_kb() -> KnowledgeBase:
    return KnowledgeBase.from_facts([
        Fact(id=f"f{i}", question=q, answer="a")
        for i, q in enumerate(["how much do ml engineers earn", "what degree do i need",
                               "is ml hard to learn", "what does an ml engineer do"])
    ])


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.info, self.texts = inner, inner.info, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)

    def embed_one(self, text):
        return self.inner.embed_one(text)


def test_a_restart_reads_the_vectors_instead_of_embedding(embedder, tmp_path):
    first = CountingEmbedder(embedder)
    Matcher(small_kb(), semantic=SemanticModel(first, tmp_path))
    assert first.texts == 4
    again = CountingEmbedder(embedder)
    model = SemanticModel(again, tmp_path)
    assert model.cache.loaded_from_disk == 4
    Matcher(small_kb(), semantic=model)
    assert again.texts == 0


def test_an_edit_embeds_only_the_new_texts(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    model = SemanticModel(counting, tmp_path)
    kb = small_kb()
    Matcher(kb, semantic=model)
    added = Fact(id="f9", question="where do i post my cv", answer="b")
    Matcher(replace(kb, facts={**kb.facts, "f9": added}), semantic=model)
    assert counting.texts == 5


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "tampered"])
def test_a_damaged_cache_is_rebuilt_not_trusted(embedder, tmp_path, damage, caplog):
    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    (path,) = tmp_path.glob("embeddings-*.npz")
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":
        cache = EmbeddingCache("f" * 64, DIMENSION, tmp_path)
        cache.put(["x"], np.ones((1, DIMENSION), dtype=np.float32))
        cache.save()
        (tmp_path / f"embeddings-{'f' * 16}.npz").replace(path)
    else:  # a vector changed after the checksum was written
        cache = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
        with np.load(path) as arrays:
            meta, keys, vectors = arrays["meta"], arrays["keys"], arrays["vectors"].copy()
        vectors[0, 0] += 1
        np.savez(path.open("wb"), meta=meta, keys=keys, vectors=vectors)
        assert cache.loaded_from_disk == 4  # read before the change
    counting = CountingEmbedder(embedder)
    with caplog.at_level(logging.WARNING):
        model = SemanticModel(counting, tmp_path)
        matcher = Matcher(small_kb(), semantic=model)
    assert model.cache.rejected is not None
    assert counting.texts == 4  # embedded again
    assert matcher.match("how much do ml engineers earn").fact.id == "f0"
    assert SemanticModel(embedder, tmp_path).cache.loaded_from_disk == 4  # and rewritten


def test_an_unwritable_cache_directory_loses_nothing(embedder, tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        matcher = Matcher(small_kb(), semantic=SemanticModel(embedder, blocked / "cache"))
    assert "not saved" in caplog.text
    assert matcher.match("how much do ml engineers earn").fact.id == "f0"


def test_two_processes_writing_at_once_leave_a_whole_file(embedder, tmp_path):
    """Each writer replaces the file with a whole one of its own (temp file + rename)."""
    a, b = SemanticModel(embedder, tmp_path), SemanticModel(embedder, tmp_path)
    a.vectors(["one", "two"])
    b.vectors(["three"])
    assert not list(Path(tmp_path).glob(".embeddings-*"))
    reread = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    assert reread.rejected is None and reread.loaded_from_disk in (1, 2)


def test_the_setting_turns_the_model_off(fresh_models):
    assert semantic_model(None, "off") is None


def test_a_new_data_directory_gets_a_file_even_when_the_process_knows_the_vectors(
    embedder, tmp_path
):
    shared: dict = {}
    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path / "a", shared))
    counting = CountingEmbedder(embedder)
    Matcher(small_kb(), semantic=SemanticModel(counting, tmp_path / "b", shared))
    assert counting.texts == 0  # read from the process's memory
    assert SemanticModel(embedder, tmp_path / "b").cache.loaded_from_disk == 4


def test_a_held_out_phrasing_leaves_its_fact_entirely(shipped_semantic_matcher):
    """Asked with itself held out, a phrasing is not found in its fact's meaning either: the
    fact's closest phrasing and its centroid are those of its other phrasings."""
    matcher = shipped_semantic_matcher
    semantic = matcher.semantic
    f = next(i for i, fact in enumerate(matcher.facts) if len(fact.phrasings) > 2)
    row = int(semantic.first_phrasing[f])
    vector = semantic.phrasings[row].astype(np.float32)
    assert semantic.best_phrasing(vector, [f])[0] > 0.99  # itself
    assert semantic.best_phrasing(vector, [f], held_out=row)[0] < 0.99
    assert semantic.by_centroid(vector, row)[f] < semantic.by_centroid(vector)[f]
    others = [i for i in range(len(matcher.facts)) if i != f]
    assert np.array_equal(semantic.by_centroid(vector, row)[others],
                          semantic.by_centroid(vector)[others])


def test_a_fact_whose_only_phrasing_is_held_out_scores_nothing_by_meaning(embedder):
    model = SemanticModel(embedder)
    index = semantic_module.SemanticIndex(model, list(small_kb().facts.values()))
    vector = index.phrasings[0].astype(np.float32)
    assert index.best_phrasing(vector, [0, 1], held_out=0)[0] == 0.0
    assert index.by_centroid(vector, 0)[0] == 0.0


def test_where_the_bot_speaks_unprompted_it_needs_the_calibrated_confidence(shipped_kb):
    from bot.core.service import AnswerService

    service = AnswerService(shipped_kb)
    level = service.unprompted_confidence
    assert level == service.matcher.calibration.unprompted > service.matcher.thresholds.answer
    question = "can machine learning be used in healthcare jobs"  # answered at ~0.62
    addressed = service.ask(question, via="test", record=False)
    assert addressed.answered and addressed.confidence < level
    unprompted = service.ask(question, via="test", record=False, mode=Mode.UNPROMPTED)
    assert not unprompted.answered
    assert AnswerService(shipped_kb, semantic=None).unprompted_confidence == 0.6


def test_an_edit_reuses_the_calibration_until_the_knowledge_base_drifts(shipped_kb):
    """A moderator's edit does not pay for a new calibration; edits that together change
    more than `DRIFT` of the phrasings do."""
    from bot.core.matching.calibration import DRIFT
    from bot.core.service import AnswerService

    service = AnswerService(shipped_kb)
    first = service.matcher.calibration
    fact = next(iter(shipped_kb.facts.values()))
    edited = replace(fact, alternates=(*fact.alternates, "a phrasing a moderator just added"))
    service.replace(replace(shipped_kb, facts={**shipped_kb.facts, fact.id: edited}))
    assert service.matcher.calibration is first
    phrasings = sum(len(f.phrasings) for f in shipped_kb.facts.values())
    many = int(2 * DRIFT * phrasings)  # well past the drift allowed
    added = tuple(f"new phrasing {i}" for i in range(many))
    grown = replace(fact, alternates=(*fact.alternates, *added))
    service.replace(replace(shipped_kb, facts={**shipped_kb.facts, fact.id: grown}))
    assert service.matcher.calibration is not first
    assert service.matcher.calibration.asked > 0


def test_a_key_ending_in_a_zero_byte_survives_the_file(tmp_path):
    """numpy's fixed-size byte strings drop trailing NULs: the keys are stored as bytes rows."""
    text = "question 224"  # its key ends with b"\0"
    from bot.core.matching.embedding_cache import text_key

    assert text_key(text).endswith(b"\0")
    cache = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    cache.put([text, "question 1"], np.ones((2, DIMENSION), dtype=np.float32))
    cache.save()
    reread = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    keys = [text_key(text), text_key("question 1")]
    assert reread.missing(keys) == [] and reread.on_disk(keys)


# -- the calibration on disk -------------------------------------------------------------------


@pytest.fixture
def new_process(monkeypatch):
    """Calibrations as in a new process: none remembered in memory. Returns a function that
    forgets them again (the next matcher is built as after a restart)."""
    from bot.core.matching import matcher as matcher_module

    def forget() -> None:
        monkeypatch.setattr(matcher_module, "_CALIBRATIONS", {})

    forget()
    return forget


def never_calibrate(monkeypatch):
    from bot.core.matching import matcher as matcher_module

    def fail(_matcher):
        raise AssertionError("calibrated again instead of reading it back")

    monkeypatch.setattr(matcher_module, "calibrate", fail)


def test_a_restart_reads_the_calibration_back(embedder, tmp_path, new_process, monkeypatch):
    first = Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path)).calibration
    assert not first.stored and len(list(tmp_path.glob("calibration-*.json"))) == 1
    new_process()
    never_calibrate(monkeypatch)
    again = Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    assert again.calibration.stored and "read from disk" in again.calibration.describe()
    def figures(c):
        return c.thresholds, c.unprompted, c.asked, c.uncovered, c.seconds

    assert figures(again.calibration) == figures(first)
    assert again.calibration.fits(again.facts)  # its basis is rebuilt for the next edit


def test_another_knowledge_base_or_rule_set_is_calibrated_anew(embedder, tmp_path, new_process):
    from bot.core.matching.rules import Rules

    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    new_process()
    kb = small_kb()
    fact = kb.facts["f0"]
    edited = replace(kb, facts={**kb.facts, "f0": replace(fact, alternates=("ml pay",))})
    assert not Matcher(edited, semantic=SemanticModel(embedder, tmp_path)).calibration.stored
    new_process()
    off = Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path),
                  rules=Rules(off=frozenset({"unknown-words"})))
    assert not off.calibration.stored
    assert len(list(tmp_path.glob("calibration-*.json"))) == 3


def test_the_key_is_the_same_in_every_process(shipped_kb):
    """Python's str hash changes from process to process; the key must not."""
    import subprocess
    import sys

    from bot.core.matching.calibration import calibration_key

    def key_here() -> str:
        return calibration_key(MODEL_SHA256, shipped_kb.facts.values(),
                               shipped_kb.vocabulary.synonyms, ("scope x",))

    script = (
        "from bot.core.knowledge.loader import load_knowledge_base, bundled_knowledge_dir\n"
        "from bot.core.matching.calibration import calibration_key\n"
        "from bot.core.matching.embedding import MODEL_SHA256\n"
        "kb = load_knowledge_base(bundled_knowledge_dir())\n"
        "print(calibration_key(MODEL_SHA256, kb.facts.values(), kb.vocabulary.synonyms,"
        " ('scope x',)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "123", "PATH": ""},
                         cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == key_here()


@pytest.mark.parametrize("damage", [
    b"{not json", b'{"key": "another"}', b"[]", None,
])
def test_a_damaged_calibration_file_is_learned_anew(
    embedder, tmp_path, new_process, damage, caplog
):
    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    (path,) = tmp_path.glob("calibration-*.json")
    if damage is None:  # the right key, a threshold that is not a number
        data = path.read_text().replace('"answer": ', '"answer": "high", "x": ', 1)
        path.write_text(data)
    else:
        path.write_bytes(damage)
    new_process()
    with caplog.at_level(logging.WARNING):
        matcher = Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    assert "ignored and learned anew" in caplog.text
    assert not matcher.calibration.stored and matcher.calibration.asked > 0
    new_process()
    assert Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path)).calibration.stored


def test_an_unwritable_directory_keeps_the_calibration_in_memory(
    embedder, tmp_path, new_process, caplog
):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        matcher = Matcher(small_kb(), semantic=SemanticModel(embedder, blocked / "cache"))
    assert "calibration not saved" in caplog.text
    assert matcher.calibration.asked > 0


def test_only_the_latest_calibrations_are_kept(embedder, tmp_path, new_process):
    from bot.core.matching.calibration import KEEP_ON_DISK

    kb = small_kb()
    fact = kb.facts["f0"]
    for n in range(KEEP_ON_DISK + 2):
        edited = replace(fact, alternates=(f"ml pay {n}",))
        Matcher(replace(kb, facts={**kb.facts, "f0": edited}),
                semantic=SemanticModel(embedder, tmp_path))
    assert len(list(tmp_path.glob("calibration-*.json"))) == KEEP_ON_DISK


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=16))
def test_centroids_are_each_facts_normalised_mean_whatever_the_blocks(counts, block):
    from bot.core.matching import semantic as semantic_mod

    rng = np.random.default_rng(len(counts) * 31 + block)
    vectors = rng.standard_normal((sum(counts), 8)).astype(np.float16)
    first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    expected = np.stack([vectors[a:b].astype(np.float64).sum(axis=0)
                         for a, b in pairwise(first)])
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-12)
    got = semantic_mod._centroids(vectors, first, block)
    assert got.dtype == np.float32 and np.allclose(got, expected, atol=1e-5)
