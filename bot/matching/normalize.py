"""Turning a chat message into comparable tokens: Discord markup, Unicode, case, punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


def words(text: str) -> list[str]:
    """Lower-case word tokens of already-cleaned text (letters and digits of any script)."""
    return _WORD.findall(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English stem of one lower-case word ("engineers" -> "engin")."""
    if len(word) <= 3 or not word.isascii():
        return word
    return _STEMMER.stemWord(word)
