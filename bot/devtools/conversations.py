"""Scoring follow-ups: two-turn exchanges (`tests/data/conversations.yaml` and its held-out twin),
each turn expecting a fact or a decline.

The first turn is asked alone; the second is asked in the context of the first turn's answer
(as the bot does for the same person shortly after), and, for comparison, alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.conversation import Context
from bot.core.service import AnswerService

DEFAULT_CONVERSATIONS = Path(__file__).resolve().parents[2] / "tests" / "data" / \
    "conversations.yaml"
TARGET_SECOND_TURN = 0.90


class ConversationsError(ValueError):
    """The conversation file is unreadable or malformed (the message says where)."""


@dataclass(frozen=True, slots=True)
class Exchange:
    first: str
    first_expect: str | None
    then: str
    then_expect: str | None


@dataclass(frozen=True, slots=True)
class ConversationReport:
    exchanges: int
    first_right: int
    then_right: int
    """Second turns right, read in the context of the first answer."""
    then_alone_right: int
    """Second turns right, asked alone (what the bot did before it kept context)."""
    then_offered_first: int
    """Second turns with an answer, declined in context, the right fact offered first among
    the suggestions (one click away)."""
    misses: tuple[tuple[Exchange, str | None], ...]
    """Second turns read in context that went wrong, with what the bot answered."""

    def share(self, count: int) -> float:
        return count / self.exchanges if self.exchanges else 0.0


def load_conversations(path: Path, known: set[str]) -> list[Exchange]:
    """The exchanges of a conversation file; every expected id must be a fact of `known`."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConversationsError(f"{path}: {exc}") from exc
    rows = data.get("conversations") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ConversationsError(f"{path}: expected a non-empty `conversations:` list")
    exchanges = []
    for number, row in enumerate(rows, start=1):
        try:
            exchange = Exchange(str(row["first"]), row["first_expect"], str(row["then"]),
                                row["then_expect"])
        except (KeyError, TypeError):
            raise ConversationsError(
                f"{path}: exchange {number} needs first, first_expect, then, then_expect"
            ) from None
        for expect in (exchange.first_expect, exchange.then_expect):
            if expect is not None and expect not in known:
                raise ConversationsError(f"{path}: exchange {number} expects unknown fact "
                                         f"{expect!r}")
        exchanges.append(exchange)
    return exchanges


def evaluate_conversations(service: AnswerService,
                           exchanges: list[Exchange]) -> ConversationReport:
    first_right = then_right = alone_right = offered_first = 0
    misses = []
    for exchange in exchanges:
        first = service.ask(exchange.first, via="eval", record=False)
        first_right += first.fact_id == exchange.first_expect
        context = (Context(exchange.first, first.fact_id)
                   if first.answered and first.fact_id else None)
        then = service.ask(exchange.then, via="eval", record=False, context=context)
        alone = service.ask(exchange.then, via="eval", record=False)
        then_right += then.fact_id == exchange.then_expect
        offered_first += bool(not then.answered and exchange.then_expect and then.suggestions
                              and then.suggestions[0].fact_id == exchange.then_expect)
        alone_right += alone.fact_id == exchange.then_expect
        if then.fact_id != exchange.then_expect:
            misses.append((exchange, then.fact_id))
    return ConversationReport(len(exchanges), first_right, then_right, alone_right,
                              offered_first, tuple(misses))


def format_conversations(report: ConversationReport, name: str, verbose: bool) -> str:
    lines = [f"conversations: {name} ({report.exchanges} two-turn exchanges)"]
    lines.append(f"  first turn right                 {report.share(report.first_right):6.1%}")
    lines.append(f"  second turn right, in context    {report.share(report.then_right):6.1%}"
                 f"   target >= {TARGET_SECOND_TURN:.0%}")
    lines.append(f"  second turn right, asked alone   {report.share(report.then_alone_right):6.1%}"
                 "   (without conversation)")
    lines.append(f"  second turn declined, right fact offered first "
                 f"{report.share(report.then_offered_first):6.1%}   (one click away)")
    if verbose:
        for exchange, got in report.misses:
            lines.append(f"  {exchange.first!r} -> {exchange.then!r}: expected "
                         f"{exchange.then_expect or '(decline)'}, got {got or '(declined)'}")
    return "\n".join(lines)
