"""Checking uploaded knowledge files, and describing what importing them would change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.editing.errors import EditRejected
from bot.core.editing.records import Change
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import MATCHING_FILE, SOURCES_FILE, TOPICS_DIR
from bot.core.knowledge.models import Fact, KnowledgeBase, Source
from bot.core.knowledge.schema import Located, parse_fact, parse_source
from bot.core.knowledge.yaml_io import YamlError, parse_yaml

MAX_IMPORT_FILE_BYTES = 256 * 1024
MAX_IMPORT_TOTAL_BYTES = 1024 * 1024
MAX_IMPORT_FILES = 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.yaml$")


def relative_path(name: str) -> str:
    """Where an attachment goes: `sources.yaml`, or `topics/<name>` for a topic file."""
    return SOURCES_FILE if name == SOURCES_FILE else f"{TOPICS_DIR}/{name}"


def attachment_name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1]


def check_attachments(files: dict[str, bytes]) -> dict[str, bytes]:
    """Uploaded files by relative path, or EditRejected listing every problem.

    Names must be `<topic>.yaml` or `sources.yaml` (no folders, no `..`), each file at most
    256 KB and 1 MB in all, UTF-8 text, and YAML the safe loader accepts (no tags, no aliases).
    """
    issues: list[Issue] = []
    if not files:
        raise EditRejected([], "nothing to import: attach sources.yaml or <topic>.yaml files")
    if len(files) > MAX_IMPORT_FILES:
        issues.append(Issue("import", f"{len(files)} files; the limit is {MAX_IMPORT_FILES}"))
    total = sum(len(data) for data in files.values() if isinstance(data, bytes | bytearray))
    if total > MAX_IMPORT_TOTAL_BYTES:
        issues.append(Issue("import", f"{total:,} bytes in all; the limit is "
                                      f"{MAX_IMPORT_TOTAL_BYTES:,}"))
    checked: dict[str, bytes] = {}
    for name, data in files.items():
        shown = name[:80] if isinstance(name, str) else repr(name)[:80]
        if not isinstance(name, str) or not _NAME.match(name):
            issues.append(Issue(shown, "attachment names must be sources.yaml or <topic>.yaml "
                                       "(lowercase letters, digits, - and _; no folders)"))
            continue
        if name == MATCHING_FILE:
            issues.append(Issue(shown, "the matching vocabulary (subject, synonyms) is edited "
                                       "in the knowledge directory and reviewed in git, not "
                                       "imported from Discord"))
            continue
        if not isinstance(data, bytes | bytearray):
            issues.append(Issue(shown, "not a file's bytes"))
            continue
        if len(data) > MAX_IMPORT_FILE_BYTES:
            issues.append(Issue(shown, f"file is {len(data):,} bytes; the limit is "
                                       f"{MAX_IMPORT_FILE_BYTES:,}"))
            continue
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            line = bytes(data)[: exc.start].count(b"\n") + 1
            issues.append(Issue(shown, f"not UTF-8 text (byte {exc.start}); save the file as "
                                       "UTF-8", line))
            continue
        try:
            parse_yaml(text.removeprefix("\ufeff"), shown)
        except YamlError as exc:
            issues.append(exc.issue)
            continue
        checked[relative_path(name)] = bytes(data)
    if issues:
        raise EditRejected(issues)
    return checked


@dataclass(frozen=True, slots=True)
class TopicDiff:
    topic_id: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    new_topic: bool = False
    title_changed: bool = False

    def describe(self) -> str:
        parts = [f"{label} {', '.join(ids)}" for label, ids in
                 (("added", self.added), ("changed", self.changed), ("removed", self.removed))
                 if ids]
        if self.title_changed:
            parts.append("new title")
        what = "; ".join(parts) or "layout only"
        return f"{'new topic ' if self.new_topic else ''}{self.topic_id}: {what}"


@dataclass(frozen=True, slots=True)
class SourcesDiff:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"{label} {', '.join(ids)}" for label, ids in
                 (("added", self.added), ("changed", self.changed), ("removed", self.removed))
                 if ids]
        return f"sources: {'; '.join(parts) or 'layout only'}"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import changes (or changed, when `applied`)."""

    topics: tuple[TopicDiff, ...] = ()
    sources: SourcesDiff | None = None
    unchanged: tuple[str, ...] = ()  # attachments identical to the files on disk
    applied: bool = False
    knowledge: KnowledgeBase | None = None
    change: Change | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.topics) or self.sources is not None

    def describe(self) -> str:
        lines = [d.describe() for d in self.topics]
        if self.sources is not None:
            lines.append(self.sources.describe())
        if self.unchanged:
            lines.append(f"unchanged: {', '.join(self.unchanged)}")
        return "\n".join(lines) or "nothing would change"


def _parsed(data: bytes | None, name: str) -> Any:
    if data is None:
        return None
    try:
        return parse_yaml(data.decode("utf-8", "replace").removeprefix("\ufeff"), name)
    except YamlError:
        return None


def _topic_facts(data: bytes | None, topic_id: str) -> tuple[str | None, dict[str, Fact]]:
    """Best-effort reading of one topic file: (title, facts by id); broken parts are skipped."""
    parsed = _parsed(data, topic_id)
    if not isinstance(parsed, dict):
        return None, {}
    loc = Located(topic_id)
    facts = {}
    for node in parsed.get("facts") or []:
        fact = parse_fact(loc, node, topic_id)
        if fact is not None:
            facts[fact.id] = fact
    title = parsed.get("title")
    return (title if isinstance(title, str) else None), facts


def _sources(data: bytes | None) -> dict[str, Source]:
    parsed = _parsed(data, SOURCES_FILE)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("sources"), list):
        return {}
    loc = Located(SOURCES_FILE)
    found = (parse_source(loc, node) for node in parsed["sources"])
    return {s.id: s for s in found if s is not None}


def fingerprints_dropped(current: dict[str, bytes], knowledge: KnowledgeBase) -> list[Issue]:
    """One issue per source an uploaded `sources.yaml` would strip of its fingerprint: its
    quotes would silently stop being checked (a source may lose one only in the files)."""
    old = _sources(current.get(SOURCES_FILE))
    return [Issue(SOURCES_FILE, f"source '{source_id}' would lose its 'fingerprint:' line, and "
                  "its quotes would no longer be checked: keep the line")
            for source_id, source in old.items()
            if source.fingerprint_file and source_id in knowledge.sources
            and not knowledge.sources[source_id].fingerprint_file]


def _diff(old: dict, new: dict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    added = tuple(k for k in new if k not in old)
    changed = tuple(k for k in new if k in old and old[k] != new[k])
    removed = tuple(k for k in old if k not in new)
    return added, changed, removed


def summarise(current: dict[str, bytes], incoming: dict[str, bytes]) -> ImportSummary:
    """Per topic, the facts an import adds, changes and removes (files by relative path)."""
    topics: list[TopicDiff] = []
    sources: SourcesDiff | None = None
    unchanged: list[str] = []
    for rel, data in incoming.items():
        old = current.get(rel)
        if old == data:
            unchanged.append(attachment_name(rel))
            continue
        if rel == SOURCES_FILE:
            sources = SourcesDiff(*_diff(_sources(old), _sources(data)))
            continue
        topic_id = attachment_name(rel).removesuffix(".yaml")
        old_title, old_facts = _topic_facts(old, topic_id)
        new_title, new_facts = _topic_facts(data, topic_id)
        topics.append(TopicDiff(topic_id, *_diff(old_facts, new_facts), new_topic=old is None,
                                title_changed=old is not None and old_title != new_title))
    return ImportSummary(tuple(topics), sources, tuple(unchanged))
