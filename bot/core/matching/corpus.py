"""Many texts read at once: words numbered, each text a slice of one array of word ids.

Building the index reads every text of the knowledge base: at the speed bench's size, a hundred
thousand phrasings and answers. One Python call per text and step would cost more than
everything else together, so each step here runs once over all texts (a string method or
regular expression over the texts joined, or a numpy operation over all word ids), and work that
depends on the word only (typo correction, synonyms, stemming) runs once per distinct word.
The result is exactly what reading each text alone gives (`tests/test_matcher_speed_invariants.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import count, islice

import numpy as np

from bot.core.matching.normalize import TEXT_SEPARATOR, clean_many, words

_CHUNK = 4096
"""Texts read at a time: their words as Python strings, and the arrays made from them, stay
small (memory reused from chunk to chunk rather than mapped afresh: see index.py)."""
_ASCII_NOT_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalnum() and chr(c) != TEXT_SEPARATOR}
)
"""ASCII characters outside words ("[^\\W_]+" of ASCII text is its runs of letters and digits)."""
_MARKER = "|"
"""Stands for the separator between two texts among their words (never a word itself)."""


class Vocabulary:
    """Words numbered in order of first sight."""

    def __init__(self) -> None:
        # word -> its number + 1, the marker first; a word looked up for the first time is
        # given the next number by the dict itself (no second pass for the new words).
        self._ids: defaultdict[str, int] = defaultdict(count().__next__)
        self._ids[_MARKER]  # numbers the marker: 0
        self.words: list[str] = []

    def __len__(self) -> int:
        return len(self.words)

    def id(self, word: str) -> int:
        """The number of `word` (a new one if it is new)."""
        return int(self.ids([word])[0])

    def get(self, word: str) -> int | None:
        """The number of `word`, or None if it has none."""
        found = self._ids.get(word)
        return None if found is None or word == _MARKER else found - 1

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """The numbers of `words` (int32), new words numbered as they come; the marker
        between two texts is -1."""
        known = self._ids
        before = len(known)
        numbers = np.fromiter(map(known.__getitem__, words), np.int32, len(words))
        if len(known) > before:  # the new words, in the order they were numbered
            self.words += islice(known, before, None)
        numbers -= 1
        return numbers


@dataclass(frozen=True, slots=True)
class Texts:
    """Word ids of many texts: text i is `ids[offsets[i]:offsets[i + 1]]`."""

    ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, one more than there are texts

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def text_of_word(self) -> np.ndarray:
        """For each position of `ids`, the text it belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int32), self.lengths)

    def text(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def replaced(self, which: Sequence[int], new: Sequence[np.ndarray]) -> Texts:
        """These texts with text `which[k]` replaced by the ids `new[k]`."""
        if not len(which):
            return self
        old_lengths = self.lengths
        lengths = old_lengths.copy()
        lengths[list(which)] = [len(ids) for ids in new]
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.empty(offsets[-1], dtype=np.int32)
        kept = np.ones(len(lengths), dtype=bool)
        kept[list(which)] = False
        ids[np.repeat(kept, lengths)] = self.ids[np.repeat(kept, old_lengths)]
        for i, text_ids in zip(which, new, strict=True):
            ids[offsets[i] : offsets[i + 1]] = text_ids
        return Texts(ids, offsets)

    def part(self, start: int, stop: int) -> Texts:
        """Texts start to stop (not included)."""
        offsets = self.offsets[start : stop + 1]
        return Texts(self.ids[offsets[0] : offsets[-1]], offsets - offsets[0])

    @staticmethod
    def concatenated(parts: Sequence[Texts]) -> Texts:
        """The texts of each part, in order."""
        if not parts:
            return Texts(np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64))
        firsts = np.cumsum([0] + [len(part.ids) for part in parts[:-1]])
        offsets = [parts[0].offsets[:1]]
        offsets += [part.offsets[1:] + first for part, first in zip(parts, firsts, strict=True)]
        return Texts(np.concatenate([part.ids for part in parts]), np.concatenate(offsets))

    def as_words(self, vocabulary: Vocabulary) -> list[list[str]]:
        """Every text as its list of words (for tests and debugging)."""
        return [[vocabulary.words[i] for i in self.text(t)] for t in range(len(self))]


def read_texts(texts: Sequence[str], vocabulary: Vocabulary) -> Texts:
    """`words(clean(text))` of every text, numbered with `vocabulary`."""
    # By chunks: the words of all texts at once, as Python strings, would take 100 MB at the
    # speed bench's size (see _CHUNK).
    return Texts.concatenated([
        _read(texts[start : start + _CHUNK], vocabulary)
        for start in range(0, len(texts), _CHUNK)
    ])


def _read(texts: Sequence[str], vocabulary: Vocabulary) -> Texts:
    cleaned = clean_many(texts)
    blob = TEXT_SEPARATOR.join(cleaned)
    others: list[int] = []
    if not blob.isascii() or blob.count(TEXT_SEPARATOR) != len(cleaned) - 1:
        # Not ASCII (words of any script) or holding the separator: read one by one.
        others = [
            i for i, text in enumerate(cleaned) if not text.isascii() or TEXT_SEPARATOR in text
        ]
        plain = list(cleaned)
        for i in others:
            plain[i] = ""
        blob = TEXT_SEPARATOR.join(plain)
    read = _read_ascii(blob, len(cleaned), vocabulary)
    return read.replaced(others, [vocabulary.ids(words(cleaned[i])) for i in others])


def _read_ascii(blob: str, n_texts: int, vocabulary: Vocabulary) -> Texts:
    """The words of `n_texts` ASCII texts joined by TEXT_SEPARATOR, numbered.

    A word of ASCII text is a run of letters and digits: every other character becomes a
    space, the separator a marker word of its own, and str.split does the rest."""
    tokens = blob.translate(_ASCII_NOT_WORD).replace(TEXT_SEPARATOR, f" {_MARKER} ").split()
    marked = vocabulary.ids(tokens)
    del tokens
    markers = np.flatnonzero(marked < 0)
    offsets = np.empty(n_texts + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:-1] = markers - np.arange(len(markers))
    offsets[-1] = len(marked) - len(markers)
    return Texts(marked[marked >= 0], offsets)


def distinct_ids(texts: Texts, size: int) -> np.ndarray:
    """The word ids that occur in `texts` (sorted), of a vocabulary of `size` words."""
    present = np.zeros(size, dtype=bool)
    present[texts.ids] = True
    return np.flatnonzero(present)


def words_of(vocabulary: Vocabulary, ids: Iterable[int]) -> list[str]:
    return [vocabulary.words[i] for i in ids]


