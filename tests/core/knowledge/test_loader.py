"""Loading and validating knowledge files: every error located and named, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.knowledge.errors import KnowledgeBaseError
from bot.core.knowledge.loader import load_knowledge_base, load_report
from bot.core.knowledge.quotes import check_quotes
from bot.core.knowledge.yaml_io import MAX_FILE_BYTES
from tests.kb_samples import PATH, PAY, SOURCES, write_kb


def messages(root: Path) -> list[str]:
    return [str(i) for i in load_report(root).issues]


def test_small_kb_loads(small_kb_dir: Path):
    kb = load_knowledge_base(small_kb_dir)
    assert set(kb.facts) == {"average-pay", "degree"}
    fact = kb.facts["average-pay"]
    assert fact.topic == "pay"
    assert fact.phrasings[0] == "How much does a machine learning engineer earn?"
    assert fact.citations[0].source == "article"
    assert kb.sources["article"].published == "2024-04-26"
    assert [t.id for t in kb.topics] == ["path", "pay"]


def test_missing_field_is_located(small_kb_dir: Path):
    no_answer = PAY.replace(
        "    answer: |\n      About $127,712 a year on average in the US (March 2024).\n", ""
    )
    write_kb(small_kb_dir, {"topics/pay.yaml": no_answer})
    found = messages(small_kb_dir)
    expected = "knowledge/topics/pay.yaml:4: fact 'average-pay': missing field 'answer'"
    assert expected in found, found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("source: article", "source: nowhere"), "unknown source 'nowhere'"),
        (("related: [degree]", "related: [ghost]"), "unknown related fact 'ghost'"),
        (("id: average-pay", "id: Average Pay"), "must be a lowercase slug"),
        (("keywords: [salary]", "keywords: salary"), "'keywords' must be a list"),
        (("keywords: [salary]", "keywrds: [salary]"), "unknown field 'keywrds'"),
        (("      - ml engineer salary", "      - " + "x" * 300), "over 200 characters"),
    ],
)
def test_schema_errors(small_kb_dir: Path, change, expected):
    write_kb(small_kb_dir, {"topics/pay.yaml": PAY.replace(*change)})
    found = messages(small_kb_dir)
    assert any(expected in m for m in found), found
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(small_kb_dir)


def test_duplicate_id(small_kb_dir: Path):
    write_kb(small_kb_dir, {"topics/path.yaml": PATH.replace("id: degree", "id: average-pay")})
    assert any("duplicate id" in m for m in messages(small_kb_dir))


def test_same_phrasing_on_two_facts(small_kb_dir: Path):
    twin = PATH.replace("do i need a degree for ml", "ML engineer salary!")
    write_kb(small_kb_dir, {"topics/path.yaml": twin})
    found = messages(small_kb_dir)
    assert any("salary' is also on fact" in m for m in found), found


def test_empty_and_overlong_answer(small_kb_dir: Path):
    long_answer = PATH.replace(
        "answer: A bachelor's degree in computer science or a related field, at least.",
        "answer: " + "word " * 400,
    )
    write_kb(small_kb_dir, {"topics/path.yaml": long_answer})
    assert any("the limit is 1500" in m for m in messages(small_kb_dir))
    write_kb(small_kb_dir, {"topics/path.yaml": PATH.replace(
        "answer: A bachelor's degree in computer science or a related field, at least.",
        'answer: "   "')})
    assert any("'answer' is empty" in m for m in messages(small_kb_dir))


def test_broken_yaml_gives_line(small_kb_dir: Path):
    write_kb(small_kb_dir, {"topics/pay.yaml": "topic: pay\nfacts: [\n  - id: x\n"})
    found = messages(small_kb_dir)
    assert any(m.startswith("knowledge/topics/pay.yaml:") and "invalid YAML" in m for m in found)


def test_yaml_bomb_is_refused(small_kb_dir: Path):
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: [*c,*c,*c,*c]\n'
    write_kb(small_kb_dir, {"topics/pay.yaml": bomb})
    assert any("aliases" in m for m in messages(small_kb_dir))


def test_python_tags_are_refused(small_kb_dir: Path):
    tagged = "topic: !!python/object/apply:os.system ['echo hi']\n"
    write_kb(small_kb_dir, {"topics/pay.yaml": tagged})
    assert any("invalid YAML" in m for m in messages(small_kb_dir))


def test_huge_file_is_refused_unread(small_kb_dir: Path):
    (small_kb_dir / "topics" / "pay.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert any("the limit is" in m for m in messages(small_kb_dir))


def test_non_utf8_is_refused(small_kb_dir: Path):
    (small_kb_dir / "topics" / "pay.yaml").write_bytes(PAY.encode() + b"\nnote: caf\xe9\n")
    assert any("not UTF-8" in m for m in messages(small_kb_dir))


def test_deep_nesting_is_refused(small_kb_dir: Path):
    (small_kb_dir / "topics" / "pay.yaml").write_text("[" * 50_000 + "]" * 50_000)
    found = messages(small_kb_dir)
    assert found, "a deeply nested file must be reported"


def test_missing_directory(tmp_path: Path):
    assert any("not found" in m for m in messages(tmp_path / "nope"))


def test_every_problem_is_listed(small_kb_dir: Path):
    write_kb(small_kb_dir, {
        "topics/pay.yaml": PAY.replace("source: article", "source: nowhere"),
        "topics/path.yaml": PATH.replace("question: What degree", "questin: What degree"),
    })
    found = messages(small_kb_dir)
    assert len(found) >= 3, found


def test_quotes_are_checked_against_documents(small_kb_dir: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "article.txt").write_text(
        "Intro. The average base pay  is\n$127,712 here. Most jobs require a bachelor’s degree."
    )
    kb = load_knowledge_base(small_kb_dir)
    assert check_quotes(kb, docs) == []
    (docs / "article.txt").write_text("Something else entirely.")
    issues = check_quotes(kb, docs)
    assert len(issues) == 2
    assert all("quote not found" in str(i) for i in issues)


def test_sources_file_errors(small_kb_dir: Path):
    write_kb(small_kb_dir, {"sources.yaml": SOURCES.replace('"2024-04-26"', '"April 2024"')})
    assert any("YYYY-MM-DD" in m for m in messages(small_kb_dir))


@pytest.mark.parametrize(
    "text",
    ["- " * 100_000 + "x", "[" * 100_000, "{a: " * 100_000, "? " * 100_000,
     "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 200))],
)
def test_deeply_nested_shapes_never_reach_the_parser(small_kb_dir: Path, text: str):
    # libyaml recurses per level: these shapes would crash the process, not raise.
    (small_kb_dir / "topics" / "pay.yaml").write_text(text)
    assert any("nested more than" in m for m in messages(small_kb_dir))


# -- property tests: whatever the bytes, a located issue or a knowledge base, never a crash --


YAMLISH = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n  \t0123456789?,.%@`\\")),
                  max_size=400)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(YAMLISH, st.text(max_size=300)), raw=st.binary(max_size=200))
def test_any_topic_file_gives_issues_or_a_knowledge_base(small_kb_dir: Path, text: str,
                                                         raw: bytes):
    for content in (text.encode("utf-8", "surrogatepass"), raw):
        (small_kb_dir / "topics" / "pay.yaml").write_bytes(content)
        report = load_report(small_kb_dir)
        assert (report.knowledge is None) == bool(report.issues)
        assert all(i.file and i.message for i in report.issues)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.text(min_size=1, max_size=120), answer=st.text(min_size=1, max_size=2000))
def test_fact_fields_are_checked_not_trusted(small_kb_dir: Path, question: str, answer: str):
    topic = {"topic": "pay", "title": "Pay", "facts": [{
        "id": "average-pay", "question": question, "answer": answer,
        "citations": [{"source": "article", "quote": "The average base pay is $127,712"}],
    }]}
    (small_kb_dir / "topics" / "pay.yaml").write_text(yaml.safe_dump(topic), encoding="utf-8")
    report = load_report(small_kb_dir)
    if report.knowledge is not None:
        fact = report.knowledge.facts["average-pay"]
        assert 0 < len(fact.question) <= 100 and 0 < len(fact.answer) <= 1500
    else:
        assert report.issues


@given(st.text(max_size=60))
def test_phrasing_key_ignores_case_punctuation_and_spacing(text: str):
    """The fast ASCII path gives the same keys as the general (regex) one."""
    import re

    from bot.core.knowledge.loader import phrasing_key

    assert phrasing_key(text) == re.sub(r"[^\w]+", " ", text.casefold()).strip()
    assert phrasing_key(f"  {text} ?!") == phrasing_key(text)


def test_the_matching_vocabulary_is_read_and_checked(small_kb_dir):
    from bot.core.knowledge.loader import load_report

    (small_kb_dir / "matching.yaml").write_text(
        "subject: Machine Learning\ntopic_words: [pay]\n"
        "synonyms:\n  ml: machine learning\n  mle: ml engineer\n  '': x\nextra: 1\n",
        encoding="utf-8",
    )
    problems = " | ".join(str(i) for i in load_report(small_kb_dir).issues)
    assert "unknown keys: extra" in problems
    assert "subject must be lower-case words" in problems
    assert "'mle' uses 'ml', which is itself replaced" in problems
    (small_kb_dir / "matching.yaml").write_text(
        "subject: machine learning\ntopic_words: [pay]\nsynonyms:\n  ml: machine learning\n",
        encoding="utf-8",
    )
    vocabulary = load_report(small_kb_dir).knowledge.vocabulary
    assert vocabulary.subject == ("machine", "learning")
    assert vocabulary.topic_words == {"pay"} and vocabulary.synonyms == {"ml": "machine learning"}


def test_without_a_matching_vocabulary_there_is_no_scope(small_kb_dir):
    from bot.core.knowledge.loader import load_knowledge_base
    from bot.core.matching import Matcher

    (small_kb_dir / "matching.yaml").unlink()
    kb = load_knowledge_base(small_kb_dir)
    assert kb.vocabulary.synonyms == {}
    assert Matcher(kb, semantic=None).scope is None
