"""The matcher's decisions on top of its scores: whether the best fact answers the question.

Scores rank the facts (`bot.core.matching.matcher`); these rules, each named in
`bot.core.matching.rules` and measured by `bench ablation`, decide: the facts that fit a
"what is ..." question's form, the clear lead or the close call asked the way the question
asks, a figure the question quotes, the subject and the scope. `Matcher` inherits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, reduce

import numpy as np

from bot.core.knowledge.models import Fact
from bot.core.matching.analyzer import Analyzer
from bot.core.matching.form_fit import FormFit
from bot.core.matching.index import Index
from bot.core.matching.normalize import is_figure, stem
from bot.core.matching.question_forms import AskedAbout
from bot.core.matching.rules import Rules
from bot.core.matching.scope import Scope
from bot.core.matching.synonyms import STOP_WORDS
from bot.core.matching.thresholds import Thresholds

MAX_FIGURE_FACTS = 2
"""A figure quoted in a question ("127k") that more facts than this hold singles out none."""


class Decisions:
    """The decision rules of a `Matcher` (which sets these attributes when it is built)."""

    facts: Sequence[Fact]
    index: Index
    analyzer: Analyzer
    fit: FormFit
    scope: Scope | None
    rules: Rules

    def _fitting(
        self, scored: list[tuple[int, float]], asked: AskedAbout | None
    ) -> list[tuple[int, float]]:
        """The facts of `scored` that can answer a "what is ..." question (see `FormFit.about_it`):
        those that cannot are out of the running, and the best of the rest must win against the rest
        alone. "what's the job of an MLE in simple terms" reads most like "what is ML in simple
        terms", a fact never asked about a job: the job fact answers if clearly ahead of the
        others. When no fact fits "the X of Y", X may say little on
        its own ("the number of", "the process for"): the words alone decide. Asked what a thing is,
        though, the best fact must define it (or none answers): a fact that merely names the thing
        in some "what is ..." phrasing ("what is the role of an MLE in a data science team") does
        not say what data science is."""
        if asked is None:
            return scored
        if asked.definition:
            return scored if self.fit.about_it(scored[0][0], asked) else []
        fitting = [pair for pair in scored if self.fit.about_it(pair[0], asked)]
        return fitting if fitting or not asked.of else scored

    def _chosen(
        self, scored: list[tuple[int, float]], t: Thresholds, words: list[str]
    ) -> int | None:
        """The place in `scored` of the fact that answers, if any: the one that gives a figure
        the question quotes, or the best if confident."""
        chosen = self._quoted(words, scored, t)
        if chosen is None and scored and self._confident(scored, t, words):
            chosen = 0
        return chosen

    def _confident(self, scored: list[tuple[int, float]], t: Thresholds,
                   words: list[str]) -> bool:
        """Whether the best fact is far enough ahead of the runner-up, or scores `strong`
        and is asked the way the question asks."""
        (best, confidence), runner_up = scored[0], (scored[1][1] if len(scored) > 1 else 0.0)
        rules = self.rules
        if "sure-lead" in rules:
            ahead = t.clearly_ahead(confidence, runner_up)
        else:
            ahead = confidence >= t.answer and confidence >= t.lead * runner_up
        return ahead or (
            "close-calls" in rules and t.close_calls and confidence >= t.strong
            and self._asked_that_way(best, words)
        )

    def _asked_that_way(self, fact: int, words: list[str]) -> bool:
        return "answer-type" not in self.rules or self.fit.asked_that_way(fact, words)

    def _quoted(self, words: list[str], scored: list[tuple[int, float]],
                t: Thresholds) -> int | None:
        """The place in `scored` of the best fact that holds every figure the question
        quotes ("is 127k still the average", "that 14k bonus"), if at most
        `MAX_FIGURE_FACTS` facts hold them all and it scores `floor` or more, and is asked
        the way the question asks: a figure from the sources singles out the facts that
        give it, however chatty the rest of the question. Only where close calls are
        answered: another fact may be close, or ahead."""
        figures = {term for term in map(stem, words) if is_figure(term)}
        if not figures or not t.close_calls or "quoted-figures" not in self.rules:
            return None
        holders = reduce(np.intersect1d, map(self.index.facts_with, figures))
        if not 0 < len(holders) <= MAX_FIGURE_FACTS:
            return None
        for place, (fact, score) in enumerate(scored):
            if fact in holders and score >= t.floor and self._asked_that_way(fact, words):
                return place
        return None

    @cached_property
    def _topic_facts(self) -> np.ndarray:
        """For each fact, whether it is asked with one of the scope's topic words (the pay
        facts, the outlook facts); worked out on the first question that needs it."""
        asked = np.zeros(len(self.facts), dtype=bool)
        for word in self.scope.topic_words if self.scope else ():
            asked[self.index.facts_asked_with(stem(word))] = True
        return asked

    def _named_with_topic(self, word: str) -> bool:
        """Whether a fact asked about one of the scope's topics (pay, outlook) is asked with
        `word` too: "salary at meta" or "salary for a junior" asks for a figure the sources
        give only if a pay fact names Meta or juniors; that some other fact does is not
        enough."""
        return bool(self._topic_facts[self.index.facts_asked_with(stem(word))].any())

    def _has_subject(self, words: list[str]) -> bool:
        """Whether the question holds a word the knowledge base knows that is not a function
        word: "who are you" matches no fact, however well its "who" does."""
        return any(w not in STOP_WORDS and self.analyzer.is_known(w) for w in words)
