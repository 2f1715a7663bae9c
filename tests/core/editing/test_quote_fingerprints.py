"""Edits check quotes from the sources' fingerprints, as the running bot makes them: with no
source documents at hand (`KnowledgeStore(documents=None)`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.editing import EditRejected, KnowledgeStore
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.models import Citation

from .conftest import files_of, loaded, new_fact

ARTICLE_2024 = "ml-engineer-article-2024"
INVENTED = "The average base pay for a machine learning engineer in the US is $250,000"


def test_the_store_has_no_documents_yet_knows_the_articles_are_verified(store: KnowledgeStore):
    assert store.documents is None
    assert loaded(store.root).sources[ARTICLE_2024].verified


def test_add_refuses_an_invented_quote(store: KnowledgeStore, kb_dir: Path):
    before = files_of(kb_dir)
    made_up = new_fact("made-up", citations=(Citation(ARTICLE_2024, INVENTED),))
    with pytest.raises(EditRejected, match="quote not found in the text of") as refused:
        store.add_fact("pay", made_up, actor="mod")
    [issue] = refused.value.issues
    assert issue.fact_id == "made-up" and "$250,000" in issue.message
    assert files_of(kb_dir) == before


def test_add_accepts_a_quote_copied_with_other_case_spacing_and_quotes(store: KnowledgeStore):
    copied = "YOU'LL create, test,   and optimize ML algorithms"
    kb, _ = store.add_fact("pay", new_fact("copied", citations=(Citation(ARTICLE_2024, copied),)),
                           actor="mod")
    assert "copied" in kb.facts


def test_edit_refuses_a_quote_changed_into_an_invented_one(store: KnowledgeStore, kb_dir: Path):
    old = loaded(kb_dir).facts["average-salary"]
    citation = replace(old.citations[0], quote="machine learning engineers earn $1 million")
    with pytest.raises(EditRejected, match="quote not found"):
        store.edit_fact(old.id, replace(old, citations=(citation,)), actor="mod")
    assert loaded(kb_dir).facts["average-salary"] == old


def test_import_refuses_a_topic_with_an_invented_quote(store: KnowledgeStore, kb_dir: Path):
    kb = loaded(kb_dir)
    made_up = new_fact("made-up", citations=(Citation(ARTICLE_2024, INVENTED),))
    upload = {"pay.yaml": dump_topic("pay", "Pay and salary", [*kb.facts_in("pay"), made_up])
              .encode()}
    before = files_of(kb_dir)
    with pytest.raises(EditRejected, match="quote not found"):
        store.import_topics(upload, actor="mod", apply=False)
    assert files_of(kb_dir) == before


def test_import_refuses_a_fingerprint_that_is_not_there(store: KnowledgeStore, kb_dir: Path):
    sources = (kb_dir / "sources.yaml").read_text().replace(
        f"fingerprints/{ARTICLE_2024}.txt", "fingerprints/elsewhere.txt")
    with pytest.raises(EditRejected, match=r"fingerprints/elsewhere\.txt not found"):
        store.import_topics({"sources.yaml": sources.encode()}, actor="mod", apply=False)


def test_a_quote_of_an_unverified_source_is_taken_on_trust(store: KnowledgeStore):
    """A source with only a URL has nothing to check against: accepted, and marked unverified."""
    cited = new_fact("ibm-view", citations=(Citation("ibm-machine-learning", "words IBM wrote"),))
    kb, _ = store.add_fact("pay", cited, actor="mod")
    assert not kb.sources["ibm-machine-learning"].verified


def test_import_refuses_a_sources_file_that_drops_a_fingerprint(store: KnowledgeStore,
                                                                kb_dir: Path):
    """Without the line its quotes would silently stop being checked."""
    text = (kb_dir / "sources.yaml").read_text()
    stripped = "\n".join(line for line in text.splitlines()
                         if "fingerprints/ml-engineer-article-2024" not in line) + "\n"
    assert stripped != text
    before = files_of(kb_dir)
    with pytest.raises(EditRejected, match="'ml-engineer-article-2024' would lose its"):
        store.import_topics({"sources.yaml": stripped.encode()}, actor="mod", apply=True)
    assert files_of(kb_dir) == before
