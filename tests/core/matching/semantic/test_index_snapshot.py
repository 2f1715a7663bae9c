"""The built indexes kept on disk (`bot.core.matching.snapshot`): a restart on the same
knowledge base reads them instead of building, answers exactly as a build would, and builds
anew whatever is damaged, foreign or stale."""

from __future__ import annotations

import errno
import logging
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.matching import Matcher, snapshot
from bot.core.matching import matcher as matcher_module
from bot.core.matching import semantic as semantic_module
from bot.core.matching.index import Index
from bot.core.matching.semantic import SemanticModel
from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
from tests.core.matching.semantic.shared import small_kb

VECTORS: dict[bytes, np.ndarray] = {}
"""Phrasing vectors shared by this module's models (each test's directory is new; the model
embeds the shipped knowledge base once)."""


@pytest.fixture
def snapshots_for_any_size(monkeypatch):
    """Every knowledge base keeps a snapshot (the shipped one is below `MIN_PHRASINGS`), and
    no calibration is remembered in memory (each matcher starts as in a new process)."""
    monkeypatch.setattr(snapshot, "MIN_PHRASINGS", 0)
    monkeypatch.setattr(matcher_module, "_CALIBRATIONS", {})


def restart(embedder, directory, knowledge, monkeypatch, **options) -> Matcher:
    """A matcher built as a new process on `directory` would build it."""
    monkeypatch.setattr(matcher_module, "_CALIBRATIONS", {})
    return Matcher(knowledge, semantic=SemanticModel(embedder, directory, VECTORS), **options)


def never_build(monkeypatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("built the word index instead of reading it back")

    monkeypatch.setattr(Matcher, "_build", fail)


def same_index(a: Index, b: Index) -> None:
    arrays_a, texts_a = a.state()
    arrays_b, texts_b = b.state()
    assert texts_a == texts_b
    assert arrays_a.keys() == arrays_b.keys()
    for name in arrays_a:
        assert np.array_equal(arrays_a[name], arrays_b[name]), name
    assert a.phrasings_of == b.phrasings_of and a.idf_unknown == b.idf_unknown
    assert np.array_equal(a.phrasing_fact_array, b.phrasing_fact_array)
    assert a.phrasings._dense.keys() == b.phrasings._dense.keys()


def outcome(matcher: Matcher, question: str):
    result = matcher.match(question)
    return (result.fact.id if result.fact else None, result.confidence, result.off_topic,
            [(s.fact.id, s.score) for s in result.suggestions])


GOLD = [q.text for q in load_gold(DEFAULT_GOLD)][::4]


def test_a_restart_reads_the_indexes_and_answers_exactly_as_a_build(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch):
    built = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert len(list(tmp_path.glob("index-*.npz"))) == 1
    never_build(monkeypatch)
    read = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    same_index(built.index, read.index)
    assert read.analyzer.known_words == built.analyzer.known_words
    assert np.array_equal(read.semantic.centroids, built.semantic.centroids)
    assert read.thresholds == built.thresholds
    for question in GOLD:
        assert outcome(read, question) == outcome(built, question), question


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(
    "how much do ml engineers earn in the us degree masters phd python learn start course "
    "jobs growth machine lerning enginer salry what is why who nurse 2019 2022 k".split()),
    min_size=1, max_size=8))
def test_read_and_built_indexes_score_any_question_alike(
        embedder, tmp_path_factory, shipped_kb, snapshots_for_any_size, monkeypatch, words):
    directory = tmp_path_factory.getbasetemp() / "snapshot-property"
    built = restart(embedder, directory, shipped_kb, monkeypatch)  # writes it once
    read = restart(embedder, directory, shipped_kb, monkeypatch)
    question = " ".join(words)
    assert outcome(read, question) == outcome(built, question)
    assert read.complete(question[:6]) == built.complete(question[:6])


def test_a_small_knowledge_base_keeps_no_snapshot(embedder, tmp_path, monkeypatch):
    restart(embedder, tmp_path, small_kb(), monkeypatch)
    assert list(tmp_path.glob("index-*.npz")) == []
    assert snapshot.MIN_PHRASINGS > 1_000  # the shipped knowledge base builds faster


@pytest.mark.parametrize("damage", ["flipped", "cut short", "not a zip", "another key",
                                    "parts that do not fit"])
def test_a_damaged_or_foreign_snapshot_is_logged_and_built_anew(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch, caplog, damage):
    built = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    (path,) = tmp_path.glob("index-*.npz")
    data = bytearray(path.read_bytes())
    if damage == "flipped":
        middle = len(data) // 2
        data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
        path.write_bytes(bytes(data))
    elif damage == "cut short":
        path.write_bytes(bytes(data[: len(data) // 3]))
    elif damage == "not a zip":
        path.write_text("hello", encoding="utf-8")
    else:
        other = replace(shipped_kb, facts=dict(list(shipped_kb.facts.items())[:-1]))
        restart(embedder, tmp_path, other, monkeypatch)
        (other_path,) = set(tmp_path.glob("index-*.npz")) - {path}
        if damage == "another key":  # a file renamed to this key's name
            other_path.replace(path)
        else:  # this key's name and meta, another knowledge base's arrays
            with np.load(other_path) as other_data, np.load(path) as own:
                parts = {name: other_data[name] for name in other_data.files}
                parts["meta"] = own["meta"]
            with path.open("wb") as handle:
                np.savez(handle, **parts)
            other_path.unlink()
    with caplog.at_level(logging.WARNING, logger="bot.core.matching.snapshot"):
        again = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert "ignored and built anew" in caplog.text
    for question in GOLD[:20]:
        assert outcome(again, question) == outcome(built, question)
    never_build(monkeypatch)  # and the file was written again, whole
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.core.matching.snapshot"):
        restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert caplog.text == ""


def test_an_edit_is_built_and_kept_beside_the_last_one(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch):
    restart(embedder, tmp_path, shipped_kb, monkeypatch)
    fact = next(iter(shipped_kb.facts.values()))
    edited = replace(shipped_kb, facts={
        **shipped_kb.facts, fact.id: replace(fact, alternates=(*fact.alternates, "new words"))})
    with_edit = restart(embedder, tmp_path, edited, monkeypatch)
    assert "new word" in with_edit.index.phrasing_text  # built, not read from the old snapshot
    assert len(list(tmp_path.glob("index-*.npz"))) == 2
    third = replace(edited, facts=dict(list(edited.facts.items())[1:]))
    restart(embedder, tmp_path, third, monkeypatch)
    assert len(list(tmp_path.glob("index-*.npz"))) == snapshot.KEEP_ON_DISK == 2


def test_a_full_disk_is_logged_and_the_matcher_answers(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch, caplog):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snapshot.np, "savez", full)
    with caplog.at_level(logging.WARNING, logger="bot.core.matching.snapshot"):
        matcher = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert "index snapshot not saved" in caplog.text and "No space left" in caplog.text
    assert list(tmp_path.glob("index-*.npz")) == [] and list(tmp_path.glob(".index-*")) == []
    assert matcher.match("how much do ml engineers make").fact is not None


def test_restored_refuses_parts_of_another_size(embedder, tmp_path, shipped_kb,
                                                 snapshots_for_any_size, monkeypatch):
    index = restart(embedder, tmp_path, shipped_kb, monkeypatch).index
    arrays, texts = index.state()
    n_facts, n_phrasings = len(index.first_phrasing), len(index.phrasing_text)
    Index.restored(arrays, texts, n_facts, n_phrasings)  # fits
    for facts, phrasings in ((n_facts + 1, n_phrasings), (n_facts, n_phrasings - 1)):
        with pytest.raises(ValueError, match="do not fit"):
            Index.restored(arrays, texts, facts, phrasings)
    with pytest.raises(ValueError, match="do not fit"):
        Index.restored({**arrays, "phrasings_indptr": arrays["phrasings_indptr"][:-1]},
                       texts, n_facts, n_phrasings)


def test_a_restart_uses_the_vectors_file_without_hashing_every_text(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch):
    built = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert built.semantic.file is not None  # the file holds the knowledge base, in order

    def no_hashing(_text):
        raise AssertionError("hashed the texts again")

    with monkeypatch.context() as patched:
        patched.setattr(semantic_module, "text_key", no_hashing)
        read = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert read.semantic.phrasings is read.semantic.model.cache.file_vectors(built.semantic.file)
    assert np.array_equal(read.semantic.phrasings, built.semantic.phrasings)
    for question in GOLD[:20]:
        assert outcome(read, question) == outcome(built, question)


def test_another_vectors_file_is_read_by_its_keys_and_the_snapshot_updated(
        embedder, tmp_path, shipped_kb, snapshots_for_any_size, monkeypatch):
    built = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    (snapshot_file,) = tmp_path.glob("index-*.npz")
    # Another process on the same data directory keeps a much larger knowledge base's vectors
    # in the file, ours among them: the file is no longer ours alone, nor in our order.
    model = SemanticModel(embedder, tmp_path, {})
    ours = [p for fact in built.facts for p in fact.phrasings]
    others = [f"another knowledge base's phrasing {n}" for n in range(3 * len(ours))]
    model.cache.put(others, np.random.default_rng(0).standard_normal((len(others), 384)))
    model.cache.save(keep=[semantic_module.text_key(t) for t in [*others, *ours]])
    before = snapshot_file.stat().st_mtime_ns
    read = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert np.array_equal(read.semantic.phrasings, built.semantic.phrasings)
    for question in GOLD[:20]:
        assert outcome(read, question) == outcome(built, question)
    # The file was left as it is (ours is a small part of it), and the snapshot no longer
    # names it: the next start finds the vectors by their keys, without writing again.
    assert read.semantic.file is None and snapshot_file.stat().st_mtime_ns != before
    before = snapshot_file.stat().st_mtime_ns
    again = restart(embedder, tmp_path, shipped_kb, monkeypatch)
    assert again.semantic.file is None and snapshot_file.stat().st_mtime_ns == before
    assert np.array_equal(again.semantic.phrasings, built.semantic.phrasings)
