"""One server's layer as it answers: its facts, and a small matcher over them alone.

The layer's matcher is built from the layer's facts only (fifty facts: milliseconds once their
vectors are cached), with the base's synonyms but not its scope: the base's subject ("a
question naming another job is not ours") is the base's, and a server's own facts may be about
anything its moderators choose ("how do I become a mentor here"); a question about another job
is still declined by the base, and answered by the layer only if it reads like one of the
server's facts. It decides with the base's calibrated thresholds: a matcher of a few dozen
facts calibrated on itself learns from a few dozen held-out questions, and `bench servers
--own-thresholds` measures what that costs. The base's matcher is never rebuilt for a layer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import LoadReport
from bot.core.knowledge.models import KnowledgeBase
from bot.core.layers.model import LayerModel
from bot.core.matching import Matcher
from bot.core.matching.rules import ALL_RULES, Rules
from bot.core.matching.semantic import SemanticModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Layer:
    """A server's facts as loaded, and their matcher. Immutable: an edit builds a new one."""

    guild_id: int
    knowledge: KnowledgeBase | None
    """Its facts and topics, and the sources they may cite (the base's and its own); None
    when its files do not load."""
    matcher: Matcher | None
    """None: nothing to match (no fact yet, or files that do not load)."""
    issues: tuple[Issue, ...] = ()
    """Why its files do not load: the server is answered from the base meanwhile."""
    shadowed: tuple[str, ...] = ()
    """Its facts left out because the base has since taken their id (the base's answers)."""
    build_seconds: float = 0.0
    against: KnowledgeBase | None = field(default=None, repr=False, compare=False)
    """The base knowledge base its facts were checked against (`ServerLayers.get` checks
    again when the base has changed since)."""

    @property
    def broken(self) -> bool:
        return self.knowledge is None

    def owns(self, fact_id: str) -> bool:
        return self.knowledge is not None and fact_id in self.knowledge.facts


def without(knowledge: KnowledgeBase, fact_ids: tuple[str, ...]) -> KnowledgeBase:
    """`knowledge` less some facts (from their topics too)."""
    gone = set(fact_ids)
    return KnowledgeBase(
        sources=knowledge.sources,
        topics=tuple(replace(t, fact_ids=tuple(i for i in t.fact_ids if i not in gone))
                     for t in knowledge.topics),
        facts={i: f for i, f in knowledge.facts.items() if i not in gone},
        vocabulary=knowledge.vocabulary,
    )


def build_layer(
    guild_id: int,
    report: LoadReport,
    base: Matcher,
    *,
    cache_dir: Path | None,
    rules: Rules = ALL_RULES,
    own_thresholds: bool = False,
) -> Layer:
    """The layer of `report` (its folder as loaded), to be matched beside `base`."""
    started = time.perf_counter()
    if report.knowledge is None:
        log.warning("server %d: its knowledge layer does not load, answering from the shared "
                    "knowledge base only: %s", guild_id, "; ".join(map(str, report.issues[:3])))
        return Layer(guild_id, None, None, report.issues)
    knowledge = report.knowledge
    shadowed = tuple(i for i in knowledge.facts if i in base.knowledge.facts)
    if shadowed:
        log.warning("server %d: facts %s left out of its layer: the shared knowledge base has "
                    "facts of those ids", guild_id, ", ".join(shadowed))
        knowledge = without(knowledge, shadowed)
    knowledge = replace(knowledge, vocabulary=base.knowledge.vocabulary)
    matcher = None
    if knowledge.facts:
        model = base.semantic.model if base.semantic is not None else None
        own = LayerModel(model, cache_dir) if model is not None else None
        matcher = layer_matcher(knowledge, base, own, rules=rules, own_thresholds=own_thresholds)
        if own is not None:
            own.forget_vectors()
    return Layer(guild_id, knowledge, matcher, (), shadowed, time.perf_counter() - started)


def layer_matcher(
    knowledge: KnowledgeBase, base: Matcher, semantic: SemanticModel | None, *,
    rules: Rules = ALL_RULES, own_thresholds: bool = False,
) -> Matcher:
    """The matcher of a layer's facts, matched beside `base` (see the module): no scope, the
    base's thresholds (unless `own_thresholds`), and the base's curve for facts with few
    phrasings, so that a server's own fact of two phrasings competes with the base's facts of
    many as one of theirs would (`bot.core.matching.density`); the model reads a question's
    typos as the base corrects them, so it is embedded once for both."""
    return Matcher(knowledge, scope=None, semantic=semantic, rules=rules,
                   thresholds=None if own_thresholds else base.thresholds,
                   density=base.semantic.density if base.semantic is not None else None,
                   spelling=base.analyzer)
