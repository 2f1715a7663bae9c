"""Quote fingerprints: a quote copied from its document verifies wherever it is checked, an
invented one does not, and a broken fingerprint file is a located issue, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge.fingerprint import (
    FORMAT,
    GRAM_SIZES,
    Fingerprint,
    FingerprintError,
    gram_hash,
    read_fingerprint,
)
from bot.core.knowledge.fingerprint_build import build_fingerprints
from bot.core.knowledge.loader import load_knowledge_base, load_report
from bot.core.knowledge.quotes import check_quotes, stale_fingerprints, unverified_sources
from tests.kb_samples import PATH, PAY, SOURCES, write_kb

ARTICLE = ("Intro. The average base pay  is\n$127,712 here. Most jobs require a bachelor’s "
           "degree. Red apple pie is sweet; green apple tart is not.")
FINGERPRINTED = SOURCES + "    fingerprint: fingerprints/article.txt\n"
HEADER = f"{FORMAT} hash=blake2b-64 sizes=2,3,4,5"


def fingerprinted_kb(root: Path, pay: str = PAY) -> Path:
    """The small knowledge base, its source fingerprinted from ARTICLE (no documents)."""
    write_kb(root, {"sources.yaml": FINGERPRINTED, "topics/pay.yaml": pay,
                    "topics/path.yaml": PATH})
    (root / "fingerprints").mkdir()
    (root / "fingerprints" / "article.txt").write_text(Fingerprint.of(ARTICLE).dumps())
    return root


def issues_of(root: Path) -> list[str]:
    return [str(i) for i in load_report(root).issues]


# -- checking a quote --------------------------------------------------------------------------

@pytest.mark.parametrize("quote", [
    "The average base pay is $127,712",
    "the AVERAGE base\tpay   is $127,712 here.",
    "require a bachelor's degree",
    "REQUIRE A BACHELOR’S DEGREE",
    "pay is",
])
def test_a_copied_quote_verifies_whatever_its_case_spacing_and_quote_style(quote):
    assert Fingerprint.of(ARTICLE).verifies(quote)


@pytest.mark.parametrize("quote", [
    "The average base pay is $127.712",  # a figure's punctuation is the document's
    "The average base pay is $128,712",
    "The average salary is $127,712",
    "require a master's degree",
    "red apple tart",  # "red apple" and "apple tart" are both there, but not in a row
    "green apple pie",
])
def test_an_invented_or_stitched_quote_does_not_verify(quote):
    assert not Fingerprint.of(ARTICLE).verifies(quote)


def test_a_one_token_quote_cannot_be_checked(tmp_path: Path):
    assert not Fingerprint.of(ARTICLE).verifies("Intro")
    kb = load_knowledge_base(fingerprinted_kb(
        tmp_path / "knowledge", PAY.replace("The average base pay is $127,712", "Intro")))
    [issue] = check_quotes(kb)
    assert "quote too short to check" in str(issue) and issue.fact_id == "average-pay"


def test_the_file_is_deterministic_sorted_and_reads_back():
    fingerprint = Fingerprint.of(ARTICLE)
    text = fingerprint.dumps()
    assert text == Fingerprint.of(ARTICLE).dumps()
    header, *lines = text.splitlines()
    assert header == HEADER
    assert lines == sorted(set(lines)) and all(len(line) == 16 for line in lines)
    assert Fingerprint.loads(text, "f.txt") == fingerprint
    assert ARTICLE.split()[2] not in text  # hashes, not words


def test_the_hash_is_pinned():
    """Changing the hash, its domain or the tokens' joining invalidates every shipped file."""
    assert gram_hash(["machine", "learning"]) == 0x66689EC5D6168501


# -- in the knowledge base ---------------------------------------------------------------------

def test_quotes_are_checked_from_the_fingerprint_without_documents(tmp_path: Path):
    root = fingerprinted_kb(tmp_path / "knowledge")
    kb = load_knowledge_base(root)
    assert kb.sources["article"].verified
    assert kb.sources["article"].fingerprint_file == "fingerprints/article.txt"
    assert check_quotes(kb) == []
    invented = PAY.replace("The average base pay is $127,712", "The average base pay is $200,000")
    kb = load_knowledge_base(fingerprinted_kb(tmp_path / "other", invented))
    [issue] = check_quotes(kb)
    assert "quote not found in the text of 'article'" in str(issue)
    assert issue.file == "topics/pay.yaml" and issue.fact_id == "average-pay"


def test_a_source_without_fingerprint_is_unverified_not_wrong(small_kb_dir: Path):
    kb = load_knowledge_base(small_kb_dir)
    assert not kb.sources["article"].verified
    assert check_quotes(kb) == []
    assert [s.id for s in unverified_sources(kb)] == ["article"]


@pytest.mark.parametrize(("content", "expected", "line"), [
    ("", "the first line must start with", 1),
    ("ham and eggs\n", "the first line must start with", 1),
    (f"{FORMAT} hash=md5 sizes=2\n", "hash=blake2b-64", 1),
    (f"{FORMAT} hash=blake2b-64\n", "must list the gram sizes", 1),
    (f"{FORMAT} hash=blake2b-64 sizes=5,2\n", "gram sizes must rise", 1),
    (f"{FORMAT} hash=blake2b-64 sizes=2,99\n", "gram sizes must rise", 1),
    (f"{HEADER}\n0123\n", "not a 16-digit lower-case hex hash", 2),
    (f"{HEADER}\n\r", "not a 16-digit lower-case hex hash", 2),  # a blank line
    (f"{HEADER}\n<<<<<<< HEAD\n", "not a 16-digit lower-case hex hash", 2),
    (f"{HEADER}\n00000000000000FF\n", "not a 16-digit lower-case hex hash", 2),
    (f"{HEADER}\n00000000000000ff\n0000000000000001\n", "sorted and unique", 3),
    (f"{HEADER}\n00000000000000ff\n00000000000000ff\n", "sorted and unique", 3),
    (b"\xff\xfe not text", "not UTF-8", None),
])
def test_a_broken_fingerprint_file_is_a_located_issue(tmp_path: Path, content, expected, line):
    root = fingerprinted_kb(tmp_path / "knowledge")
    path = root / "fingerprints" / "article.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    report = load_report(root)
    assert report.knowledge is None
    [issue] = report.issues
    assert expected in issue.message and "python -m bot fingerprint" in issue.message
    assert (issue.file, issue.line) == ("knowledge/fingerprints/article.txt", line)


@pytest.mark.parametrize(("value", "expected"), [
    ("fingerprints/missing.txt", "fingerprint file fingerprints/missing.txt not found"),
    ("../sources.yaml", "'fingerprint' must name a file in fingerprints/"),
    ("/etc/hostname", "'fingerprint' must name a file in fingerprints/"),
    ("fingerprints/../sources.yaml", "'fingerprint' must name a file in fingerprints/"),
    ("fingerprints/sub/article.txt", "'fingerprint' must name a file in fingerprints/"),
])
def test_the_fingerprint_field_names_an_existing_file_of_the_folder(tmp_path: Path, value,
                                                                     expected):
    root = fingerprinted_kb(tmp_path / "knowledge")
    write_kb(root, {"sources.yaml": SOURCES + f"    fingerprint: {value}\n"})
    found = issues_of(root)
    assert any(expected in m and m.startswith("knowledge/sources.yaml:") for m in found), found


def test_stale_and_missing_fingerprints_are_reported_with_the_documents(tmp_path: Path):
    kb = load_knowledge_base(fingerprinted_kb(tmp_path / "knowledge"))
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "article.txt").write_text(ARTICLE)
    assert stale_fingerprints(kb, documents) == []
    (documents / "article.txt").write_text(ARTICLE + " A new sentence.")
    [issue] = stale_fingerprints(kb, documents)
    assert "does not match its document article.txt" in issue.message
    [issue] = stale_fingerprints(load_knowledge_base(write_kb(tmp_path / "bare", {
        "sources.yaml": SOURCES, "topics/pay.yaml": PAY, "topics/path.yaml": PATH})), documents)
    assert "names a document but no fingerprint" in issue.message


def test_the_build_writes_each_document_s_fingerprint_once(small_kb_dir: Path, tmp_path: Path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "article.txt").write_text(ARTICLE)
    [built], issues = build_fingerprints(small_kb_dir, documents)
    assert issues == [] and built.changed and not built.named  # sources.yaml does not name it
    assert built.file == "fingerprints/article.txt"
    written = small_kb_dir / built.file
    assert written.read_text() == Fingerprint.of(ARTICLE).dumps()
    mtime = written.stat().st_mtime_ns
    [again], _ = build_fingerprints(small_kb_dir, documents)
    assert not again.changed and written.stat().st_mtime_ns == mtime
    (documents / "article.txt").unlink()
    built_now, issues = build_fingerprints(small_kb_dir, documents)
    assert built_now == [] and "cannot read source document" in str(issues[0])


# -- properties --------------------------------------------------------------------------------

SPACE = st.sampled_from([" ", "  ", "\n", "\t", " \n "])
WORD = st.text(alphabet="abcdeéßXYZ0129$,.'’\"“”()%-", min_size=1, max_size=8)
LETTERS_WORD = st.text(alphabet="abcde", min_size=1, max_size=6)
ABSENT_WORD = st.text(alphabet="xyz", min_size=1, max_size=6)
RESTYLE = str.maketrans({"’": "'", "'": "’", "“": '"', '"': "”", "”": '"'})


def _joined(words: list[str], spaces: list[str]) -> str:
    """The words with the spaces between them (one fewer space than words)."""
    return "".join(w + s for w, s in zip(words[:-1], spaces, strict=True)) + words[-1]


@st.composite
def document_and_run(draw, word=WORD):
    """Words of a document, its text, and the start and length of a run of 2+ of its words."""
    words = draw(st.lists(word, min_size=2, max_size=40))
    gaps = len(words) - 1
    text = _joined(words, draw(st.lists(SPACE, min_size=gaps, max_size=gaps)))
    length = draw(st.integers(2, len(words)))
    start = draw(st.integers(0, len(words) - length))
    return words, text, start, length


@given(document_and_run(), st.data())
def test_any_run_of_two_or_more_words_verifies_however_it_is_restyled(drawn, data):
    words, text, start, length = drawn
    run = words[start : start + length]
    cased = [data.draw(st.sampled_from([w, w.upper(), w.lower(), w.swapcase()])) for w in run]
    styled = [w.translate(RESTYLE) if data.draw(st.booleans()) else w for w in cased]
    spaces = data.draw(st.lists(SPACE, min_size=length - 1, max_size=length - 1))
    quote = _joined(styled, spaces)
    assert Fingerprint.of(text).verifies(quote), (text, quote)


@given(document_and_run(LETTERS_WORD), ABSENT_WORD, st.data())
def test_a_run_with_one_word_replaced_by_an_absent_one_does_not_verify(drawn, absent, data):
    words, text, start, length = drawn
    run = words[start : start + length]
    run[data.draw(st.integers(0, length - 1))] = absent
    assert not Fingerprint.of(text).verifies(" ".join(run)), (text, run)


@given(st.text(max_size=300))
def test_any_text_s_fingerprint_reads_back_from_its_file(text):
    fingerprint = Fingerprint.of(text)
    assert fingerprint.sizes == GRAM_SIZES
    assert Fingerprint.loads(fingerprint.dumps(), "f.txt") == fingerprint


@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: (HEADER + "\n" + t).encode()))
def test_any_file_content_reads_as_a_fingerprint_or_a_fingerprint_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.txt"
        path.write_bytes(content)
        error = None
        try:
            read_fingerprint(path, "f.txt")
        except FingerprintError as exc:
            error = exc
    assert error is None or (error.issue.file == "f.txt" and error.issue.message)
