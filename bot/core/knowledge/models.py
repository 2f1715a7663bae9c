"""Plain, immutable domain objects of the knowledge base (no Discord, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.knowledge.fingerprint import Fingerprint


@dataclass(frozen=True, slots=True)
class Source:
    """A document a fact can cite: one of the source documents or an original they credit."""

    id: str
    title: str
    publisher: str | None = None
    published: str | None = None  # YYYY-MM-DD
    url: str | None = None
    note: str | None = None
    document: str | None = None  # file name of the source document text, for quote checks
    fingerprint_file: str | None = None  # `fingerprint:` as written, relative to the knowledge
    fingerprint: Fingerprint | None = field(default=None, repr=False)
    """The document's fingerprint, read by the loader: its quotes are checked from it wherever
    they are written (`bot.core.knowledge.fingerprint`)."""

    @property
    def verified(self) -> bool:
        """Whether quotes of this source are checked against its text wherever they are written
        (the running bot included), i.e. it has a fingerprint. A source with only a URL, or
        only a `document:` name (whose text the running bot does not have), is unverified:
        what a moderator quotes from it is taken on trust, and answers citing it say so."""
        return self.fingerprint is not None


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim excerpt of a source that supports an answer."""

    source: str  # a Source id
    quote: str
    via: str | None = None  # the original source the document credits, e.g. "Indeed, June 2022"


@dataclass(frozen=True, slots=True)
class Fact:
    """One answerable question, the ways people ask it, and its cited answer."""

    id: str
    question: str
    answer: str
    topic: str = ""
    alternates: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its alternates."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    fact_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchingVocabulary:
    """How people ask about the knowledge base's subject (`matching.yaml`): data, so that
    another community can point the bot at its own knowledge base without editing Python."""

    subject: tuple[str, ...] = ()
    """Words a question must use when it names the person it is about (empty: no check)."""
    topic_words: frozenset[str] = frozenset()
    """Words of questions whose figures are tied to a place, an employer or a level."""
    synonyms: Mapping[str, str] = field(default_factory=dict)
    """Phrase -> replacement, lower-case words separated by single spaces."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "synonyms", _frozen(self.synonyms))


def _frozen(mapping: Mapping[str, object] | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Every source, topic and fact, looked up by id. Built once by the loader; never mutated."""

    sources: Mapping[str, Source] = field(default_factory=dict)
    topics: tuple[Topic, ...] = ()
    facts: Mapping[str, Fact] = field(default_factory=dict)
    vocabulary: MatchingVocabulary = field(default_factory=MatchingVocabulary)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", _frozen(self.sources))
        object.__setattr__(self, "facts", _frozen(self.facts))

    @classmethod
    def from_facts(cls, facts: list[Fact] | tuple[Fact, ...]) -> KnowledgeBase:
        """A knowledge base of bare facts (benchmarks, tests): one topic per topic name."""
        topics: dict[str, list[str]] = {}
        for fact in facts:
            topics.setdefault(fact.topic, []).append(fact.id)
        return cls(
            topics=tuple(Topic(name, name, tuple(ids)) for name, ids in topics.items()),
            facts={fact.id: fact for fact in facts},
        )

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def facts_in(self, topic_id: str) -> list[Fact]:
        topic = self.topic(topic_id)
        return [self.facts[i] for i in topic.fact_ids] if topic else []
