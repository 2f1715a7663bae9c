"""The fast paths of the matcher give exactly what the plain per-text code gives.

Building the index reads all texts at once (bot.core.matching.corpus), numbers keys with a
vectorised hash table (bot.core.matching.numbering), scores with dense columns for common terms and
one fuzzy call per question, and the YAML loader builds plain documents itself. Each is checked
here against a straightforward reference (the code it replaced), to the last bit.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import snowballstemmer
import yaml
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.knowledge import yaml_io
from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import Matcher
from bot.core.matching import index as index_module
from bot.core.matching.analyzer import Analyzer, max_edits
from bot.core.matching.corpus import Vocabulary, read_texts
from bot.core.matching.normalize import MAX_QUESTION_CHARS, clean, clean_many, stem, words
from bot.core.matching.numbering import first_seen
from bot.core.matching.postings import Postings
from bot.core.matching.question_forms import ANSWER_TYPE_WORDS
from bot.core.matching.synonyms import (
    MAKE_WORDS,
    STOP_WORDS,
    SynonymTable,
)
from bot.devtools.bench.synthetic import generate_facts, generate_prefixes, generate_queries
from tests.shipped import DOMAIN_SYNONYMS, with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical index and its twins (the meaning signal has its own tests)."""

PIECES = [
    "can't", "cant", "won't", "wont", "I'm", "you're", "we've", "they'll", "he'd", "it's",
    "1,000", "12,345,678", "a,b", "1,00", "$127,712", "<@123>", "<@!123>", "<#55>",
    "<:smile:1234>", "<a:x:1>", "<t:123:R>", "<id:home>", "</cmd sub:123>", "@everyone",
    "@here", "http://x.com/a,b's", ":thumbs_up:", ":a:b:", "ÄÖ", "é", "’", "don’t", "\u200b",
    "🤔", "ＭＬ", "ß", "_", "x_y", "Hello", "WORLD", "42", "\n", "\t", "'", "`", ",", "\x1e",
    "\x00", "ML", "mle", "salary", "a i", "u s", "make", "much", "phd", "ph d", "comp sci",
    "machien", "enginer", "a" * 30, "data", "science", "Pay:", "a:b", "x:/y", ":", "HTTPS://Y.org",
]


def random_texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14))) for _ in range(count)]
    return [*texts, "x" * 600 + "can't", "é" * 10 + "a" * 600, ""]


def kb_texts(knowledge: KnowledgeBase) -> list[str]:
    return [t for f in knowledge.facts.values() for t in (*f.phrasings, *f.keywords, f.answer)]


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge_base(bundled_knowledge_dir())


@pytest.fixture(scope="module")
def synthetic() -> KnowledgeBase:
    return KnowledgeBase.from_facts(generate_facts(600, seed=3))


# -- reading texts ---------------------------------------------------------------------------


MARKUP_TEXT = st.text(alphabet=st.sampled_from(list("aZ1 :/<>@#!',_.é’\x1e")), max_size=30)


@given(st.lists(st.one_of(MARKUP_TEXT, st.text(max_size=20)), max_size=12))
def test_clean_many_is_clean_of_each_for_any_texts(texts):
    assert clean_many(texts) == [clean(t) for t in texts]



def test_clean_many_is_clean_of_each(shipped):
    texts = [*random_texts(3000), *kb_texts(shipped)]
    assert clean_many(texts) == [clean(t) for t in texts]
    plain = [t for t in texts if t.isascii() and "\x1e" not in t]
    assert clean_many(plain) == [clean(t) for t in plain]
    assert clean_many([]) == []


def test_read_texts_is_words_of_each(shipped):
    texts = [*random_texts(3000, seed=1), *kb_texts(shipped)]
    vocabulary = Vocabulary()
    assert read_texts(texts, vocabulary).as_words(vocabulary) == [words(clean(t)) for t in texts]
    assert len(set(vocabulary.words)) == len(vocabulary)


def test_stem_of_a_word_ending_in_a_digit_is_the_word():
    stemmer = snowballstemmer.stemmer("english")
    rng = random.Random(2)
    for _ in range(5000):
        word = "".join(rng.choice("abcdeilnorsty0123456789") for _ in range(rng.randint(3, 12)))
        word += rng.choice("0123456789")
        if word.isdigit() and 5 <= len(word) <= 6:
            assert stem(word) == f"{int(word) // 1000}k"  # pay as chat writes it
            continue
        assert stem(word) == stemmer.stemWord(word) == word


@pytest.mark.parametrize(
    "table",
    [
        DOMAIN_SYNONYMS,
        {"a b c": "x", "b": "y z", "c": "", "make": "build", "q": "makes", "y": "y", "b c": "w"},
    ],
)
def test_synonyms_of_all_texts_are_those_of_each(table, shipped):
    rng = random.Random(4)
    keys = [w for k in table for w in k.split()] + [*MAKE_WORDS, "much", "money", "year", "the"]
    texts = [" ".join(rng.choice(keys) for _ in range(rng.randint(0, 12))) for _ in range(4000)]
    texts += kb_texts(shipped)
    synonyms = SynonymTable(table)
    vocabulary = Vocabulary()
    read = read_texts(texts, vocabulary)
    raw = read.as_words(vocabulary)
    assert synonyms.apply_texts(vocabulary, read).as_words(vocabulary) == [
        synonyms.apply(r) for r in raw
    ]


def test_corrections_of_all_texts_are_those_of_each(shipped):
    rng = random.Random(5)
    known = sorted({w for t in kb_texts(shipped) for w in words(clean(t))})
    typos = []
    for _ in range(3000):
        word = rng.choice(known)
        i = rng.randrange(len(word))
        typos.append(word[:i] + rng.choice("aeiouxz") + word[i + 1 :])
    texts = [" ".join(rng.choice(typos + known) for _ in range(rng.randint(0, 20)))
             for _ in range(2000)]
    texts.append(" ".join(typos[:30]))  # more look-ups than a text gets
    analyzer = Analyzer(SynonymTable(DOMAIN_SYNONYMS), known)
    vocabulary = Vocabulary()
    read = read_texts(texts, vocabulary)
    raw = read.as_words(vocabulary)
    assert analyzer.corrected_texts(vocabulary, read).as_words(vocabulary) == [
        analyzer.corrected(r) for r in raw
    ]


def test_typo_lookup_is_that_over_the_whole_vocabulary(shipped):
    analyzer = Matcher(shipped).analyzer
    rng = random.Random(6)
    for word in rng.sample(analyzer._sorted, 300):
        for typo in {word[:i] + word[i + 1 :] for i in range(len(word))} | {word + "s", word}:
            if not typo.isalpha():
                continue
            cutoff = 85.0 if len(typo) < 6 else 80.0
            same_first = [k for k in analyzer._sorted if k[:1] == typo[:1]]  # typos keep it
            expected = next(
                (k for k, _, _ in process.extract(
                    typo, same_first, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
                 if abs(len(k) - len(typo)) <= 1 and OSA.distance(typo, k) <= max_edits(typo)),
                typo,
            )
            assert analyzer._nearest_known(typo) == expected, typo


# -- numbering -------------------------------------------------------------------------------


def test_first_seen_numbers_like_a_dict():
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(0, 5000))
        high = int(rng.choice([2, 50, 10**6, 2**62]))
        columns = [rng.integers(0, high, n, dtype=np.uint64) for _ in range(rng.integers(1, 4))]
        ids, firsts = first_seen(*columns)
        seen: dict[tuple[int, ...], int] = {}
        keys = zip(*(c.tolist() for c in columns), strict=True)
        expected = [seen.setdefault(key, len(seen)) for key in keys]
        assert ids.tolist() == expected
        assert firsts.tolist() == [expected.index(j) for j in range(len(seen))]


# -- the index -------------------------------------------------------------------------------


def reference_index(facts: Sequence[Fact], analyzer: Analyzer, words_of: dict[str, list[str]]):
    """The index as it was built one text at a time (the code the fast build replaced)."""
    terms: dict[str, int] = {}
    phrasing_text, p_terms, p_rows, x = [], [], [], []
    phrasing_fact: list[int] = []

    def features(ts: list[str]) -> list[int]:
        """The distinct term ids of a text, in ascending order (the order lengths sum in)."""
        return sorted({terms.setdefault(t, len(terms)) for t in analyzer.with_bigrams(ts)})

    for f_index, fact in enumerate(facts):
        for text in fact.phrasings:
            ts = analyzer.terms_of(words_of[text], correct_typos=False)
            ids = features(ts)
            p_terms += ids
            p_rows += [len(phrasing_fact)] * len(ids)
            phrasing_fact.append(f_index)
            phrasing_text.append(" ".join(ts))
        keyword_terms = [
            t for k in fact.keywords for t in analyzer.terms_of(words_of[k], correct_typos=False)
        ]
        answer_terms = analyzer.terms_of(words_of[fact.answer], correct_typos=False)
        for kind, extra, share in ((0, features(keyword_terms) if keyword_terms else [], 0.5),
                                   (1, features(answer_terms), 0.35)):
            x += [(t, f_index, share, kind) for t in extra]
    n_terms, n_phrasings, n_facts = len(terms), len(phrasing_fact), len(facts)
    pt, pr = np.asarray(p_terms, dtype=np.int64), np.asarray(p_rows, dtype=np.int64)
    df = np.bincount(pt, minlength=n_terms).astype(np.float64)
    idf = np.log1p((n_phrasings - df + 0.5) / (df + 0.5))
    for term, tid in terms.items():
        # A function word (but one asking for a kind of answer), or a pair: both weigh half.
        if (term in STOP_WORDS and term not in ANSWER_TYPE_WORDS) or " " in term:
            idf[tid] *= 0.5

    def norms(rows, values, n):
        out = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
        out[out == 0] = 1.0
        return out

    def postings(t, r, w, n_rows):
        order = np.argsort(t, kind="stable")
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=n_terms), out=indptr[1:])
        return r[order].astype(np.int32), w[order].astype(np.float64), indptr

    p_values = idf[pt]
    p_values = p_values / norms(pr, p_values, n_phrasings)[pr]
    xt = np.asarray([e[0] for e in x], dtype=np.int64)
    xr = np.asarray([e[1] for e in x], dtype=np.int64)
    x_values = idf[xt]
    x_keys = xr * 2 + np.asarray([e[3] for e in x], dtype=np.int64)
    x_values = x_values / norms(x_keys, x_values, n_facts * 2)[x_keys] * np.asarray(
        [e[2] for e in x], dtype=np.float64)
    c_rows = np.concatenate([np.asarray(phrasing_fact, dtype=np.int64)[pr], xr])
    keys, inverse = np.unique(c_rows * n_terms + np.concatenate([pt, xt]), return_inverse=True)
    c_values = np.bincount(inverse, weights=np.concatenate([p_values, x_values]))
    c_rows, c_terms = keys // max(n_terms, 1), keys % max(n_terms, 1)
    c_values = c_values / norms(c_rows, c_values, n_facts)[c_rows]
    return {
        "terms": terms, "idf": idf, "phrasing_text": phrasing_text,
        "phrasings": postings(pt, pr, p_values, n_phrasings),
        "centroids": postings(c_terms, c_rows, c_values, n_facts),
    }


def reference_words(knowledge: KnowledgeBase, analyzer: Analyzer) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    facts = list(knowledge.facts.values())
    for fact in facts:
        for text in (fact.question, *fact.keywords, fact.answer):
            out.setdefault(text, words(clean(text)))
    trusted = Analyzer(SynonymTable(DOMAIN_SYNONYMS), {w for r in out.values() for w in r})
    for fact in facts:
        for text in fact.alternates:
            if text not in out:
                out[text] = trusted.corrected(words(clean(text)))
    return out


@pytest.mark.parametrize("which", ["shipped", "synthetic", "odd"])
def test_index_is_the_one_built_text_by_text(which, shipped, synthetic):
    odd = with_vocabulary([
        Fact(id="a", question="Ünïcödé straße?", answer="x " * 900, keywords=("k1", "k2 k3")),
        Fact(id="b", question="How much does an MLE make?", answer="Money: $127,712.",
             alternates=("can't wont", "ML salary?", "mle salry in the u s")),
        Fact(id="c", question="What is a phd?", answer="Money: $127,712.", keywords=("k1",)),
    ])
    knowledge = {"shipped": shipped, "synthetic": synthetic, "odd": odd}[which]
    matcher = Matcher(knowledge)
    facts = list(knowledge.facts.values())
    analyzer = matcher.analyzer
    expected = reference_index(facts, analyzer, reference_words(knowledge, analyzer))
    index = matcher.index
    assert index.terms == expected["terms"]
    assert np.array_equal(index.idf, expected["idf"])
    assert index.phrasing_text == expected["phrasing_text"]
    for name in ("phrasings", "centroids"):
        rows, weights, indptr = expected[name]
        got = getattr(index, name)
        assert np.array_equal(got.rows, rows)
        assert np.array_equal(got.weights, weights)  # to the last bit
        assert np.array_equal(got.indptr, indptr)


def test_term_keys_of_a_large_vocabulary():
    stems = [f"s{i}" for i in range(50_000)]  # pairs of stems no longer fit in 32 bits
    terms = index_module._TermNumbering(stems)
    assert terms.key_dtype == np.int64
    unit_terms = np.array([49_999, 1, 49_998, 7, 49_999], dtype=np.int32)
    ids, counts = terms.features(unit_terms, np.array([0, 0, 0, 1, 1], dtype=np.int32), 2)
    assert counts.tolist() == [5, 3]
    assert list(terms.names()) == [
        "s49999", "s1", "s49998", "s49999 s1", "s1 s49998", "s7", "s7 s49999"]
    assert ids.tolist() == [0, 1, 2, 3, 4, 5, 0, 6]


# -- scoring ---------------------------------------------------------------------------------


def reference_scores(matcher: Matcher, terms: list[str], extra: Sequence[str] = ()):
    """`Matcher._scores` as it was: bincount dot products, np.maximum.at, one fuzzy call per
    phrasing."""
    index = matcher.index
    unique = list(dict.fromkeys([*matcher.analyzer.with_bigrams(terms), *extra]))
    ids = [index.terms[t] for t in unique if t in index.terms]
    if not ids:
        return []
    unknown = sum(
        1 for t in unique if t not in index.terms and t not in STOP_WORDS and " " not in t
    )
    weights = index.idf[ids]
    norm = math.sqrt(float((weights**2).sum()) + unknown * (1.5 * index.idf_unknown) ** 2)
    query = weights / norm

    def dot(postings):
        starts, ends = postings.indptr[ids], postings.indptr[np.asarray(ids) + 1]
        rows = np.concatenate([postings.rows[a:b] for a, b in zip(starts, ends, strict=True)])
        values = np.concatenate([postings.weights[a:b] * w
                                 for a, b, w in zip(starts, ends, query, strict=True)])
        return np.bincount(rows, weights=values, minlength=postings.n_rows)

    by_phrasing = dot(index.phrasings)
    hit = np.flatnonzero(by_phrasing)
    best = np.zeros(len(matcher.facts))
    np.maximum.at(best, index.phrasing_fact_array[hit], by_phrasing[hit])
    lexical = 0.35 * best + 0.35 * dot(index.centroids)
    candidates = np.flatnonzero(lexical)
    if len(candidates) > 12:
        candidates = candidates[np.argpartition(-lexical[candidates], 12)[:12]]
    text = " ".join(terms)
    scored = []
    for f in candidates.tolist():
        fuzzy = max(fuzz.token_sort_ratio(text, index.phrasing_text[p])
                    for p in index.phrasings_of[f])
        scored.append((f, min(1.0, max(0.0, float(lexical[f] + 0.3 * fuzzy / 100.0)))))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored


def test_scores_are_those_of_the_plain_computation(synthetic):
    matcher = Matcher(synthetic)
    facts = list(synthetic.facts.values())
    questions = [q.text for q in generate_queries(facts, 300, seed=1)]
    questions += [*generate_prefixes(facts, 100, seed=1), "", "hi", "what is the weather"]
    assert len(matcher.index.phrasings._dense) > 0  # common terms are dense columns
    for question in questions:
        raw = matcher.analyzer.raw_words(question[:MAX_QUESTION_CHARS])
        terms = [stem(w) for w in matcher.analyzer.words_of(raw)]
        extra = matcher.analyzer.prefix_terms(raw[-1]) if raw else []
        for more in ([], extra):
            assert matcher._scores(terms, more) == reference_scores(matcher, terms, more)


def test_dense_columns_add_up_like_postings():
    rng = np.random.default_rng(1)
    n_rows, n_terms = 2000, 40
    terms = rng.integers(0, n_terms, 30_000)
    rows = rng.integers(0, n_rows, 30_000)
    keep = np.unique(terms * n_rows + rows, return_index=True)[1]
    terms, rows = terms[keep], rows[keep]
    weights = rng.random(len(terms))
    postings = Postings(terms, rows, weights, n_terms, n_rows)
    assert postings._dense
    for _ in range(50):
        query = rng.choice(n_terms, size=8, replace=False).tolist()
        values = rng.random(8)
        expected = np.zeros(n_rows)
        for t, w in zip(query, values, strict=True):
            a, b = postings.indptr[t], postings.indptr[t + 1]
            expected += np.bincount(postings.rows[a:b], weights=postings.weights[a:b] * w,
                                    minlength=n_rows)
        assert np.array_equal(postings.dot(query, values), expected)


# -- YAML ------------------------------------------------------------------------------------

YAML_DOCUMENTS = [
    "a: 1\nb: [1, 2.5, true, null, ~, 2024-01-02, 0x1f, .inf, '', \"x\"]\n",
    "<<: {a: 1}\nb: 2\n", "= : 3\n", "!!set {a, b}\n", "a: !!binary aGVsbG8=\n",
    "1: a\n1: b\ntrue: c\n", "", "just a scalar", "a: !!str 12\nb: !!int '7'\n",
    "a: {b: {c: [d, {e: f}]}}\n", "k: '**bold** * star'\nl: [x, '*']\n",
    "topic: t\nfacts:\n  - id: x\n    question: q?\n    alternates: [a, b]\n",
]
BAD_YAML = [
    "a: &x 1\nb: *x\n", "- &a [x]\n- *a\n", "&a [*a]\n", "a: !!map [1]\n", "k: !custom x\n",
    "? [1]\n: 2\n",
    "x: !!python/object/apply:os.system ['echo']\n", "--- a\n--- b\n", "a: [1\n",
]


class _PlainLoader(yaml_io._Loader):
    """The same loader, building every document with PyYAML's constructor."""

    def construct_document(self, node):  # type: ignore[no-untyped-def]
        return super(yaml_io._Loader, self).construct_document(node)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return (type(a) is type(b) and list(a) == list(b)
                and getattr(a, "line", None) == getattr(b, "line", None)
                and getattr(a, "key_lines", None) == getattr(b, "key_lines", None)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_yaml_documents_are_built_as_pyyaml_builds_them(text):
    assert _same(yaml.load(text, Loader=yaml_io._Loader), yaml.load(text, Loader=_PlainLoader))


def test_knowledge_files_are_built_as_pyyaml_builds_them():
    for path in sorted(Path(bundled_knowledge_dir()).rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert _same(yaml.load(text, Loader=yaml_io._Loader),
                     yaml.load(text, Loader=_PlainLoader)), path


@pytest.mark.parametrize("text", BAD_YAML)
def test_bad_yaml_fails_as_before(text):
    errors = []
    for loader in (yaml_io._Loader, _PlainLoader):
        try:
            yaml.load(text, Loader=loader)
            errors.append(None)
        except yaml.YAMLError as exc:
            errors.append(str(exc))
    assert errors[0] == errors[1]
    if "*" in text:
        assert "aliases" in errors[0]


def test_resolver_shortcut_agrees_with_pyyaml():
    loader = yaml_io._Loader("")
    plain = yaml.resolver.Resolver()
    values = ["", "x", "yes", "No", "~", "null", "1", "-1", "0x1f", "1.5", ".inf", "2024-01-02",
              "<<", "=", "Show off", "syn-000001", "true story", "on", "*a", "&a", "!x", "+1"]
    for value in values:
        for implicit in itertools.product((False, True), repeat=2):
            assert loader.resolve(yaml.ScalarNode, value, implicit) == plain.resolve(
                yaml.ScalarNode, value, implicit), (value, implicit)
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert loader.resolve(kind, None, (True, False)) == plain.resolve(kind, None, (True, False))


def test_depth_check_agrees_with_nesting_depth():
    rng = random.Random(7)
    pieces = ["- ", "-\t", "? ", ": ", "[", "]", "{", "}", "  ", "\t", "\n", "a", "-", ":", " "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 300))) for _ in range(3000)]
    texts += [
        "- " * 41 + "x", "- " * 40 + "x", "[" * 41, "[" * 40, "{a: " * 41, "? " * 41,
        " " * 82 + "x", " " * 81 + "x", "-    " * 40 + "x",
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 42)),
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 41)),
    ]
    for text in texts:
        assert yaml_io._too_deep(text) == (yaml_io.nesting_depth(text) > yaml_io.MAX_NESTING)


def test_snapshot_style_rankings_are_stable(shipped):
    """Two builds of the same knowledge base rank alike (no dependence on hash seeds)."""
    questions = ["how much do ml engineers make", "do i need a phd", "best course for ml"]
    first, second = Matcher(shipped), Matcher(shipped)
    for question in questions:
        assert first.rank(question) == second.rank(question)
    assert list(itertools.islice(first.index.terms, 5)) == list(
        itertools.islice(second.index.terms, 5))
