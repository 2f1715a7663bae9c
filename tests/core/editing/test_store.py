"""KnowledgeStore operations: each works, the result loads and answers, refusals write nothing."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.editing import (
    EditConflict,
    EditRejected,
    FactNotFound,
    KnowledgeStore,
    NoChange,
    PhrasingAlreadyPresent,
    PhrasingTaken,
    TopicNotFound,
)
from bot.core.knowledge.models import Citation
from bot.core.knowledge.schema import MAX_ANSWER
from bot.core.matching import Matcher

from .conftest import files_of, knowledge_files_of, loaded, new_fact


def test_add_fact_then_alias_answers_the_new_phrasing(store: KnowledgeStore, kb_dir: Path):
    kb, change = store.add_fact("pay", new_fact("signing-bonus"), actor="alice#1")
    assert change.action == "add" and change.fact_id == "signing-bonus"
    assert kb.facts_in("pay")[-1].id == "signing-bonus"
    kb, change = store.add_alias("signing-bonus", "do ml jobs come with a signing bonus",
                                 actor="bob")
    assert change.summary == "added phrasing 'do ml jobs come with a signing bonus'"
    assert loaded(kb_dir) == kb
    result = Matcher(kb).match("do ml jobs come with a signing bonus")
    assert result.fact is not None and result.fact.id == "signing-bonus"


def test_alias_answers_at_once(store: KnowledgeStore):
    kb, _ = store.add_alias("average-salary", "mle pay?", actor="mod")
    assert "mle pay?" in kb.facts["average-salary"].alternates
    assert Matcher(kb).match("mle pay?").fact.id == "average-salary"


def test_only_the_touched_topic_file_is_rewritten(store: KnowledgeStore, kb_dir: Path):
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
              for p in kb_dir.rglob("*.yaml")}
    store.add_alias("average-salary", "what do ml engineers earn per year", actor="mod")
    for path, (data, mtime, inode) in before.items():
        if path.name == "pay.yaml":
            assert path.read_bytes() != data
            continue
        assert (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_ino) == (
            data, mtime, inode), path


def test_edit_fact(store: KnowledgeStore, kb_dir: Path):
    kb = loaded(kb_dir)
    old = kb.facts["bls-median-salary"]
    edited = replace(old, answer="  A new answer.\nOn two lines.  ", keywords=(*old.keywords, "x"))
    kb, change = store.edit_fact(old.id, edited, actor="mod")
    assert kb.facts[old.id].answer == "A new answer.\nOn two lines."
    assert change.summary == "edited keywords, answer of 'bls-median-salary'"
    assert change.before["answer"] == old.answer and change.after["keywords"][-1] == "x"
    assert [f.id for f in kb.facts_in("pay")] == [f.id for f in loaded(kb_dir).facts_in("pay")]
    assert "answer: |\n      A new answer.\n      On two lines.\n" in (
        kb_dir / "topics/pay.yaml").read_text()


def test_edit_from_a_stale_form_keeps_an_alias_added_meanwhile(store: KnowledgeStore,
                                                               kb_dir: Path):
    base = loaded(kb_dir).facts["bls-median-salary"]
    store.add_alias(base.id, "bls pay for research scientists", actor="a")
    kb, _ = store.edit_fact(base.id, replace(base, answer="Rewritten."), actor="b", base=base)
    fact = kb.facts[base.id]
    assert fact.answer == "Rewritten."
    assert "bls pay for research scientists" in fact.alternates


def test_two_edits_of_the_same_text_conflict(store: KnowledgeStore, kb_dir: Path):
    base = loaded(kb_dir).facts["bls-median-salary"]
    store.edit_fact(base.id, replace(base, answer="First."), actor="a", base=base)
    before = files_of(kb_dir)
    with pytest.raises(EditConflict) as caught:
        store.edit_fact(base.id, replace(base, answer="Second."), actor="b", base=base)
    assert caught.value.fields == ("answer",)
    assert files_of(kb_dir) == before


def test_edit_that_changes_nothing_is_refused(store: KnowledgeStore, kb_dir: Path):
    fact = loaded(kb_dir).facts["bls-median-salary"]
    with pytest.raises(NoChange):
        store.edit_fact(fact.id, replace(fact, answer=fact.answer + "  "), actor="mod")


def test_remove_fact(store: KnowledgeStore, kb_dir: Path):
    kb, change = store.remove_fact("automation-demand-covid", actor="mod")
    assert "automation-demand-covid" not in kb.facts
    assert change.before["id"] == "automation-demand-covid" and change.after is None
    assert loaded(kb_dir) == kb


def test_remove_refused_while_other_facts_relate_to_it(store: KnowledgeStore, kb_dir: Path):
    before = files_of(kb_dir)
    with pytest.raises(EditRejected) as caught:
        store.remove_fact("average-salary", actor="mod")
    assert any("unknown related fact 'average-salary'" in str(i) for i in caught.value.issues)
    assert files_of(kb_dir) == before


def test_alias_taken_by_another_fact(store: KnowledgeStore, kb_dir: Path):
    before = knowledge_files_of(kb_dir)
    with pytest.raises(PhrasingTaken) as caught:
        store.add_alias("pay-vs-national-average", "MLE  salary!", actor="mod")
    assert caught.value.other_fact_id == "average-salary"
    with pytest.raises(PhrasingAlreadyPresent):
        store.add_alias("average-salary", "mle salary?", actor="mod")
    with pytest.raises(EditRejected):
        store.add_alias("average-salary", " ?! ", actor="mod")
    assert knowledge_files_of(kb_dir) == before


def test_unknown_ids(store: KnowledgeStore, kb_dir: Path):
    before = knowledge_files_of(kb_dir)
    with pytest.raises(FactNotFound):
        store.add_alias("no-such-fact", "hello there", actor="mod")
    with pytest.raises(FactNotFound):
        store.remove_fact("no-such-fact", actor="mod")
    with pytest.raises(FactNotFound):
        store.edit_fact("no-such-fact", new_fact(), actor="mod")
    with pytest.raises(TopicNotFound):
        store.add_fact("no-such-topic", new_fact(), actor="mod")
    assert knowledge_files_of(kb_dir) == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"citations": ()}, "needs at least one citation"),
        ({"citations": (Citation("no-such-source", "a quote"),)},
         "unknown source 'no-such-source'"),
        ({"answer": "x" * (MAX_ANSWER + 1)}, f"the limit is {MAX_ANSWER}"),
        ({"question": ""}, "'question' is empty"),
        ({"id": "Not A Slug"}, "must be a lowercase slug"),
        ({"related": ("no-such-fact",)}, "unknown related fact 'no-such-fact'"),
        ({"alternates": ("mle salary",)}, "is also on fact 'average-salary'"),
    ],
)
def test_invalid_new_fact_is_refused_and_nothing_written(
    store: KnowledgeStore, kb_dir: Path, changes: dict, expected: str
):
    before = files_of(kb_dir)
    with pytest.raises(EditRejected) as caught:
        store.add_fact("pay", new_fact(**changes), actor="mod")
    assert any(expected in str(issue) for issue in caught.value.issues), caught.value.issues
    assert files_of(kb_dir) == before
    assert store.changes() == []


def test_duplicate_fact_id_refused(store: KnowledgeStore):
    with pytest.raises(EditRejected, match="already exists"):
        store.add_fact("learning", new_fact("average-salary"), actor="mod")


def test_edits_refused_while_the_files_on_disk_are_broken(store: KnowledgeStore, kb_dir: Path):
    (kb_dir / "topics/role.yaml").write_text("topic: role\nfacts: [\n")
    with pytest.raises(EditRejected, match="on disk"):
        store.add_alias("average-salary", "mle pay?", actor="mod")


def test_quotes_checked_against_documents_when_given(kb_dir: Path, db_path: Path,
                                                     tmp_path: Path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "000_28ec9d60277d23fe.txt").write_text(
        "The average base pay for a machine learning engineer in the US is $127,712 as of "
        "March 2024.")
    (documents / "001_5f3ad8c3eff7e38f.txt").write_text("Nothing quoted here.")
    store = KnowledgeStore(kb_dir, db_path, documents=documents)
    store.add_fact("pay", new_fact("real-quote"), actor="mod")
    made_up = new_fact("made-up", citations=(Citation("ml-engineer-article-2024", "Not there"),))
    with pytest.raises(EditRejected, match="quote not found"):
        store.add_fact("pay", made_up, actor="mod")


def test_export_gives_the_files_as_stored(store: KnowledgeStore, kb_dir: Path):
    exported = store.export()
    assert exported["sources.yaml"] == (kb_dir / "sources.yaml").read_bytes()
    assert exported["pay.yaml"] == (kb_dir / "topics/pay.yaml").read_bytes()
    assert set(exported) == {"sources.yaml", *(p.name for p in (kb_dir / "topics").iterdir())}
    assert (kb_dir / "matching.yaml").exists()  # read by the bot, but edited in git only


def test_no_temporary_files_left(store: KnowledgeStore, kb_dir: Path):
    store.add_alias("average-salary", "mle pay?", actor="mod")
    assert set(files_of(kb_dir)) == {"sources.yaml", "matching.yaml", *(
        f"topics/{name}" for name in os.listdir(kb_dir / "topics")), *(
        f"fingerprints/{name}" for name in os.listdir(kb_dir / "fingerprints"))}
    assert not [name for name in os.listdir(kb_dir / "topics") if name.startswith(".")]


def test_an_edit_through_the_service_answers_at_once_and_is_recorded(store):
    """`AnswerService.edited`: the one place where an edit becomes what the bot answers."""
    import functools

    from bot.core.service import AnswerService

    service = AnswerService(store.load().knowledge, semantic=None)
    question = "the zebra stipend, quarterly"
    assert service.ask(question, via="test", record=False).fact_id != "average-salary"
    result = service.edited(functools.partial(
        store.add_alias, "average-salary", question, actor="mod (1)"))
    assert service.knowledge is result.knowledge
    assert service.ask(question, via="test", record=False).fact_id == "average-salary"
    assert store.changes(limit=1)[0].id == result.change.id
    # A refused edit changes nothing: the service still answers from the same knowledge base.
    with pytest.raises(PhrasingAlreadyPresent):
        service.edited(functools.partial(
            store.add_alias, "average-salary", question, actor="mod (1)"))
    assert service.knowledge is result.knowledge


def test_files_edited_on_disk_are_adopted_once(store):
    from bot.core.service import AnswerService

    knowledge = store.load().knowledge
    service = AnswerService(knowledge, semantic=None)
    assert not service.adopt(store.load().knowledge)  # equal: nothing to rebuild
    fact = knowledge.facts["average-salary"]
    grown = replace(knowledge, facts={
        **knowledge.facts, fact.id: replace(fact, alternates=(*fact.alternates, "mle pay now"))})
    assert service.adopt(grown) and service.knowledge is grown
