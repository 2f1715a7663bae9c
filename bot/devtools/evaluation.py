"""The gold set: questions as people type them, each with the facts that should answer it.

`evaluate` scores the bot against it (the application service, as every front asks it);
`frontier` scores it with stricter and looser decisions; `with_typos` mistypes its words the
way people do; `python -m bot eval` prints the figures.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.knowledge.errors import Issue, KnowledgeBaseError
from bot.core.knowledge.models import KnowledgeBase
from bot.core.knowledge.yaml_io import read_yaml_file
from bot.core.layers.layer import layer_matcher, without
from bot.core.layers.matching import combined
from bot.core.matching import Matcher, MatchResult
from bot.core.matching.thresholds import Thresholds
from bot.core.service import AnswerService

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "tests" / "data" / "gold.yaml"

VIA = "eval"
TARGET_CORRECT = 0.95
TARGET_WRONG = 0.02
TARGET_OUT_OF_SCOPE_DECLINED = 0.95


@dataclass(frozen=True, slots=True)
class Targets:
    """What a set's shares must reach (`EvalReport.met`)."""

    correct: float = TARGET_CORRECT
    wrong: float = TARGET_WRONG
    out_of_scope_declined: float = TARGET_OUT_OF_SCOPE_DECLINED


SET_TARGETS = Targets()
QUESTIONS_ONLY_TARGETS = Targets(correct=0.85, wrong=0.03, out_of_scope_declined=0.0)
"""The knowledge base cut to each fact's canonical question (`questions_only`): issue 14 asks
85 % right and 3 % wrong at most, and sets no decline target."""


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    text: str
    expect: tuple[str, ...]  # empty: the knowledge base does not answer it


@dataclass(frozen=True, slots=True)
class Miss:
    question: GoldQuestion
    got: str | None
    confidence: float


@dataclass
class EvalReport:
    answerable: int = 0
    correct: int = 0
    wrong: int = 0
    declined: int = 0
    declined_suggested: int = 0
    """Declined, but an expected fact was among the "did you mean" suggestions."""
    ranked_first: int = 0
    """An expected fact was the matcher's best, answered or not: the most right answers any
    decision rule could give on this ranking."""
    out_of_scope: int = 0
    out_of_scope_declined: int = 0
    misses: list[Miss] = field(default_factory=list)

    def share(self, count: int, total: int) -> float:
        return count / total if total else 0.0

    @property
    def correct_share(self) -> float:
        return self.share(self.correct, self.answerable)

    @property
    def wrong_share(self) -> float:
        return self.share(self.wrong, self.answerable)

    @property
    def declined_share(self) -> float:
        return self.share(self.declined, self.answerable)

    @property
    def declined_suggested_share(self) -> float:
        return self.share(self.declined_suggested, self.answerable)

    @property
    def ranked_first_share(self) -> float:
        return self.share(self.ranked_first, self.answerable)

    @property
    def out_of_scope_declined_share(self) -> float:
        return self.share(self.out_of_scope_declined, self.out_of_scope)

    def met(self, targets: Targets = SET_TARGETS) -> bool:
        return (
            self.correct_share >= targets.correct
            and self.wrong_share <= targets.wrong
            and self.out_of_scope_declined_share >= targets.out_of_scope_declined
        )


def questions_only(knowledge: KnowledgeBase) -> KnowledgeBase:
    """`knowledge` with each fact cut to its canonical question (alternates and keywords
    dropped): how the bot fares on a knowledge base written with one phrasing per fact."""
    facts = {
        fid: replace(fact, alternates=(), keywords=()) for fid, fact in knowledge.facts.items()
    }
    return replace(knowledge, facts=facts)


def new_fact(matcher: Matcher, questions: list[GoldQuestion], phrasings: int, *,
             own: bool = False) -> EvalReport:
    """How a fact a moderator has just added fares: each fact the set asks about (its
    questions' first expected fact) in turn cut to `phrasings` phrasings (its question and its
    first alternates; no keywords), the other facts as they are, and its questions asked (the
    answerable ones only). The matcher is rebuilt as an edit rebuilds it (reusing
    `matcher`'s calibration). `own`: the fact is a server's own, in a layer beside the base
    without it, as `/kb add` in a server puts it (`bot.core.layers`)."""
    knowledge = matcher.knowledge
    semantic = matcher.semantic.model if matcher.semantic is not None else None
    asked: dict[str, list[GoldQuestion]] = {}
    for question in questions:
        if question.expect and question.expect[0] in knowledge.facts:
            asked.setdefault(question.expect[0], []).append(question)
    outcomes: dict[str, Outcome] = {}
    for fact_id, its_questions in asked.items():
        fact = knowledge.facts[fact_id]
        cut = replace(fact, alternates=fact.alternates[: max(phrasings - 1, 0)], keywords=())
        if own:
            base = Matcher(without(knowledge, (fact_id,)), semantic=semantic,
                           calibrated=matcher.calibration, thresholds=_given(matcher))
            topic = next(t for t in knowledge.topics if fact_id in t.fact_ids)
            layer = layer_matcher(
                replace(knowledge, facts={fact_id: cut},
                        topics=(replace(topic, fact_ids=(fact_id,)),)), base, semantic)
            def match(text: str, base: Matcher = base, layer: Matcher = layer) -> MatchResult:
                return combined(base.match(text), layer.match(text), base.thresholds)
        else:
            edited = Matcher(replace(knowledge, facts={**knowledge.facts, fact_id: cut}),
                             semantic=semantic, calibrated=matcher.calibration,
                             thresholds=_given(matcher))
            match = edited.match
        for question in its_questions:
            result = match(question.text)
            outcomes[question.text] = (result.fact.id if result.fact else None,
                                       {s.fact.id for s in result.suggestions},
                                       result.confidence)
    answerable = [q for q in questions if q.text in outcomes]
    return _scored(answerable, outcomes.__getitem__)


def _given(matcher: Matcher) -> Thresholds | None:
    """The thresholds `matcher` was given (None: it calibrated its own)."""
    return None if matcher.calibration is not None else matcher.thresholds


def load_gold(path: Path) -> list[GoldQuestion]:
    data = read_yaml_file(path)
    name = str(path)
    if not isinstance(data, dict):
        raise KnowledgeBaseError([Issue(name, "must have 'answerable' and 'out_of_scope' lists")])
    questions: list[GoldQuestion] = []
    for section, needs_ids in (("answerable", True), ("out_of_scope", False)):
        for n, item in enumerate(data.get(section) or [], 1):
            text = item.get("q") if isinstance(item, dict) else None
            expect = item.get("expect", []) if isinstance(item, dict) else None
            if not isinstance(text, str) or not isinstance(expect, list):
                raise KnowledgeBaseError([Issue(name, f"{section} item {n}: needs q (and expect)")])
            if needs_ids and not expect:
                raise KnowledgeBaseError([Issue(name, f"{section} item {n}: expect is empty")])
            questions.append(GoldQuestion(text, tuple(expect) if needs_ids else ()))
    return questions


TYPO_COPIES = 3
"""`with_typos` mistypes the set this many times, each with its own seed."""
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
"""A word long enough to be mistyped (shorter ones are never corrected: too many neighbours)."""


def with_typos(questions: list[GoldQuestion], rate: float, seed: int = 1
               ) -> list[GoldQuestion]:
    """`TYPO_COPIES` copies of `questions`, each word of five letters or more mistyped with
    probability `rate`: a letter dropped, doubled, swapped with the next or replaced, never
    the first (people rarely mistype it). Copy n uses seed `seed + n`: reproducible."""
    out = []
    for copy in range(TYPO_COPIES):
        rng = random.Random(seed + copy)

        def maybe_mistyped(match: re.Match[str], rng: random.Random = rng) -> str:
            return _mistyped(match.group(), rng) if rng.random() < rate else match.group()

        out.extend(GoldQuestion(_LONG_WORD.sub(maybe_mistyped, q.text), q.expect)
                   for q in questions)
    return out


def _mistyped(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word))
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + word[at + 1:]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2 and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1:]


def evaluate(service: AnswerService, questions: list[GoldQuestion]) -> EvalReport:
    def outcome(text: str) -> Outcome:
        answer = service.ask(text, via=VIA, record=False)
        return (answer.fact_id if answer.answered else None,
                {s.fact_id for s in answer.suggestions}, answer.confidence)

    def best(text: str) -> str | None:
        ranked = service.matcher.rank(text, limit=1)
        return ranked[0][0].id if ranked else None

    return _scored(questions, outcome, best)


Outcome = tuple[str | None, set[str], float]
"""What a question got: the fact answered (None: declined), the facts offered, the confidence."""


def _scored(questions: list[GoldQuestion], outcome: Callable[[str], Outcome],
            best: Callable[[str], str | None] | None = None) -> EvalReport:
    """`best`: the matcher's best fact for a question, answered or not (`ranked_first`)."""
    report = EvalReport()
    for question in questions:
        got, suggested, confidence = outcome(question.text)
        if question.expect:
            report.answerable += 1
            report.ranked_first += best is not None and best(question.text) in question.expect
            if got in question.expect:
                report.correct += 1
                continue
            if got is None:
                report.declined += 1
                report.declined_suggested += not suggested.isdisjoint(question.expect)
            else:
                report.wrong += 1
        else:
            report.out_of_scope += 1
            if got is None:
                report.out_of_scope_declined += 1
                continue
        report.misses.append(Miss(question, got, confidence))
    return report


FRONTIER_SHIFTS = (-0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12)
"""How far `frontier` moves the thresholds an answer must clear, from the calibrated ones."""


def frontier(matcher: Matcher, questions: list[GoldQuestion],
             shifts: Sequence[float] = FRONTIER_SHIFTS) -> list[tuple[float, EvalReport]]:
    """The set scored with the thresholds an answer must clear (`answer`, `floor`, `strong`)
    all moved by each shift: the trade between right answers and declines that stricter or
    looser decisions would make on these scores (shift 0: the bot's own)."""
    reports = []
    limits = matcher.thresholds
    for shift in shifts:
        moved = replace(limits, answer=limits.answer + shift, floor=limits.floor + shift,
                        strong=limits.strong + shift)

        def outcome(text: str, moved: Thresholds = moved) -> Outcome:
            result = matcher.match(text, thresholds=moved)
            return (result.fact.id if result.fact else None,
                    {s.fact.id for s in result.suggestions}, result.confidence)

        reports.append((shift, _scored(questions, outcome)))
    return reports
