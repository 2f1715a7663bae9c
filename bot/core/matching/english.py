"""Common English words, which typo correction leaves alone.

A word the knowledge base never uses may be a typo of one it does ("machien") or a word of its
own ("place", "teach"). Only the first kind should be corrected: "where is a good place to
start" is not about the pace of anything. A word on this list is taken as written.
"""

from __future__ import annotations

from importlib import resources

WORD_LIST = "english_words.txt"


def load_common_words() -> frozenset[str]:
    """The shipped list (see the header of `english_words.txt` for where it comes from)."""
    text = resources.files(__package__).joinpath(WORD_LIST).read_text(encoding="utf-8")
    return frozenset(
        line for line in text.splitlines() if line and not line.startswith("#")
    )


COMMON_WORDS: frozenset[str] = load_common_words()
