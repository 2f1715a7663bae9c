"""Synonyms: chat spelling here (the language, any subject); the subject's own vocabulary
("ml", "mle", "salary" -> "pay") is data, in the knowledge directory's `matching.yaml`.

Applied to the knowledge base's phrasings and to questions alike, before stemming, so that
"mle salary", "how much do ML engineers earn" and "machine learning engineer pay" share tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from bot.core.matching.corpus import Texts, Vocabulary

Phrase = tuple[str, ...]

CHAT_SYNONYMS: Mapping[str, str] = {
    # chat spelling
    "u": "you",
    "ur": "your",
    "r": "are",
    "wat": "what",
    "wut": "what",
    "whats": "what is",
    "hows": "how is",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
    "lotta": "lot of",
    "outta": "out of",
    "lemme": "let me",
    "gimme": "give me",
    "dunno": "do not know",
    "rn": "now",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "w": "with",
    "bc": "because",
    "cuz": "because",
    "wht": "what",
    "ppl": "people",
    "til": "until",
    "lvl": "level",
    "payed": "pay",
    "tho": "though",
    "abt": "about",
    "bout": "about",
    "yr": "year",
    "yrs": "years",
    "idk": "i do not know",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "cant": "can not",
    "couldnt": "could not",
    "im": "i am",
    "ive": "i have",
    # chat fillers: they say how, not what (dropped)
    "tbh": "",
    "ngl": "",
    "imo": "",
    "imho": "",
    "btw": "",
    "fwiw": "",
    "lol": "",
    "lmao": "",
    "haha": "",
    "bro": "",
    "bruh": "",
}
"""Phrase -> replacement, both as space-separated lower-case words."""

MONEY_CONTEXT = frozenset({"much", "money", "$", "year", "yearly", "annually", "annual", "hour"})
"""Words that make "make" mean "earn" ("how much does an MLE make")."""
MAKE_WORDS = frozenset({"make", "makes", "making"})
MORE_OR_LESS = frozenset({"more", "less"})
"""After "make", words that make it mean "earn" ("ML engineers make more than ...")."""


class SynonymTable:
    """Greedy longest-phrase replacement over word sequences."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table: dict[Phrase, Phrase] = {
            tuple(k.split()): tuple(v.split()) for k, v in table.items()
        }
        self._starts = frozenset(phrase[0] for phrase in self._table)
        self._flat = {" ".join(k): " ".join(v) for k, v in self._table.items()}
        # Longest phrases first, whole words only: one pass of the regex engine per text.
        alternatives = sorted(self._flat, key=lambda p: (-len(p.split()), -len(p)))
        self._pattern = re.compile(
            r"(?<!\S)(?:" + "|".join(re.escape(p) for p in alternatives) + r")(?!\S)"
        )

    def apply(self, words: Sequence[str]) -> list[str]:
        if self._starts.isdisjoint(words) and MAKE_WORDS.isdisjoint(words):
            return list(words)  # the common case: nothing to replace
        text = self._pattern.sub(lambda m: self._flat[m.group(0)], " ".join(words))
        out = text.split()
        if not MAKE_WORDS.isdisjoint(out):
            # "make" means "earn" in a question about money, at the end of one ("what does
            # an MLE make") or before "more" or "less", not in "make a model".
            money = not MONEY_CONTEXT.isdisjoint(words)
            last = len(out) - 1
            out = ["pay" if w in MAKE_WORDS and (
                money or i == last or out[i + 1] in MORE_OR_LESS) else w
                for i, w in enumerate(out)]
        return out

    def apply_texts(self, vocabulary: Vocabulary, texts: Texts) -> Texts:
        """`apply` to every text at once.

        A text without a phrase of several words and without "make" (read by its context)
        is rewritten word by word, each word by its replacement: numpy does that for all such
        texts together. The others, few, go through `apply` one by one."""
        singles: dict[int, list[int]] = {}  # word id -> the ids of its replacement
        slow = np.zeros(len(texts.ids), dtype=bool)  # where a text must go through apply()
        text_of = texts.text_of_word()
        for phrase, replacement in self._table.items():
            ids = [vocabulary.get(word) for word in phrase]
            if None in ids:
                continue  # a word no text has: the phrase occurs nowhere
            if len(ids) == 1:
                if replacement != phrase:
                    singles[ids[0]] = [vocabulary.id(word) for word in replacement]  # type: ignore[index]
                continue
            k = len(ids)
            found = np.ones(max(0, len(texts.ids) - k + 1), dtype=bool)
            for j, word_id in enumerate(ids):
                found &= texts.ids[j : j + len(found)] == word_id
            starts = np.flatnonzero(found)
            slow[starts[text_of[starts] == text_of[starts + k - 1]]] = True
        in_context = [i for word in MAKE_WORDS if (i := vocabulary.get(word)) is not None]
        in_context += [
            i for i, replacement in singles.items()
            if not MAKE_WORDS.isdisjoint(vocabulary.words[r] for r in replacement)
        ]
        slow |= np.isin(texts.ids, in_context)
        rewritten = _rewritten(texts, singles, len(vocabulary)) if singles else texts
        return self._apply_each(vocabulary, texts, np.unique(text_of[slow]).tolist(), rewritten)

    def _apply_each(
        self, vocabulary: Vocabulary, texts: Texts, which: Sequence[int], into: Texts
    ) -> Texts:
        """`into` with each text of `which` replaced by `apply` of its words in `texts`."""
        new = [
            vocabulary.ids(self.apply([vocabulary.words[i] for i in texts.text(t).tolist()]))
            for t in which
        ]
        return into.replaced(which, new)

    def source_words(self) -> set[str]:
        """Every single word the table knows (a typo is corrected towards these too)."""
        return {w for phrase in (*self._table, *self._table.values()) for w in phrase}


_STOP_WORDS_TEXT = """
    a about am an and any are as at be been being but by can could did do does doing for
    from had has have having he her here hers him his how i if in into is it its just me
    might my myself of on or our ours out over should so some such than that the their them
    then there these they this those to too under up very was we were what when where which
    while who whom why will with would you your yours yourself hey hi hello hiya yo bot
    careerbot please thanks thank quick q question ask asking tell know wondering curious
    anyone someone guys pal lol tbh ok okay like really actually also get got
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
"""Function and chat words: matched like any word, but never count as the subject of a question."""
def _rewritten(texts: Texts, replacements: dict[int, list[int]], size: int) -> Texts:
    """`texts` with each word id that has a replacement replaced by it (several words, or none),
    in a vocabulary of `size` words."""
    replaced = np.zeros(size, dtype=bool)
    replaced[list(replacements)] = True
    hits = np.flatnonzero(replaced[texts.ids])
    if not len(hits):
        return texts
    words = texts.ids[hits]
    counts = np.ones(size, dtype=np.int64)
    counts[list(replacements)] = [len(r) for r in replacements.values()]
    firsts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=firsts[1:])
    flat = np.zeros(firsts[-1], dtype=np.int32)
    for word, replacement in replacements.items():
        flat[firsts[word] : firsts[word + 1]] = replacement
    # The replacing words of every hit, in order, go where the hit was.
    hit_counts = counts[words]
    ends = np.cumsum(hit_counts)
    within = np.arange(ends[-1]) - np.repeat(ends - hit_counts, hit_counts)
    new_words = flat[np.repeat(firsts[words], hit_counts) + within]
    ids = np.insert(
        np.delete(texts.ids, hits), np.repeat(hits - np.arange(len(hits)), hit_counts), new_words
    )
    growth = np.zeros(len(hits) + 1, dtype=np.int64)
    np.cumsum(hit_counts - 1, out=growth[1:])
    return Texts(ids, texts.offsets + growth[np.searchsorted(hits, texts.offsets)])
