"""What a question asks for, read from its form: a kind of answer ("who", "how long"), or the
meaning of a thing ("what is gradient descent").

Word overlap finds the facts a question is about; the form tells whether such a fact answers it.
"who teaches the ML course" shares every word but "who" with a fact about what the course
teaches; "what is unsupervised learning" shares both its words with a fact that recommends a
course covering unsupervised learning. Neither fact answers. The functions here read words
after synonyms, before stemming (`Analyzer.words_of`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.matching.synonyms import STOP_WORDS

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


MAX_DEFINED_WORDS = 5
"""A thing to define is named in at most this many words ("the stanford machine learning
specialization"); a longer "what is ..." asks something else."""
_TO_BE = frozenset({"is", "are"})
_DETERMINERS = frozenset({"a", "an", "the"})
_DEFINITION_ENDS = frozenset({"and", "exactly", "actually", "really", "mean", "means"})
"""Words after which a definition question says no more about the thing to define: "what is
gradient descent and how does it work", "what does ml actually mean"."""


def _after_frame(words: Sequence[str]) -> Sequence[str] | None:
    """The words after "what is/are", "what's" (read "what"), "define" or "what does", or None
    when the question opens otherwise."""
    if len(words) >= 2 and words[0] == "what":
        if words[1] in _TO_BE:
            return words[2:]
        if words[1] in _DETERMINERS:  # "what's the ..." (the "'s" is dropped when cleaned)
            return words[1:]
        if words[1] in ("does", "do") and words[-1] in ("mean", "means"):
            return words[2:]
    if words and words[0] == "define":
        return words[1:]
    return None


def defined_words(words: Sequence[str]) -> tuple[str, ...] | None:
    """The thing a bare definition question asks the meaning of, or None for any other
    question: "what is unsupervised learning" -> ("unsupervised", "learning"), "define ml"
    and "what does ml actually mean" -> ("machine", "learning") (after synonyms); but "what is
    the salary for an mle" or "what is ml used for" ask about something of a thing (None)."""
    rest = _after_frame(words)
    if rest is None:
        return None
    start = 0
    while start < len(rest) and rest[start] in _DETERMINERS:
        start += 1
    named: list[str] = []
    for word in rest[start:]:
        if word in _DEFINITION_ENDS:
            break
        if word in STOP_WORDS:
            return None
        named.append(word)
    return tuple(named) if 0 < len(named) <= MAX_DEFINED_WORDS else None


def definition_words(words: Sequence[str]) -> frozenset[str]:
    """The content words of a phrasing that is a definition question of any length ("what is
    the average salary of an ml engineer" -> {"average", "salary", "machine", ...}), or the
    empty set when it is not one: what a fact asked this way defines."""
    rest = _after_frame(words)
    if rest is None:
        return frozenset()
    return frozenset(w for w in rest if w not in STOP_WORDS and w not in _DEFINITION_ENDS)
