"""Scoring messages that ask several questions (`bot.core.compound`), built from a gold set.

Each message joins two of the set's questions the ways people type them ("X and Y", "X? Y",
"X, also Y", "X. Y"): two answerable ones about different facts, where both should be
answered, each with one of its facts; or an answerable one and an out-of-scope one, where
only the first should be. The pairs are drawn with a fixed seed, so every run builds the same
messages. The set's own questions are asked too: a single question given a second answer is
counted. Every message is also asked matched whole (the bot before it answered each question):
one answer at most.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.answers import Answer
from bot.core.service import AnswerService
from bot.devtools.evaluation import VIA, GoldQuestion

JOINERS = (" and ", "? ", ", also ", ". ", " and also ")
PAIRS = 300
MIXED = 100
SEED = 7


@dataclass(frozen=True, slots=True)
class Tally:
    """How one way of answering did on the joined messages."""

    both_right: int = 0
    """Two answerable questions, each answered with one of its facts."""
    one_right: int = 0
    """Two answerable questions, only one of them answered right."""
    wrong: int = 0
    """Two answerable questions, an answer neither expects given."""
    mixed_right: int = 0
    """An answerable and an out-of-scope question: the first answered right, nothing else."""
    mixed_wrong: int = 0
    """An answerable and an out-of-scope question: an answer the first does not expect."""


@dataclass
class CompoundReport:
    pairs: int = 0
    mixed: int = 0
    singles: int = 0
    singles_split: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """The set's own questions given more than one answer, with the facts they got."""
    each: Tally = Tally()
    """Each question answered (the bot)."""
    whole: Tally = Tally()
    """Matched whole: one answer at most (before)."""
    misses: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """Pairs of answerable questions not both answered right (each way), with their answers."""


def joined_pairs(questions: Sequence[GoldQuestion], count: int, seed: int = SEED,
                 *, mixed: bool = False) -> list[tuple[str, GoldQuestion, GoldQuestion]]:
    """`count` messages joining two questions of the set: two answerable ones about different
    facts, or (`mixed`) an answerable one and an out-of-scope one."""
    rng = random.Random(seed + mixed)
    answerable = [q for q in questions if q.expect]
    others = [q for q in questions if not q.expect] if mixed else answerable
    if not answerable or not others:
        return []
    messages = []
    while len(messages) < count:
        first, second = rng.choice(answerable), rng.choice(others)
        if first is second or set(first.expect) & set(second.expect):
            continue
        joiner = rng.choice(JOINERS)
        messages.append((first.text.rstrip("?!. ") + joiner + second.text, first, second))
    return messages


def _facts(answer: Answer) -> tuple[str, ...]:
    return tuple(a.fact_id for a in (answer, *answer.also) if a.answered and a.fact_id)


def evaluate_compound(service: AnswerService, questions: Sequence[GoldQuestion],
                      pairs: int = PAIRS, seed: int = SEED) -> CompoundReport:
    report = CompoundReport()
    two = joined_pairs(questions, pairs, seed)
    mixed = joined_pairs(questions, min(pairs, MIXED), seed, mixed=True)
    report.pairs, report.mixed, report.singles = len(two), len(mixed), len(questions)
    for way in ("each", "whole"):
        service.answers_each_question = way == "each"
        counts = dict.fromkeys(Tally.__slots__, 0)
        for text, first, second in two:
            facts = _facts(service.ask(text, via=VIA, record=False))
            right = [any(f in q.expect for f in facts) for q in (first, second)]
            counts["both_right"] += all(right)
            counts["one_right"] += sum(right) == 1
            counts["wrong"] += any(f not in first.expect + second.expect for f in facts)
            if not all(right):
                report.misses.append((f"[{way}] {text}", facts))
        for text, first, _ in mixed:
            facts = _facts(service.ask(text, via=VIA, record=False))
            stray = any(f not in first.expect for f in facts)
            counts["mixed_right"] += bool(facts) and not stray
            counts["mixed_wrong"] += stray
        setattr(report, way, Tally(**counts))
    service.answers_each_question = True
    for question in questions:
        facts = _facts(service.ask(question.text, via=VIA, record=False))
        if len(facts) > 1:
            report.singles_split.append((question.text, facts))
    return report


def format_compound(report: CompoundReport, source: str, verbose: bool = False) -> str:
    def pct(count: int, total: int) -> str:
        return f"{count / total:6.1%}" if total else "   n/a"

    lines = [f"compound messages: {source} ({report.pairs} pairs of answerable questions, "
             f"{report.mixed} with an out-of-scope one)",
             "                                                each question   matched whole"]
    rows = (("two questions, both answered right", "both_right", report.pairs),
            ("two questions, only one answered right", "one_right", report.pairs),
            ("two questions, an answer neither expects", "wrong", report.pairs),
            ("with an out-of-scope one: answered right, only", "mixed_right", report.mixed),
            ("with an out-of-scope one: an answer it doesn't expect", "mixed_wrong",
             report.mixed))
    for label, key, total in rows:
        lines.append(f"  {label:<52} {pct(getattr(report.each, key), total)}"
                     f"        {pct(getattr(report.whole, key), total)}")
    lines.append(f"  the set's own questions given a second answer: {len(report.singles_split)} "
                 f"of {report.singles}")
    lines += [f"    {text!r}: {', '.join(facts)}" for text, facts in report.singles_split]
    if verbose:
        lines += [f"  {text!r}: {', '.join(facts) or '(declined)'}"
                  for text, facts in report.misses]
    return "\n".join(lines)
