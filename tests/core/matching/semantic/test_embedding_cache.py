"""The phrasing vectors on disk: read back, rebuilt when damaged, shared, held out."""

from __future__ import annotations

import gc
import logging
import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher
from bot.core.matching import semantic as semantic_module
from bot.core.matching.embedding import (
    DIMENSION,
    MODEL_SHA256,
)
from bot.core.matching.embedding_cache import (
    KEY_BYTES,
    EmbeddingCache,
    FileBlock,
    key_rows,
    text_key,
)
from bot.core.matching.semantic import SemanticModel, semantic_model
from bot.core.matching.thresholds import DEFAULT_THRESHOLDS
from bot.core.modes import Mode
from tests.core.matching.semantic.shared import CountingEmbedder, small_kb

# -- the cache -------------------------------------------------------------------------------



def test_a_restart_reads_the_vectors_instead_of_embedding(embedder, tmp_path):
    first = CountingEmbedder(embedder)
    Matcher(small_kb(), semantic=SemanticModel(first, tmp_path))
    assert first.texts == 4
    again = CountingEmbedder(embedder)
    model = SemanticModel(again, tmp_path)
    assert model.cache.loaded_from_disk == 4
    Matcher(small_kb(), semantic=model)
    assert again.texts == 0


def test_a_restart_holds_the_vectors_once_not_twice(embedder, tmp_path):
    """Read back in the order they were written, the vectors are the file's own array (read
    only), shared with the index, not copied into it; asked in another order, a copy (and the
    file is written again in that order)."""
    Matcher(small_kb(), semantic=SemanticModel(CountingEmbedder(embedder), tmp_path))
    model = SemanticModel(CountingEmbedder(embedder), tmp_path)
    index = Matcher(small_kb(), semantic=model).semantic
    texts = [p for fact in small_kb().facts.values() for p in fact.phrasings]
    read_back = model.vectors(texts)
    assert np.shares_memory(index.phrasings, read_back) and not read_back.flags.writeable
    reordered = model.vectors(texts[::-1])
    assert not np.shares_memory(reordered, read_back)
    assert np.array_equal(reordered, read_back[::-1])


def test_after_a_cold_build_the_vectors_are_held_once(embedder, tmp_path):
    model = SemanticModel(CountingEmbedder(embedder), tmp_path)
    index = Matcher(small_kb(), semantic=model).semantic
    texts = [p for fact in small_kb().facts.values() for p in fact.phrasings]
    assert np.shares_memory(index.phrasings, model.vectors(texts))  # the saved file's array


def test_a_knowledge_base_edited_since_its_file_was_written_rewrites_it_once(embedder, tmp_path):
    """A start on a knowledge base that dropped a text (or reordered them) writes the file
    again in its own order, so the next start shares the file's array instead of holding the
    vectors twice; a cut-down knowledge base (a small part of the file) leaves it alone."""
    kb = small_kb()
    Matcher(kb, semantic=SemanticModel(embedder, tmp_path))
    (path,) = tmp_path.glob("embeddings-*.npz")
    edited = replace(kb, facts={i: f for i, f in kb.facts.items() if i != "f1"})
    texts = [p for fact in edited.facts.values() for p in fact.phrasings]
    counting = CountingEmbedder(embedder)
    Matcher(edited, semantic=SemanticModel(counting, tmp_path))
    assert counting.texts == 0  # every vector came from the file
    model = SemanticModel(embedder, tmp_path)
    assert model.cache.loaded_from_disk == 3  # written again, with the edited texts only
    index = Matcher(edited, semantic=model).semantic
    assert np.shares_memory(index.phrasings, model.vectors(texts))
    written = path.stat().st_mtime_ns
    one = replace(edited, facts={"f0": edited.facts["f0"]})
    Matcher(one, semantic=SemanticModel(embedder, tmp_path), thresholds=DEFAULT_THRESHOLDS)
    assert path.stat().st_mtime_ns == written


def test_a_save_writes_the_knowledge_bases_order(tmp_path):
    cache = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    cache.put(["a", "b"], np.ones((2, DIMENSION), dtype=np.float32))
    cache.save()
    reread = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    reread.put(["c"], np.zeros((1, DIMENSION), dtype=np.float32))
    order = [text_key("c"), text_key("a")]
    reread.save(keep=order)
    again = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    assert again.holds_in_order(order)
    assert again.vectors(order) is again.vectors(order)  # the file's own array, not a copy


def test_the_file_is_read_after_the_word_index_has_given_its_memory_back(
    embedder, tmp_path, monkeypatch
):
    """A large knowledge base's start: the word index is built, what it freed goes back to
    the system, and only then is the vectors' file read (their peaks do not add up)."""
    from bot.core.matching import matcher as matcher_module

    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    events: list[str] = []
    monkeypatch.setattr(matcher_module, "RELEASE_AFTER_PHRASINGS", 4)
    monkeypatch.setattr(matcher_module, "release_free_memory", lambda: events.append("release"))
    read = EmbeddingCache._read
    monkeypatch.setattr(EmbeddingCache, "_read", lambda self: (events.append("read"), read(self)))
    model = SemanticModel(embedder, tmp_path)
    assert events == []  # not read when the model is made
    Matcher(small_kb(), semantic=model)
    assert events == ["release", "read"]
    assert model.cache.loaded_from_disk == 4


def test_an_edit_embeds_only_the_new_texts(embedder, tmp_path):
    counting = CountingEmbedder(embedder)
    model = SemanticModel(counting, tmp_path)
    kb = small_kb()
    Matcher(kb, semantic=model)
    added = Fact(id="f9", question="where do i post my cv", answer="b")
    Matcher(replace(kb, facts={**kb.facts, "f9": added}), semantic=model)
    assert counting.texts == 5


def test_a_save_after_an_edit_lets_go_of_the_file_it_replaced(tmp_path):
    """A text the knowledge base no longer has must not keep the old file's array alive (a
    whole generation of vectors per edit, 77 MB at 10,000 facts)."""
    cache = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    cache.put(["kept", "renamed"], np.ones((2, DIMENSION), dtype=np.float32))
    cache.save()
    first = weakref.ref(cache.vectors([text_key("kept"), text_key("renamed")]))
    cache.put(["renamed, after the edit"], np.zeros((1, DIMENSION), dtype=np.float32))
    now = [text_key("kept"), text_key("renamed, after the edit")]
    cache.save(keep=now)
    gc.collect()
    assert first() is None
    assert cache.missing(now) == [] and cache.missing([text_key("renamed")]) == [0]
    assert np.array_equal(cache.vectors(now), [np.ones(DIMENSION), np.zeros(DIMENSION)])


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
        assert EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path).loaded_from_disk == 4
        with np.load(path) as arrays:
            meta, keys, vectors = arrays["meta"], arrays["keys"], arrays["vectors"].copy()
        vectors[0, 0] += 1
        np.savez(path.open("wb"), meta=meta, keys=keys, vectors=vectors)
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
    assert text_key(text).endswith(b"\0")
    cache = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    cache.put([text, "question 1"], np.ones((2, DIMENSION), dtype=np.float32))
    cache.save()
    reread = EmbeddingCache(MODEL_SHA256, DIMENSION, tmp_path)
    keys = [text_key(text), text_key("question 1")]
    assert reread.missing(keys) == [] and reread.holds_in_order(keys)


def test_vectors_read_from_the_file_are_found_through_its_keys_not_a_table(embedder, tmp_path):
    """A restart reads the vectors as the file's array, with no Python object per text: the
    process's shared table stays empty, and every text is still found."""
    Matcher(small_kb(), semantic=SemanticModel(embedder, tmp_path))
    shared: dict = {}
    counting = CountingEmbedder(embedder)
    model = SemanticModel(counting, tmp_path, shared)
    Matcher(small_kb(), semantic=model)
    assert counting.texts == 0 and shared == {}
    assert len(model.cache) == 4


@given(st.lists(st.binary(min_size=KEY_BYTES, max_size=KEY_BYTES), max_size=30),
       st.lists(st.binary(min_size=KEY_BYTES, max_size=KEY_BYTES), max_size=10),
       st.binary(min_size=8, max_size=8))
def test_a_file_block_finds_each_key_it_holds_and_no_other(held, others, prefix):
    """Keys sharing their first 8 bytes included (the index sorts on those)."""
    held = held + [prefix + key[8:] for key in held[:3]]
    block = FileBlock(key_rows(held) if held else np.zeros((0, KEY_BYTES), np.uint8),
                      np.zeros((len(held), 2), np.float16))
    asked = held + others
    rows = block.rows(key_rows(asked) if asked else np.zeros((0, KEY_BYTES), np.uint8))
    for key, row in zip(asked, rows.tolist(), strict=True):
        if key in held:
            assert row == held.index(key)
        else:
            assert row == -1
