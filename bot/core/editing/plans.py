"""Changes worked out in memory before anything is written (the files to write and the record
for the history), and how to undo a recorded change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.core.editing.errors import EditRejected, RevertConflict
from bot.core.editing.records import Action, Change, fact_to_dict
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import SLUG, SOURCES_FILE, TOPICS_DIR
from bot.core.knowledge.models import Fact, KnowledgeBase

MAX_SUMMARY = 300
Conflict = Callable[[Change, str], RevertConflict]
"""Makes the error for a change that cannot be reverted (the store adds a hint)."""


@dataclass
class Plan:
    """A change worked out in memory: the files to write and what to record."""

    files: dict[str, bytes | None]  # relative path -> new content (None: delete)
    action: Action
    summary: str
    fact_id: str | None = None
    topic_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    after_id: str | None = None  # `after` is this fact as the validated knowledge base has it
    reverts: int | None = None
    position: int | None = None
    quoted: tuple[str, ...] = field(default_factory=tuple)  # facts whose quotes to check


def topic_file(topic_id: str) -> str:
    return f"{TOPICS_DIR}/{topic_id}.yaml"


def content(fact: Fact) -> dict[str, Any]:
    """A fact's data without its topic (what a revert compares)."""
    data = fact_to_dict(fact)
    data.pop("topic")
    return data


def as_text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


def as_bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogateescape")


def safe_rel(rel: str) -> bool:
    """A path the store may write: sources.yaml or topics/<slug>.yaml."""
    if rel == SOURCES_FILE:
        return True
    folder, _, name = rel.partition("/")
    return folder == TOPICS_DIR and name.endswith(".yaml") and bool(SLUG.match(name[:-5]))


def position_of(kb: KnowledgeBase, fact: Fact) -> int:
    return [f.id for f in kb.facts_in(fact.topic)].index(fact.id)


def short(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def topic_files(
    shown: str, kb: KnowledgeBase, topic_id: str, facts: list[Fact]
) -> dict[str, bytes | None]:
    """The new text of one topic file holding `facts` (`shown`: the folder name, for issues)."""
    topic = kb.topic(topic_id)
    title = topic.title if topic else topic_id
    rel = topic_file(topic_id)
    try:
        return {rel: dump_topic(topic_id, title, facts).encode("utf-8")}
    except UnicodeEncodeError as exc:
        raise EditRejected([Issue(f"{shown}/{rel}", f"text is not valid Unicode: {exc}")]
                           ) from None


def revert_fact(target: Change, kb: KnowledgeBase, shown: str, conflict: Conflict) -> Plan:
    """Undo a fact change: remove what it added, re-add what it removed, restore `before`.
    Refused when the fact is no longer as the change left it."""
    before, after = target.before_fact, target.after_fact
    current = None
    if after is not None:
        current = kb.facts.get(after.id)
        if current is None or content(current) != content(after):
            raise conflict(target, f"fact '{after.id}' has changed since")
    if before is None and current is not None:  # undo an add
        topic = current.topic
        facts = kb.facts_in(topic)
        position = position_of(kb, current)
        del facts[position]
    elif before is not None and current is None:  # undo a remove
        topic = target.topic_id or before.topic
        if before.id in kb.facts:
            raise conflict(target, f"a fact '{before.id}' exists again")
        if kb.topic(topic) is None:
            raise conflict(target, f"topic '{topic}' no longer exists")
        facts = kb.facts_in(topic)
        position = len(facts) if target.position is None else min(target.position, len(facts))
        facts.insert(position, replace(before, topic=topic))
    elif before is not None and current is not None:  # undo an edit or an alias
        topic = current.topic
        if before.id != current.id and before.id in kb.facts:
            raise conflict(target, f"a fact '{before.id}' exists again")
        facts = [replace(before, topic=topic) if f.id == current.id else f
                 for f in kb.facts_in(topic)]
        position = position_of(kb, current)
    else:
        raise conflict(target, "it changed no fact")
    fact_id = before.id if before is not None else current.id  # type: ignore[union-attr]
    return Plan(
        topic_files(shown, kb, topic, facts), "revert",
        short(f"reverted #{target.id} ({target.summary})"), fact_id, topic,
        before=fact_to_dict(current) if current else None,
        after_id=before.id if before else None, reverts=target.id, position=position,
        quoted=(before.id,) if before else (),
    )


def revert_files(target: Change, snapshot: dict[str, bytes], conflict: Conflict) -> Plan:
    """Undo an import: put the files back as they were (refused if they changed since)."""
    old = dict((target.before or {}).get("files") or {})
    new = dict((target.after or {}).get("files") or {})
    if not all(safe_rel(rel) for rel in (*old, *new)):
        raise conflict(target, "its record names unexpected files")
    moved = [rel for rel, text in new.items() if snapshot.get(rel) != as_bytes(text)]
    if moved:
        raise conflict(target, f"{', '.join(moved)} changed since")
    return Plan(
        {rel: as_bytes(text) for rel, text in old.items()}, "revert",
        short(f"reverted #{target.id} ({target.summary})"),
        before={"files": new}, after={"files": old}, reverts=target.id,
    )


def edit_summary(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    before, after = before or {}, after or {}
    parts = [k for k in after if k not in ("id", "topic") and before.get(k) != after.get(k)]
    if before.get("id") != after.get("id"):
        parts.append(f"id (now '{after.get('id')}')")
    return short(f"edited {', '.join(parts)} of '{before.get('id')}'")


def seed_plan(name: str, files: dict[str, bytes]) -> Plan:
    """The first change of a knowledge base in the database: every file of folder `name`."""
    return Plan(dict(files), "import",
                short(f"seeded the database from {name}: {len(files)} file(s)"),
                before={"files": {}}, after={"files": {r: as_text(d) for r, d in files.items()}})
