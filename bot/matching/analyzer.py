"""From text to index terms: clean, split, correct typos, apply synonyms, stem."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.matching.normalize import clean, stem, words
from bot.matching.synonyms import STOP_WORDS, SynonymTable

MIN_TYPO_LENGTH = 4
"""Words shorter than this are never "corrected" (too many near neighbours)."""
TYPO_CUTOFF_SHORT = 85.0
TYPO_CUTOFF_LONG = 80.0
"""`fuzz.ratio` a misspelt word needs with a known word (short: under 6 letters)."""
MAX_TYPO_LOOKUPS = 8
"""At most this many unknown words of one question are looked up (bounded work)."""
MAX_PREFIX_EXPANSIONS = 24


class Analyzer:
    """Knows the vocabulary of one knowledge base; turns any text into its terms."""

    def __init__(self, synonyms: SynonymTable, vocabulary: Iterable[str]) -> None:
        self.synonyms = synonyms
        self._known: frozenset[str] = frozenset()
        self._sorted: list[str] = []
        self._correct = lru_cache(maxsize=16384)(self._nearest_known)
        self.extend(vocabulary)

    def extend(self, vocabulary: Iterable[str]) -> None:
        """Add words to the known vocabulary (typos are corrected towards known words)."""
        known = self._known | {w for w in vocabulary if w} | self.synonyms.source_words()
        self._known = frozenset(known)
        self._sorted = sorted(known)
        self._correct.cache_clear()

    @staticmethod
    def raw_words(text: str) -> list[str]:
        return words(clean(text))

    def terms(self, text: str, *, correct_typos: bool = True) -> list[str]:
        """Index terms of `text`, in order (duplicates kept)."""
        return self.terms_of(self.raw_words(text), correct_typos=correct_typos)

    def terms_of(self, raw: list[str], *, correct_typos: bool = True) -> list[str]:
        return list(map(stem, self.words_of(raw, correct_typos=correct_typos)))

    def words_of(self, raw: list[str], *, correct_typos: bool = True) -> list[str]:
        """Words with typos corrected and synonyms applied (not yet stemmed)."""
        if correct_typos:
            raw = self.corrected(raw)
        return self.synonyms.apply(raw)

    def is_known(self, word: str) -> bool:
        return word in self._known

    @staticmethod
    def with_bigrams(terms: list[str]) -> list[str]:
        """`terms` plus each pair of neighbouring content terms ("data engin" != "learn engin")."""
        content = [t for t in terms if t not in STOP_WORDS]
        return terms + [f"{a} {b}" for a, b in itertools.pairwise(content)]

    def prefix_terms(self, prefix: str) -> list[str]:
        """Terms of known words that start with `prefix` (the word being typed)."""
        start = bisect.bisect_left(self._sorted, prefix)
        found: list[str] = []
        for word in self._sorted[start : start + MAX_PREFIX_EXPANSIONS]:
            if not word.startswith(prefix):
                break
            found.extend(stem(w) for w in self.synonyms.apply([word]))
        return found

    def corrected(self, raw: list[str]) -> list[str]:
        """`raw` with unknown words replaced by the known word they misspell, if any."""
        if self._known.issuperset(raw):
            return raw
        lookups = 0
        out = []
        for word in raw:
            if (
                word in self._known
                or word in STOP_WORDS
                or len(word) < MIN_TYPO_LENGTH
                or not word.isalpha()
                or lookups >= MAX_TYPO_LOOKUPS
            ):
                out.append(word)
                continue
            lookups += 1
            out.append(self._correct(word))
        return out

    def _nearest_known(self, word: str) -> str:
        cutoff = TYPO_CUTOFF_SHORT if len(word) < 6 else TYPO_CUTOFF_LONG
        # A typo adds, drops or swaps a letter: a word two letters longer is another word
        # ("doctor" is not a misspelt "doctoral").
        for known, _score, _index in process.extract(
            word, self._sorted, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
        ):
            if abs(len(known) - len(word)) <= 1:
                return known
        return word
