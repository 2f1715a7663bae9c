"""From text to index terms: clean, split, correct typos, apply synonyms, stem."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.matching.corpus import Texts, Vocabulary, distinct_ids
from bot.core.matching.english import COMMON_WORDS
from bot.core.matching.normalize import clean, stem, words
from bot.core.matching.synonyms import STOP_WORDS, SynonymTable

MIN_TYPO_LENGTH = 4
"""Words shorter than this are never "corrected" (too many near neighbours)."""
TYPO_CUTOFF_SHORT = 85.0
TYPO_CUTOFF_LONG = 80.0
"""`fuzz.ratio` a misspelt word needs with a known word (short: under 6 letters)."""
LONG_WORD = 8
"""Longer words may hold two typos; shorter ones one ("complete" is not a misspelt "complex")."""
MAX_TYPO_LOOKUPS = 8
"""At most this many unknown words of one question are looked up (bounded work)."""
MAX_PREFIX_EXPANSIONS = 24


class Analyzer:
    """Knows the vocabulary of one knowledge base; turns any text into its terms."""

    def __init__(
        self,
        synonyms: SynonymTable,
        vocabulary: Iterable[str],
        *,
        common_words: frozenset[str] = COMMON_WORDS,
    ) -> None:
        self.synonyms = synonyms
        self.common_words = common_words
        """Words never taken for a typo, though the knowledge base does not use them."""
        self._known: frozenset[str] = frozenset()
        self._sorted: list[str] = []
        self._correct = lru_cache(maxsize=16384)(self._nearest_known)
        self._look_up_table: _LookUpTable | None = None
        self.extend(vocabulary)

    def extend(self, vocabulary: Iterable[str]) -> None:
        """Add words to the known vocabulary (typos are corrected towards known words)."""
        known = self._known | {w for w in vocabulary if w} | self.synonyms.source_words()
        self._known = frozenset(known)
        self._sorted = sorted(known)
        self._look_up_table = None
        self._correct.cache_clear()

    @property
    def known_words(self) -> list[str]:
        """The words it knows, sorted (an analyzer made with them knows the same)."""
        return self._sorted

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
            if lookups >= MAX_TYPO_LOOKUPS or not self._looked_up(word):
                out.append(word)
                continue
            lookups += 1
            out.append(self._correct(word))
        return out

    def _looked_up(self, word: str) -> bool:
        """Whether `corrected` looks `word` up (an unknown word that may be a typo, not a
        common English word: "place" is not a misspelt "pace")."""
        return not (
            word in self._known
            or word in STOP_WORDS
            or len(word) < MIN_TYPO_LENGTH
            or not word.isalpha()
            or word in self.common_words
        )

    def corrected_texts(self, vocabulary: Vocabulary, texts: Texts) -> Texts:
        """`corrected` of every text at once: each distinct unknown word is looked up once, and
        replaced where it is among the first MAX_TYPO_LOOKUPS looked-up words of its text."""
        looked_up = np.zeros(len(vocabulary), dtype=bool)
        fixed = np.arange(len(vocabulary), dtype=np.int32)
        for i in distinct_ids(texts, len(vocabulary)).tolist():
            word = vocabulary.words[i]
            if self._looked_up(word):
                looked_up[i] = True
                fixed[i] = vocabulary.id(self._correct(word))
        lookups = looked_up[texts.ids]
        if not lookups.any():
            return texts
        rank = np.cumsum(lookups, dtype=np.int32)  # then 1 for its text's first lookup
        first = texts.offsets[:-1]
        rank -= np.repeat(np.where(first > 0, rank[first - 1], 0), texts.lengths)
        lookups &= rank <= MAX_TYPO_LOOKUPS
        ids = texts.ids.copy()
        ids[lookups] = fixed[ids[lookups]]
        return Texts(ids, texts.offsets)

    def _nearest_known(self, word: str) -> str:
        cutoff = TYPO_CUTOFF_SHORT if len(word) < 6 else TYPO_CUTOFF_LONG
        if self._look_up_table is None:
            self._look_up_table = _LookUpTable(self._sorted)
        # A typo adds, drops or swaps a letter: a word two letters longer is another word
        # ("doctor" is not a misspelt "doctoral"). And it keeps its first letter (people
        # rarely mistype that one): "saying" is a word of its own, not a misspelt "paying".
        for known, _score, _index in process.extract(
            word, self._look_up_table.could_reach(word, cutoff), scorer=fuzz.ratio,
            score_cutoff=cutoff, limit=5,
        ):
            if abs(len(known) - len(word)) <= 1 and OSA.distance(
                word, known, score_cutoff=max_edits(word)
            ) <= max_edits(word):
                return known
        return word


def max_edits(word: str) -> int:
    """Edits (a letter added, dropped, changed, or two swapped) a typo of `word` may hold."""
    return 1 if len(word) <= LONG_WORD else 2


class _LookUpTable:
    """The known words (in order), with what rules most of them out as a typo's correction:
    their first letter (a correction keeps it), their length and their characters.

    fuzz.ratio(a, b) is 100 * 2 * lcs / (len(a) + len(b)), lcs the length of their longest
    common subsequence. Two words of very different lengths cannot reach the cutoff, nor two
    words without a character in common (lcs 0: a word and the numbers of the answers, say).
    Leaving those out of the choices changes no result, nor the order of equal scores (the
    rest keep their order), and spares comparing the word with the whole vocabulary. The
    words are sorted, so those sharing a first letter are one slice."""

    def __init__(self, words: list[str]) -> None:
        self.sorted = words
        self.words = np.array(words, dtype=object)
        self.lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.characters = np.fromiter(map(_characters, words), dtype=np.uint64, count=len(words))

    def could_reach(self, word: str, cutoff: float) -> list[str]:
        """The words starting with the letter `word` starts with whose fuzz.ratio with `word`
        may reach `cutoff`, in order."""
        if not word:
            return []
        first = word[0]
        lo = bisect.bisect_left(self.sorted, first)
        after = ord(first) + 1  # the first letter after it (none after the last code point)
        hi = bisect.bisect_left(self.sorted, chr(after), lo) if after <= 0x10FFFF else len(
            self.sorted)
        n = len(word)
        lengths = self.lengths[lo:hi]
        # lcs <= the shorter length, so the ratio is at most 100 * (1 - |a - b| / (a + b)).
        fits = np.abs(lengths - n) * 100 <= (100 - cutoff) * (lengths + n)
        fits &= (self.characters[lo:hi] & np.uint64(_characters(word))) != 0
        return self.words[lo:hi][fits].tolist()


def _characters(word: str) -> int:
    """A 64-bit set of the characters of `word` (exact for a-z and 0-9; other characters
    share the remaining bits, which can only make two words look closer)."""
    bits = 0
    for ch in set(word):
        bits |= 1 << _CHARACTER_BITS.get(ch, 36 + ord(ch) % 28)
    return bits


_CHARACTER_BITS = {ch: i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789")}
