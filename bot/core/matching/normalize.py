"""Turning a chat message into comparable tokens: Discord markup, Unicode, case, punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter

import numpy as np
import snowballstemmer

MAX_QUESTION_CHARS = 500
"""Only the first this-many characters of a question are read (bounded work per message)."""

_DISCORD_MARKUP = re.compile(
    r"<a?:\w{1,64}:\d{1,25}>"  # custom emoji
    r"|<(?:@[!&]?|#)\d{1,25}>"  # user, role and channel mentions
    r"|<t:\d{1,20}(?::\w)?>"  # timestamps
    r"|<id:\w{1,20}>"
    r"|<\/[\w -]{1,64}:\d{1,25}>"  # slash-command mentions
    r"|@(?:everyone|here)\b"
    r"|https?://\S+"
    r"|:[a-z0-9_+-]{1,40}:",  # :emoji_names:
    re.IGNORECASE,
)
_CONTRACTIONS = (
    (re.compile(r"\b(can)'?t\b"), r"\1 not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"(\w)n't\b"), r"\1 not"),
    (re.compile(r"\b(i)'m\b"), r"\1 am"),
    (re.compile(r"(\w)'(?:re)\b"), r"\1 are"),
    (re.compile(r"(\w)'(?:ve)\b"), r"\1 have"),
    (re.compile(r"(\w)'(?:ll)\b"), r"\1 will"),
    (re.compile(r"(\w)'(?:d)\b"), r"\1 would"),
    (re.compile(r"(\w)'s\b"), r"\1"),  # possessive or "is": neither carries meaning here
)
_MARKUP_HINT = re.compile(r"[<@:]|https?://", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

_STEMMER = snowballstemmer.stemmer("english")


def clean(text: str, *, limit: int = MAX_QUESTION_CHARS) -> str:
    """The readable text of a message: bounded, Discord markup and emoji removed, case-folded."""
    text = text[:limit]
    if _MARKUP_HINT.search(text):
        text = _DISCORD_MARKUP.sub(" ", text)
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        # Drop invisible format characters (zero-width, bidi controls) and symbols (emoji).
        text = "".join(" " if unicodedata.category(ch)[0] in "SC" else ch for ch in text)
        text = text.casefold().translate(_APOSTROPHES)
    if "'" in text:
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    return _THOUSANDS.sub("", text) if "," in text else text


TEXT_SEPARATOR = "\x1e"
"""Joins texts lower-cased in one call (ASCII "record separator": never in a cleaned word)."""
_MORE_THAN_LOWER = np.zeros(256, dtype=bool)
_MORE_THAN_LOWER[[ord(c) for c in "<@',"]] = True
"""ASCII characters for which clean() does more to a text than lower-case it: markup ("<...>",
"@everyone"), an apostrophe (contractions) and a comma (thousands). A colon is markup only
with another in the same text (":emoji:") or with a slash after it ("https://"): see
`_colon_markup`."""
_COLON, _SLASH = ord(":"), ord("/")


def clean_many(texts: Sequence[str], *, limit: int = MAX_QUESTION_CHARS) -> list[str]:
    """`[clean(t, limit=limit) for t in texts]`, faster for many texts.

    Most texts of a knowledge base are plain ASCII, which clean() only lower-cases: those are
    lower-cased together in one call; the others are cleaned one by one by clean() itself.
    """
    cut = list(map(itemgetter(slice(limit)), texts))
    blob = TEXT_SEPARATOR.join(cut)
    out = blob.lower().split(TEXT_SEPARATOR)
    if len(out) != len(cut):  # a text holds the separator: nothing to share
        return list(map(clean, cut))
    # Which texts hold a character that needs clean() (non-ASCII ones become "?" here).
    chars = np.frombuffer(blob.encode("ascii", "replace"), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, cut), dtype=np.int64, count=len(cut)) + 1)
    special = np.searchsorted(ends, np.flatnonzero(_MORE_THAN_LOWER[chars]), side="right")
    others = [] if blob.isascii() else [i for i, t in enumerate(cut) if not t.isascii()]
    for i in {*special.tolist(), *_colon_markup(chars, ends), *others}:
        out[i] = clean(cut[i])
    return out


def _colon_markup(chars: np.ndarray, ends: np.ndarray) -> list[int]:
    """The texts (of the joined `chars`, text i ending at `ends[i]`) whose colons may be
    markup: two in one text, or one followed by a slash. Answers often hold a single colon
    ("Short answer: yes"), which clean() would leave as it is."""
    colons = np.flatnonzero(chars == _COLON)
    text_of = np.searchsorted(ends, colons, side="right")
    two = text_of[1:][text_of[1:] == text_of[:-1]]
    slash = text_of[chars[np.minimum(colons + 1, len(chars) - 1)] == _SLASH]
    return [*two.tolist(), *slash.tolist()]


def words(text: str) -> list[str]:
    """Lower-case word tokens of already-cleaned text (letters and digits of any script)."""
    return _WORD.findall(text)


def with_words(text: str, replacements: list[str]) -> str:
    """Already-cleaned `text` with its word tokens (`words(text)`, in order) replaced by
    `replacements`, one for one; what lies between them is kept."""
    new = iter(replacements)
    return _WORD.sub(lambda _: next(new), text)


_FIGURE = re.compile(r"\d{2,}|\d+k")


def is_figure(term: str) -> bool:
    """Whether a term is a figure someone might quote from the sources: a number of two
    digits or more ("71", "344", "127712" read "127k"), or thousands ("14k"); not a year
    (1900 to 2099), which dates a figure rather than being one."""
    if not term.isascii() or not _FIGURE.fullmatch(term):
        return False
    return not (len(term) == 4 and term.isdigit() and 1900 <= int(term) <= 2099)


STEM_EXCEPTIONS = {
    # Snowball gives these pairs one stem, though they mean different things here.
    "experiment": "experiment", "experiments": "experiment", "experimenting": "experiment",
    "marketing": "marketing",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English stem of one lower-case word ("engineers" -> "engin"); a number of 10,000 to
    999,999 in thousands, as people write pay in chat ("127712" -> "127k", like "127k")."""
    if word.isdigit() and 5 <= len(word) <= 6 and word.isascii():
        return f"{int(word) // 1000}k"
    # Every English suffix ends in a letter: a word ending in a digit ("2024", "gpt4") is its
    # own stem, and the stemmer (pure Python) is the slow part for the numbers in answers.
    if len(word) <= 3 or not word.isascii() or word[-1].isdigit():
        return word
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    return _STEMMER.stemWord(word)
