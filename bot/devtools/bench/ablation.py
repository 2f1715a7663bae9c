"""What each hand rule earns: every data set measured with all rules on, then with each off.

A row per configuration, a column group per data set: the gold-style sets
(`bot.devtools.evaluation`: right, wrong, out of scope declined) and the benchmark files
(`bot.devtools.bench.datasets`: in scope answered right, out of scope declined where the file
has such queries). The matcher is the bot's own (calibrated, with the meaning signal when the
model loads), its decisions unchanged but for the one rule turned off.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.knowledge.models import KnowledgeBase
from bot.core.matching.rules import RULES, Rules
from bot.core.service import AnswerService
from bot.devtools.bench.datasets import Dataset
from bot.devtools.bench.quality import score_decisions
from bot.devtools.evaluation import GoldQuestion, evaluate

ALL_ON = "(all rules on)"
VIA = "ablation"


@dataclass(frozen=True, slots=True)
class Figures:
    """One data set under one configuration, as shares in [0, 1] (None: not measured)."""

    right: float
    wrong: float
    declined_out: float | None


@dataclass(frozen=True, slots=True)
class Row:
    rule: str
    """The rule turned off, or `ALL_ON`."""
    figures: tuple[Figures, ...]
    """One per data set, in the order given."""


@dataclass(frozen=True, slots=True)
class GoldSet:
    name: str
    questions: Sequence[GoldQuestion]


def _gold_figures(service: AnswerService, questions: Sequence[GoldQuestion]) -> Figures:
    report = evaluate(service, list(questions))
    return Figures(report.correct_share, report.wrong_share,
                   report.out_of_scope_declined_share if report.out_of_scope else None)


def _dataset_figures(service: AnswerService, dataset: Dataset) -> Figures:
    answers = [service.ask(q.text, via=VIA, record=False) for q in dataset.queries]
    decided = [a.fact_id if a.answered else None for a in answers]
    s = score_decisions(VIA, dataset.queries, decided, 0.0)
    return Figures(s.share(s.correct, s.in_scope) or 0.0, s.share(s.wrong, s.queries) or 0.0,
                   s.share(s.out_of_scope_declined, s.out_of_scope))


def run_ablation(
    knowledge: KnowledgeBase,
    gold_sets: Sequence[GoldSet],
    datasets: Sequence[Dataset],
    *,
    rules: Sequence[str] = tuple(RULES),
    lexical: bool = False,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> list[Row]:
    """All rules on, then each of `rules` off in turn, over every set (`lexical`: without the
    meaning signal, as when the model can not be loaded)."""
    semantic = {"semantic": None} if lexical else {}
    benchmark_kbs = [dataset.knowledge_base() for dataset in datasets]
    rows = []
    for rule in (ALL_ON, *rules):
        started = time.perf_counter()
        config = Rules() if rule == ALL_ON else Rules(off=frozenset({rule}))
        figures = []
        service = AnswerService(knowledge, rules=config, **semantic)
        figures += [_gold_figures(service, gold.questions) for gold in gold_sets]
        for dataset, kb in zip(datasets, benchmark_kbs, strict=True):
            figures.append(
                _dataset_figures(AnswerService(kb, rules=config, **semantic), dataset))
        rows.append(Row(rule, tuple(figures)))
        progress(f"{rule}: measured in {time.perf_counter() - started:.0f} s")
    return rows


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}"


def _label(name: str) -> str:
    """A short column name: a file's stem ("gold"), a data set's first word ("CLINC150")."""
    return Path(name).stem if name.endswith((".yaml", ".yml")) else name.split()[0]


def format_ablation(rows: Sequence[Row], names: Sequence[str]) -> str:
    """A Markdown table: right / wrong / out of scope declined per set, and each figure's change
    from all rules on (a rule earns its place where turning it off makes things worse)."""
    head = ["rule off", *(f"{_label(name)} right / wrong / declined out" for name in names)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = rows[0].figures
    for row in rows:
        cells = [row.rule]
        for figures, before in zip(row.figures, base, strict=True):
            text = " / ".join(_pct(v) for v in (figures.right, figures.wrong, figures.declined_out))
            if row is not rows[0]:
                deltas = [
                    "-" if v is None or b is None else f"{100 * (v - b):+.1f}"
                    for v, b in ((figures.right, before.right), (figures.wrong, before.wrong),
                                 (figures.declined_out, before.declined_out))
                ]
                text += f" ({' / '.join(deltas)})"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
