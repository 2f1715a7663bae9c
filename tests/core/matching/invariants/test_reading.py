"""The fast paths of reading texts give exactly what the plain per-text code gives: cleaning,
words, synonyms, typo corrections, numbering."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
import snowballstemmer
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.matching import Matcher
from bot.core.matching.analyzer import Analyzer, max_edits
from bot.core.matching.corpus import Vocabulary, read_texts
from bot.core.matching.normalize import clean, clean_many, stem, words
from bot.core.matching.numbering import first_seen
from bot.core.matching.synonyms import (
    MAKE_WORDS,
    SynonymTable,
)
from tests.core.matching.invariants.shared import kb_texts, random_texts
from tests.shipped import DOMAIN_SYNONYMS

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
    keys = [w for k in table for w in k.split()] + [*MAKE_WORDS, "much", "money", "year", "the",
                                                     "more", "less"]
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


@given(st.text(max_size=60))
def test_words_replaced_one_for_one_keep_what_lies_between(text):
    from bot.core.matching.normalize import with_words

    cleaned = clean(text)
    assert with_words(cleaned, words(cleaned)) == cleaned
    marked = with_words(cleaned, ["<w>"] * len(words(cleaned)))
    assert marked.split("<w>") == re.split(r"[^\W_]+", cleaned)  # what lies between, kept
