"""Loading a knowledge directory (sources.yaml + topics/*.yaml) into a validated KnowledgeBase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.errors import Issue, KnowledgeBaseError
from bot.knowledge.models import Fact, KnowledgeBase, Source, Topic
from bot.knowledge.schema import (
    MAX_SHORT_TEXT,
    SLUG,
    TOPIC_KEYS,
    Located,
    _text,
    _unknown_keys,
    parse_fact,
    parse_source,
)
from bot.knowledge.yaml_io import YamlError, read_yaml_file

SOURCES_FILE = "sources.yaml"
TOPICS_DIR = "topics"
MAX_TOPIC_FILES = 200
_PHRASING_KEY = re.compile(r"[^\w]+")


def bundled_knowledge_dir() -> Path:
    """The knowledge base shipped with the project (`knowledge/` at the repository root)."""
    return Path(__file__).resolve().parents[2] / "knowledge"


_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128)
                                  if not (chr(c).isalnum() or chr(c) == "_")})


def phrasing_key(text: str) -> str:
    """Phrasings equal up to case, punctuation and spacing share a key."""
    if text.isascii():  # the common case, without the regex engine
        return " ".join(text.lower().translate(_ASCII_NON_WORD).split())
    return _PHRASING_KEY.sub(" ", text.casefold()).strip()


@dataclass(frozen=True, slots=True)
class LoadReport:
    knowledge: KnowledgeBase | None
    issues: tuple[Issue, ...]
    files: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_sources(root: Path, issues: list[Issue]) -> dict[str, Source]:
    path = root / SOURCES_FILE
    loc = Located(_display(path, root))
    if not path.is_file():
        issues.append(Issue(loc.file, "missing: the list of sources (sources: [...])"))
        return {}
    try:
        data = read_yaml_file(path, loc.file)
    except YamlError as exc:
        issues.append(exc.issue)
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        issues.append(Issue(loc.file, "must be a mapping with a 'sources:' list"))
        return {}
    sources: dict[str, Source] = {}
    for node in data["sources"]:
        source = parse_source(loc, node)
        if source is None:
            continue
        if source.id in sources:
            loc.add(f"duplicate source id '{source.id}'", node, "id")
        sources[source.id] = source
    issues.extend(loc.issues)
    return sources


def _load_topic(path: Path, root: Path, issues: list[Issue]) -> tuple[Topic, list, Located]:
    loc = Located(_display(path, root))
    topic_id = path.stem
    facts: list[tuple[Fact, object]] = []
    title = topic_id
    try:
        data = read_yaml_file(path, loc.file)
    except YamlError as exc:
        loc.issues.append(exc.issue)
        data = None
    if data is not None:
        if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            loc.add("must be a mapping with 'topic', 'title' and a 'facts:' list", data)
        else:
            _unknown_keys(loc, data, TOPIC_KEYS, "a topic file")
            if data.get("topic") != topic_id:
                loc.add(f"'topic' must be '{topic_id}' (the file name)", data, "topic")
            title = _text(loc, data, "title", limit=MAX_SHORT_TEXT, required=True) or topic_id
            for node in data["facts"]:
                fact = parse_fact(loc, node, topic_id)
                if fact is not None:
                    facts.append((fact, node))
    issues.extend(loc.issues)
    return Topic(topic_id, title, tuple(f.id for f, _ in facts)), facts, loc


def load_report(root: Path) -> LoadReport:
    """Read and check every file; collect every problem rather than stopping at the first."""
    root = Path(root)
    issues: list[Issue] = []
    if not root.is_dir():
        return LoadReport(None, (Issue(str(root), "knowledge directory not found"),))
    sources = _load_sources(root, issues)
    topic_dir = root / TOPICS_DIR
    paths = sorted(topic_dir.glob("*.yaml")) if topic_dir.is_dir() else []
    if not paths:
        issues.append(Issue(_display(topic_dir, root), "no topic files (*.yaml)"))
    if len(paths) > MAX_TOPIC_FILES:
        issues.append(Issue(_display(topic_dir, root), f"more than {MAX_TOPIC_FILES} files"))
        paths = paths[:MAX_TOPIC_FILES]

    topics: list[Topic] = []
    facts: dict[str, Fact] = {}
    located: list[tuple[Fact, object, Located]] = []
    for path in paths:
        if not SLUG.match(path.stem):
            issues.append(Issue(_display(path, root), "topic file names must be lowercase slugs"))
            continue
        topic, topic_facts, loc = _load_topic(path, root, issues)
        topics.append(topic)
        for fact, node in topic_facts:
            located.append((fact, node, loc))

    phrasings: dict[str, str] = {}
    for fact, node, loc in located:
        if fact.id in facts:
            other = facts[fact.id].topic
            issues.append(loc.make(f"duplicate id (also in topic '{other}')", node, "id", fact.id))
            continue
        facts[fact.id] = fact
        for phrasing in fact.phrasings:
            key = phrasing_key(phrasing)
            owner = phrasings.setdefault(key, fact.id)
            if owner != fact.id:
                message = f"phrasing {phrasing!r} is also on fact '{owner}'"
                issues.append(loc.make(message, node, None, fact.id))
    for fact, node, loc in located:
        for citation in fact.citations:
            if citation.source not in sources:
                issues.append(
                    loc.make(f"unknown source '{citation.source}'", node, "citations", fact.id)
                )
        for rid in fact.related:
            if rid not in facts:
                issues.append(loc.make(f"unknown related fact '{rid}'", node, "related", fact.id))
            elif rid == fact.id:
                issues.append(loc.make("related to itself", node, "related", fact.id))
    if not facts and not issues:
        issues.append(Issue(str(root), "the knowledge base has no facts"))
    kb = None if issues else KnowledgeBase(sources=sources, topics=tuple(topics), facts=facts)
    return LoadReport(kb, tuple(issues), (root / SOURCES_FILE, *paths))


def load_knowledge_base(root: Path) -> KnowledgeBase:
    """The knowledge base in `root`, or KnowledgeBaseError listing every problem."""
    report = load_report(root)
    if report.knowledge is None:
        raise KnowledgeBaseError(list(report.issues))
    return report.knowledge
