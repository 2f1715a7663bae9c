"""The calibration kept on disk: read back after a restart, learned anew when anything it
depends on changes or the file is damaged."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.matching import Matcher
from bot.core.matching.embedding import (
    MODEL_SHA256,
)
from bot.core.matching.semantic import SemanticModel
from tests.core.matching.semantic.shared import small_kb

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
                         cwd=Path(__file__).resolve().parents[4])
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
