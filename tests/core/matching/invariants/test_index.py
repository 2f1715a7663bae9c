"""The index and the scores give exactly what the plain text-by-text computation gives, and
rank alike from build to build."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest
from rapidfuzz import fuzz

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import Matcher
from bot.core.matching import index as index_module
from bot.core.matching.analyzer import Analyzer
from bot.core.matching.normalize import MAX_QUESTION_CHARS, clean, stem, words
from bot.core.matching.postings import Postings
from bot.core.matching.question_forms import ANSWER_TYPE_WORDS
from bot.core.matching.synonyms import (
    STOP_WORDS,
    SynonymTable,
)
from bot.devtools.bench.synthetic import generate_prefixes, generate_queries
from tests.shipped import DOMAIN_SYNONYMS, with_vocabulary

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


def test_snapshot_style_rankings_are_stable(shipped):
    """Two builds of the same knowledge base rank alike (no dependence on hash seeds)."""
    questions = ["how much do ml engineers make", "do i need a phd", "best course for ml"]
    first, second = Matcher(shipped), Matcher(shipped)
    for question in questions:
        assert first.rank(question) == second.rank(question)
    assert list(itertools.islice(first.index.terms, 5)) == list(
        itertools.islice(second.index.terms, 5))
