"""Importing uploaded knowledge files: checked, summarised, applied only when asked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.editing import (
    MAX_IMPORT_FILE_BYTES,
    MAX_IMPORT_TOTAL_BYTES,
    EditRejected,
    KnowledgeStore,
)
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.models import Fact

from .conftest import files_of, loaded, new_fact


def without_link(facts: list[Fact], fact_id: str) -> list[Fact]:
    return [replace(f, related=tuple(r for r in f.related if r != fact_id)) for f in facts]


def test_preview_then_apply(store: KnowledgeStore, kb_dir: Path):
    kb = loaded(kb_dir)
    gone = "ml-skills-salary-premium"  # removed; the facts linking to it drop the link
    pay = without_link(kb.facts_in("pay"), gone)
    pay[0] = replace(pay[0], answer="Changed.")
    pay = [f for f in pay if f.id != gone] + [new_fact("stock-options")]
    outlook = without_link(kb.facts_in("outlook"), gone)
    upload = {
        "pay.yaml": dump_topic("pay", "Pay and salary", pay).encode(),
        "outlook.yaml": dump_topic("outlook", "Job outlook and demand", outlook).encode(),
        "sources.yaml": (kb_dir / "sources.yaml").read_bytes(),
    }
    before = files_of(kb_dir)
    preview = store.import_topics(upload, actor="mod", apply=False)
    assert files_of(kb_dir) == before
    assert not preview.applied and preview.change is None
    diffs = {d.topic_id: d for d in preview.topics}
    assert diffs["pay"].added == ("stock-options",)
    assert diffs["pay"].changed == ("average-salary",)
    assert diffs["pay"].removed == ("ml-skills-salary-premium",)
    assert diffs["outlook"].changed == ("ml-skills-demand-growth",)
    assert preview.unchanged == ("sources.yaml",)
    assert "stock-options" in preview.describe()

    done = store.import_topics(upload, actor="mod", apply=True)
    assert done.applied and done.change is not None and done.change.action == "import"
    assert (kb_dir / "topics/pay.yaml").read_bytes() == upload["pay.yaml"]
    assert loaded(kb_dir) == done.knowledge
    assert "stock-options" in done.knowledge.facts

    # An import is reverted file by file.
    store.revert(done.change.id, actor="mod2")
    assert files_of(kb_dir) == before


def test_new_topic_file(store: KnowledgeStore, kb_dir: Path):
    upload = {"interviews.yaml": dump_topic("interviews", "Interviews",
                                            [new_fact("interview-prep")]).encode()}
    summary = store.import_topics(upload, actor="mod", apply=True)
    assert summary.topics[0].new_topic and summary.topics[0].added == ("interview-prep",)
    assert loaded(kb_dir).topic("interviews") is not None
    store.revert(summary.change.id, actor="mod")
    assert not (kb_dir / "topics/interviews.yaml").exists()


def test_same_files_change_nothing(store: KnowledgeStore, kb_dir: Path):
    summary = store.import_topics(store.export(), actor="mod", apply=True)
    assert not summary.has_changes and not summary.applied
    assert store.changes() == []


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("../evil.yaml", b"topic: evil\n", "attachment names must be"),
        ("topics/pay.yaml", b"topic: pay\n", "attachment names must be"),
        ("/etc/passwd.yaml", b"x: 1\n", "attachment names must be"),
        ("..yaml", b"x: 1\n", "attachment names must be"),
        ("Pay.yaml", b"x: 1\n", "attachment names must be"),
        ("pay.yml", b"x: 1\n", "attachment names must be"),
        ("pay.yaml", b"!!python/object/apply:os.system ['echo hacked']\n", "invalid YAML"),
        ("pay.yaml", b"a: &x [1]\nb: *x\n", "aliases"),
        ("pay.yaml", b"topic: pay\ntitle: caf\xe9\n", "not UTF-8"),
        ("pay.yaml", b"#" * (MAX_IMPORT_FILE_BYTES + 1), "the limit is"),
        ("pay.yaml", b"topic: pay\ntitle: [\n", "invalid YAML"),
        ("pay.yaml", b"topic: pay\ntitle: Pay\nfacts: []\n", "unknown related fact"),
        ("pay.yaml", b"topic: wrong\ntitle: Pay\nfacts: []\n", "'topic' must be 'pay'"),
        ("matching.yaml", b"subject: cooking\n", "edited in the knowledge directory"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_written(
    store: KnowledgeStore, kb_dir: Path, tmp_path: Path, name: str, data: bytes, expected: str
):
    before = files_of(tmp_path)
    with pytest.raises(EditRejected) as caught:
        store.import_topics({name: data}, actor="mod", apply=True)
    assert any(expected in str(i) for i in caught.value.issues), caught.value.issues
    assert files_of(tmp_path) == before
    assert not (tmp_path / "evil.yaml").exists()


def test_total_size_limit(store: KnowledgeStore):
    part = b"#" * (MAX_IMPORT_FILE_BYTES - 10)
    upload = {f"t{n}.yaml": part for n in range(MAX_IMPORT_TOTAL_BYTES // len(part) + 1)}
    with pytest.raises(EditRejected, match="in all"):
        store.import_topics(upload, actor="mod")


def test_nothing_attached(store: KnowledgeStore):
    with pytest.raises(EditRejected, match="nothing to import"):
        store.import_topics({}, actor="mod")
