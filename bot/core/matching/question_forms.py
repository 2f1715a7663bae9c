"""What a question asks for, read from its form: a kind of answer ("who", "how long"), the
meaning of a thing ("what is gradient descent") or its value ("what is the salary premium").

Word overlap finds the facts a question is about; the form tells whether such a fact answers it.
"who teaches the ML course" shares every word but "who" with a fact about what the course
teaches; "what is unsupervised learning" shares both its words with a fact that recommends a
course covering unsupervised learning. Neither fact answers. The functions here read words
after synonyms, before stemming (`Analyzer.words_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.matching.synonyms import STOP_WORDS

ANSWER_TYPE_WORDS = frozenset({"where", "who", "whom", "when", "why"})
"""Stop words that ask for a kind of answer (a place, a person, a time, a reason): they weigh in
full, so "where should i learn ml" is not read as "what should i learn for ml"."""
_HOW_WHAT = frozenset({"long", "many", "often", "old"})
"""After "how", words that ask for a kind of answer: a duration, a count, a frequency, an age
("how much" is left out: it asks for pay and for prices alike)."""


def answer_type_cues(words: Sequence[str]) -> list[str]:
    """The words of a question that ask for a kind of answer: "who", "where", "when", "why",
    "whom", and "long", "many", "often", "old" right after "how"."""
    return [
        w for i, w in enumerate(words)
        if w in ANSWER_TYPE_WORDS or (w in _HOW_WHAT and i > 0 and words[i - 1] == "how")
    ]


MAX_NAMED_WORDS = 5
"""The thing a "what is" question is about is named in at most this many words ("the stanford
machine learning specialization"); a longer "what is ..." asks something else."""
_TO_BE = frozenset({"is", "are"})
_DETERMINERS = frozenset({"a", "an", "the"})
_DEFINITION_ENDS = frozenset({"and", "exactly", "actually", "really", "mean", "means"})
"""Words after which a definition question says no more about the thing to define: "what is
gradient descent and how does it work", "what does ml actually mean"."""
_OF = frozenset({"of", "for"})
"""After "the" and a name, words that end the name: "what's the job of an MLE" asks for the
value of "job" (of an MLE); "what is the salary for a junior" that of "salary"."""


@dataclass(frozen=True, slots=True)
class AskedAbout:
    """The thing a "what is ..." question names."""

    words: tuple[str, ...]
    definition: bool
    """Whether it asks what the thing is: "what is gradient descent", "what is a neural
    network", "define ml", "what does ml mean". Not so "what is the salary premium": that
    takes the thing as known and asks for its value, or an account of it."""
    of: bool = False
    """Whether the name is followed by "of" or "for" ("what's the job of an MLE"): then it
    may be a word that says little on its own ("the number of", "the process for")."""


def _after_frame(words: Sequence[str]) -> tuple[Sequence[str], bool] | None:
    """The words after "what is/are", "what's" (read "what"), "define", "what does ... mean"
    or between "how does/do" and a last "work", and whether the frame always asks for a
    meaning ("define", "... mean"); None when the question opens otherwise."""
    if len(words) >= 2 and words[0] == "what":
        if words[1] in _TO_BE:
            return words[2:], False
        if words[1] in _DETERMINERS:  # "what's the ..." (the "'s" is dropped when cleaned)
            return words[1:], False
        if words[1] in ("does", "do") and words[-1] in ("mean", "means"):
            return words[2:], True
    if words and words[0] == "define":
        return words[1:], True
    if len(words) >= 3 and words[0] == "how" and words[1] in ("does", "do") and words[-1] in (
        "work", "works"
    ):
        return words[2:-1], False
    return None


def thing_asked_about(words: Sequence[str]) -> AskedAbout | None:
    """The thing a bare "what is ..." question is about, or None for any other question:
    "what is unsupervised learning" -> ("unsupervised", "learning"), a definition; "define ml"
    and "what does ml actually mean" -> ("machine", "learning") (after synonyms), definitions;
    "how does gradient descent work" -> ("gradient", "descent"), a definition (an account of
    the thing); "what is the salary premium" -> ("salary", "premium") and "what's the job of
    an mle" -> ("job",), not definitions ("the": the value of a thing, or an account of it).
    But "what is ml used for" asks about something of a thing (None)."""
    framed = _after_frame(words)
    if framed is None:
        return None
    rest, meaning = framed
    start = 0
    while start < len(rest) and rest[start] in _DETERMINERS:
        start += 1
    value = "the" in rest[:start]
    named: list[str] = []
    of = False
    for word in rest[start:]:
        if word in _DEFINITION_ENDS:
            break
        if value and named and word in _OF:
            of = True
            break
        if word in STOP_WORDS:
            return None
        named.append(word)
    if not 0 < len(named) <= MAX_NAMED_WORDS:
        return None
    return AskedAbout(tuple(named), meaning or not value, of)


def definition_words(words: Sequence[str]) -> frozenset[str]:
    """The content words of a phrasing that is a definition question of any length ("what is
    the average salary of an ml engineer" -> {"average", "salary", "machine", ...}), or the
    empty set when it is not one: what a fact asked this way defines."""
    framed = _after_frame(words)
    if framed is None:
        return frozenset()
    return frozenset(w for w in framed[0] if w not in STOP_WORDS and w not in _DEFINITION_ENDS)
