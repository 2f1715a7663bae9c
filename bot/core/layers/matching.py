"""A question asked in a server: matched by the base's matcher and by the server's layer's,
the better answer wins.

Each matcher decides on its own facts with the same thresholds (the base's calibrated ones),
so both speak the same language: a decision, and a confidence whose largest share is the
meaning signal of the same model. Then:
- one answers, the other declines: that answer (the layer's facts are the server's own);
- both answer: the higher confidence (the layer's on a tie: the server chose to say it its
  way), with the other's fact offered first among the follow-ups when it comes close, as a
  matcher offers its own runner-up (`Thresholds.close_call`);
- both decline: a decline, with the best suggestions of both, merged by score (each side's
  own order kept).
"""

from __future__ import annotations

from heapq import merge
from itertools import zip_longest

from bot.core.conversation import Context, follow_up
from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.layers.layer import Layer
from bot.core.matching import Matcher, MatchResult, Suggestion, Thresholds

MAX_SUGGESTIONS = 3
"""As many as one matcher offers (`Matcher.match`)."""


def matched(matcher: Matcher, question: str, context: Context | None,
            thresholds: Thresholds | None) -> MatchResult:
    """`question` matched by one matcher: as a follow-up of `context` when the answer it
    follows is one of this matcher's facts, else alone."""
    if context is not None and context.fact_id in matcher.knowledge.facts:
        return follow_up(matcher, question, context, thresholds)
    return matcher.match(question, thresholds=thresholds)


def _best(result: MatchResult) -> Suggestion | None:
    """A result's own best fact: its answer, or its first suggestion."""
    if result.fact is not None:
        return Suggestion(result.fact, result.confidence)
    return result.suggestions[0] if result.suggestions else None


def combined(base: MatchResult, local: MatchResult, thresholds: Thresholds) -> MatchResult:
    """The better of a base match and a layer match of the same question (see the module)."""
    for more in (base, local):
        if more.more_about is not None:
            return more  # "tell me more" after the answer that side gave
    if local.answered and (not base.answered or local.confidence >= base.confidence):
        winner, other = local, base
    elif base.answered:
        winner, other = base, local
    else:
        # Merged by score, each side's own order kept (a follow-up orders its offers by the
        # blend of its readings, not by score).
        offered = list(merge(base.suggestions, local.suggestions,
                             key=lambda s: -s.score))[:MAX_SUGGESTIONS]
        return MatchResult(base.question, None, max(base.confidence, local.confidence),
                           tuple(offered), off_topic=base.off_topic or local.off_topic)
    rival = _best(other)
    close = winner.suggestions
    if (rival is not None and thresholds.close_call(winner.confidence, rival.score)
            and (not close or rival.score >= close[0].score)):
        close = (rival,)
    return MatchResult(winner.question, winner.fact, winner.confidence, close,
                       not_covered=winner.not_covered, in_context=winner.in_context)


def completions(base: list[Fact], local: list[Fact], limit: int) -> list[Fact]:
    """Autocomplete from both, alternating (each list ranked on its own index's scale, which
    the other's does not share), the layer's first."""
    mixed = (f for pair in zip_longest(local, base) for f in pair if f is not None)
    return list(mixed)[:limit]


def in_server(
    layer: Layer | None, base: Matcher, result: MatchResult, question: str, *,
    context: Context | None = None, thresholds: Thresholds | None = None,
) -> tuple[MatchResult, KnowledgeBase]:
    """`result`, the base's match of `question`, combined with the match of the server's
    layer (if it has facts), and the knowledge base the answer's fact is from (its sources
    and related facts). `thresholds`: those the base's match used (None: its own)."""
    if layer is None or layer.matcher is None or layer.knowledge is None:
        return result, base.knowledge
    deciding = thresholds or base.thresholds
    own = thresholds is None and layer.matcher.calibration is not None
    local = matched(layer.matcher, question, context, None if own else deciding)
    result = combined(result, local, deciding)
    if result.fact is not None and layer.owns(result.fact.id):
        return result, layer.knowledge
    return result, base.knowledge
