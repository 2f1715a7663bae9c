"""Editing a server's layer: a knowledge directory read on top of a shared knowledge base.

A layer (`bot.core.layers`) is edited by a `KnowledgeStore` like the base, with the same
validation, writes, lock and history; what differs is here. Its facts may cite the base's
sources (their quotes checked from the base's fingerprints) or sources of its own (with a URL:
unverified), and a fact it adds, renames or brings back may not take the id of a base fact, so
that an id names one fact in every server. The base is read anew at every edit: it may have
been edited since the layer was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path

from bot.core.editing.errors import EditRejected
from bot.core.editing.plans import topic_file
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import LoadReport, load_report
from bot.core.knowledge.models import KnowledgeBase, Source


class SharedBase:
    """The knowledge base a layer is edited on top of, as it is now (`current()`)."""

    def __init__(self, current: Callable[[], KnowledgeBase]) -> None:
        self.current = current

    def reader(self) -> tuple[Callable[[Path], LoadReport], Mapping[str, Source]]:
        """How the layer's folder is read (with the base's sources known), and those sources
        (a load is current while they are)."""
        sources = self.current().sources
        return partial(load_report, shared_sources=sources), sources

    def check_ids(self, layer: KnowledgeBase, fact_ids: Iterable[str],
                  shown: Callable[[str], str]) -> None:
        """EditRejected when one of these facts of `layer` has the id of a base fact
        (`shown`: a topic file as issues name it)."""
        base = self.current().facts
        issues = [
            Issue(shown(topic_file(layer.facts[i].topic)),
                  f"'{i}' is the id of a fact of the shared knowledge base (topic "
                  f"'{base[i].topic}'): choose another id for this server's fact", None, i)
            for i in dict.fromkeys(fact_ids) if i in base and i in layer.facts
        ]
        if issues:
            raise EditRejected(issues)
