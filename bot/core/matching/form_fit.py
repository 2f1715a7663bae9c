"""Whether a fact can answer the form of a question, read from the way the fact is asked.

A score says how much a question's words look like a fact's phrasings; the form says what
kind of answer it wants. "who teaches the course" wants a person, "what is gradient descent"
an account of gradient descent, "what's the salary premium" the value of one thing. A fact
fits when its own phrasings ask that way: some phrasing asks "who", its "what is ..."
phrasings name gradient descent, some phrasing uses "premium". See `Matcher.match` for where
the matcher asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from bot.core.knowledge.models import Fact
from bot.core.matching.analyzer import Analyzer
from bot.core.matching.index import Index
from bot.core.matching.normalize import stem
from bot.core.matching.question_forms import AskedAbout, answer_type_cues, definition_words


class FormFit:
    """The form checks over one knowledge base's facts (by index, as the matcher numbers
    them). What each fact's definition phrasings define is read when first needed, then kept."""

    def __init__(self, facts: Sequence[Fact], index: Index, analyzer: Analyzer) -> None:
        self.facts = facts
        self.index = index
        self.analyzer = analyzer
        self._definitions_of: dict[int, frozenset[str]] = {}

    def asked_that_way(self, fact: int, words: list[str]) -> bool:
        """Whether fact number `fact` is ever asked with the words of the question that ask
        for a kind of answer ("who", "where", "how long", ...). With a close runner-up, a
        high score is not enough: "who teaches the stanford ml course" shares every word but
        "who" with a fact about what the course teaches, and no phrasing of it asks "who"."""
        return all(
            self.index.asked_with(fact, stem(cue)) for cue in answer_type_cues(words)
        )

    def about_it(self, fact: int, asked: AskedAbout | None) -> bool:
        """Whether fact number `fact` is about the thing a "what is ..." question names
        (`asked`; always so for other questions, where it is None). Asked what a thing is
        ("what is gradient descent", "define ML"), the fact's own "what is ..." phrasings must
        name every word of it: a fact about what a course teaches ("does the course cover
        gradient descent") does not say what gradient descent is. Asked for the value of a
        thing ("what is the salary premium", "what's the job of an MLE"), some phrasing of the
        fact must use each word of it."""
        if asked is None:
            return True
        if asked.definition:
            return {stem(w) for w in asked.words} <= self.definitions(fact)
        return all(self.index.asked_with(fact, stem(w)) for w in asked.words)

    def definitions(self, fact: int) -> frozenset[str]:
        """The stems of the words the fact's definition phrasings ("what is ...") ask about:
        read from its phrasings when a question first needs them, then kept."""
        known = self._definitions_of.get(fact)
        if known is None:
            words = self.analyzer.words_of
            raw = self.analyzer.raw_words
            known = frozenset(map(stem, chain.from_iterable(
                definition_words(words(raw(text))) for text in self.facts[fact].phrasings
            )))
            self._definitions_of[fact] = known
        return known
