"""The topic serialiser: the shipped files' exact layout, and text that always reads back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.editing.yaml_writer import dump_topic, plain_ok, scalar
from bot.core.knowledge.loader import bundled_knowledge_dir, load_report
from bot.core.knowledge.models import Citation, Fact
from bot.core.knowledge.yaml_io import parse_yaml

from .conftest import loaded

SHIPPED = bundled_knowledge_dir()
TOPIC_FILES = sorted((SHIPPED / "topics").glob("*.yaml"))


@pytest.mark.parametrize("path", TOPIC_FILES, ids=lambda p: p.stem)
def test_shipped_topic_serialises_to_its_own_bytes(path: Path):
    kb = loaded(SHIPPED)
    topic = kb.topic(path.stem)
    assert topic is not None
    text = dump_topic(topic.id, topic.title, kb.facts_in(topic.id))
    assert text.encode("utf-8") == path.read_bytes()


@pytest.mark.parametrize("path", TOPIC_FILES, ids=lambda p: p.stem)
def test_shipped_topic_round_trips_to_identical_facts(path: Path, tmp_path: Path):
    kb = loaded(SHIPPED)
    topic = kb.topic(path.stem)
    assert topic is not None
    root = tmp_path / "knowledge"
    (root / "topics").mkdir(parents=True)
    (root / "sources.yaml").write_bytes((SHIPPED / "sources.yaml").read_bytes())
    shutil.copytree(SHIPPED / "fingerprints", root / "fingerprints")  # which sources.yaml names
    for other in kb.topics:
        text = dump_topic(other.id, other.title, kb.facts_in(other.id))
        (root / "topics" / f"{other.id}.yaml").write_text(text, encoding="utf-8")
    again = loaded(root)
    assert again.facts_in(topic.id) == kb.facts_in(topic.id)
    assert again.topic(topic.id) == topic


def test_layout_of_a_new_fact():
    fact = Fact(
        id="f", question="Is 2024 a year?", answer="Yes.\n\n- one\n- two",
        alternates=("indeed #1", "2024", "yes", "plain: no"), keywords=("a,b", "x", "2019"),
        citations=(Citation("src", 'He said "hi"', None), Citation("src", "q", "Via, [1]")),
    )
    assert dump_topic("t", "Title", [fact]) == (
        "topic: t\n"
        "title: Title\n"
        "facts:\n"
        "  - id: f\n"
        "    question: Is 2024 a year?\n"
        "    alternates:\n"
        '      - "indeed #1"\n'
        '      - "2024"\n'
        '      - "yes"\n'
        '      - "plain: no"\n'
        '    keywords: ["a,b", x, "2019"]\n'
        "    answer: |\n"
        "      Yes.\n"
        "\n"
        "      - one\n"
        "      - two\n"
        "    citations:\n"
        "      - source: src\n"
        '        quote: "He said \\"hi\\""\n'
        "        via: null\n"
        "      - source: src\n"
        '        quote: "q"\n'
        '        via: "Via, [1]"\n'
        "    related: []\n"
    )


def test_empty_topic():
    assert parse_yaml(dump_topic("t", "T", []), "t") == {"topic": "t", "title": "T", "facts": []}


@pytest.mark.parametrize(
    "text",
    ["null", "~", "true", "No", "on", "1.5", "0x1F", "1e3", "12:30", "2024-01-01", "-x", "? x",
     "#x", "a #b", "a: b", "a:", "*x", "&x", "!x", "|", ">", "'x", '"x', "%x", "@x", "`x", "<<",
     "=", " x", "x ", "a\tb", "é\u2028", ""],
)
def test_risky_strings_are_quoted(text: str):
    assert not plain_ok(text)
    assert parse_yaml(f"k: {scalar(text)}", "t") == {"k": text}


TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1,
    max_size=40,
).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(question=TEXT, answer=st.lists(TEXT, min_size=1, max_size=4).map("\n".join),
       alternates=st.lists(TEXT, max_size=3), keywords=st.lists(TEXT, max_size=3),
       quote=TEXT, via=st.none() | TEXT)
def test_any_text_reads_back_unchanged(question, answer, alternates, keywords, quote, via):
    data = parse_yaml(dump_topic("t", question, [Fact(
        id="f", question=question, answer=answer, alternates=tuple(alternates),
        keywords=tuple(keywords), citations=(Citation("s", quote, via),),
    )]), "t")
    assert data["title"] == question
    fact = data["facts"][0]
    assert fact["question"] == question
    assert fact["answer"].strip() == answer.strip()
    assert fact["alternates"] == alternates
    assert fact["keywords"] == keywords
    assert fact["citations"] == [{"source": "s", "quote": quote, "via": via}]


def test_reports_issues_for_a_bad_fact_instead_of_writing_garbage(tmp_path: Path):
    root = tmp_path / "knowledge"
    (root / "topics").mkdir(parents=True)
    (root / "sources.yaml").write_bytes((SHIPPED / "sources.yaml").read_bytes())
    bad = Fact(id="Bad Id", question="q?", answer="a")
    (root / "topics" / "t.yaml").write_text(dump_topic("t", "T", [bad]))
    messages = [str(i) for i in load_report(root).issues]
    assert any("must be a lowercase slug" in m for m in messages), messages
