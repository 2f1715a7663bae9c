"""KnowledgeStore: the one way the bot writes its knowledge directory.

Every edit, under an in-process lock and an OS file lock shared by every process: re-read the
files from disk, apply the change in memory, validate the whole resulting knowledge base with
the project's loader (refused with EditRejected, nothing written, when invalid), then save.

Saving, in this order, so that an acknowledged edit is both on disk and in the history:
1. open a history transaction (BEGIN IMMEDIATE) and insert the change row: a locked, read-only
   or full database refuses the edit before any file is touched;
2. write the touched topic files (journal, hard-linked backups, temp file + fsync + os.replace,
   fsync of the directory); a failure puts the old files back and rolls the row back;
3. COMMIT the row; if that fails the old files are put back;
4. drop the backups and the journal, and return.
A crash between 2 and 3 leaves a journal: the next edit (or `recover()`) sees that its change
never reached the history and puts the old files back, so no edit stays without its history.
With the history in PostgreSQL (`bot.core.editing.postgres`) the transaction opens first, takes
the knowledge base's lock for every machine and brings the folder up to the database's files;
the files are stored in it too, and the commit is the acknowledgement.
Methods are synchronous and thread-safe: call them with `asyncio.to_thread` from the bot.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from bot.core.editing.errors import (
    EditOutcomeUnknown,
    EditRejected,
    FactNotFound,
    HistoryUnavailable,
    KnowledgeBusy,
    NoChange,
    PhrasingAlreadyPresent,
    PhrasingTaken,
    RevertConflict,
    TopicNotFound,
)
from bot.core.editing.files import (
    FileTransaction,
    exclusive_lock,
    read_snapshot,
    recover,
    shared_lock,
)
from bot.core.editing.history import ChangeHistory
from bot.core.editing.imports import (
    ImportSummary,
    attachment_name,
    check_attachments,
    fingerprints_dropped,
    summarise,
)
from bot.core.editing.merge import merge_edit, stripped
from bot.core.editing.plans import (
    Plan,
    as_text,
    edit_summary,
    position_of,
    revert_fact,
    revert_files,
    short,
    topic_file,
    topic_files,
)
from bot.core.editing.postgres import PostgresHistory
from bot.core.editing.records import Change, EditResult, fact_to_dict
from bot.core.editing.replica import SharedCopy, stored, stored_files, write_marker
from bot.core.editing.shared import SharedBase
from bot.core.editing.store_sync import SharedCopyMixin
from bot.core.editing.validation import Workspace, check_fact_quotes, require_valid
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import MATCHING_FILE, LoadReport, load_report
from bot.core.knowledge.loader import phrasing_key as key_of
from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.storage.database import DATABASE_FILE

log = logging.getLogger(__name__)

DEFAULT_HISTORY = Path("data") / DATABASE_FILE


class KnowledgeStore(SharedCopyMixin):
    """Owns every write to one knowledge directory (sources.yaml, topics/*.yaml).

    `history`: the change history (default: `data/careerbot.sqlite3`, the bot's database).
    Quotes of new or changed facts must be in their source's text, checked from its fingerprint
    (bot.core.knowledge.quotes); `documents`, when given, is the folder of the source documents,
    then checked against their full text. `base`: the folder is a server's layer on that
    knowledge base (read anew at each edit; see `bot.core.editing.shared`).
    """

    def __init__(
        self,
        root: Path,
        history: ChangeHistory | PostgresHistory | Path | None = None,
        *,
        documents: Path | None = None,
        lock_timeout: float = 30.0,
        base: Callable[[], KnowledgeBase] | None = None,
        parsed: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.parsed = parsed
        """Where the folder's parsed YAML is kept (`bot.core.knowledge.parsed_files`): an
        edit's check and a load parse only the files that changed."""
        if history is None or isinstance(history, (str, Path)):
            history = ChangeHistory(Path(history) if history is not None else DEFAULT_HISTORY)
        self.history = history
        self.replica = SharedCopy(self.root, history) if history.shared else None
        """With a history that keeps the files (PostgreSQL), this folder is its working copy."""
        self.documents = documents
        self.shared = SharedBase(base) if base is not None else None
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        # The files as this store last wrote them, and their load: spares re-reading them
        # when nobody else has changed them since.
        self._last: tuple[dict[str, bytes], LoadReport, object] | None = None

    # -- reading -----------------------------------------------------------------------------

    def load(self) -> LoadReport:
        """The knowledge base as the files on disk have it now (no write in progress)."""
        with shared_lock(self.root):
            return self._reader()[0](self.root)

    def export(self) -> dict[str, bytes]:
        """Every knowledge file, as stored: `sources.yaml` and `<topic>.yaml` -> bytes."""
        with shared_lock(self.root):
            snapshot = read_snapshot(self.root)
        # matching.yaml is edited in git, not from Discord: not exported, refused on import.
        return {attachment_name(rel): data for rel, data in snapshot.items()
                if rel != MATCHING_FILE}

    def changes(self, fact_id: str | None = None, limit: int = 20) -> list[Change]:
        """The latest changes, newest first (HistoryUnavailable when the database fails)."""
        return self.history.list(fact_id=fact_id, limit=limit)

    def recover(self) -> str | None:
        """Finish or undo an edit interrupted by a crash (also done before every edit)."""
        with self._locked():
            return recover(self.root, self.history.has_token)

    # -- edits -------------------------------------------------------------------------------

    def add_fact(self, topic_id: str, fact: Fact, *, actor: str) -> EditResult:
        """Append a new fact to an existing topic."""
        fact = stripped(fact)

        def build(report: LoadReport, _snapshot: dict[str, bytes]) -> Plan:
            kb = require_valid(report)
            if kb.topic(topic_id) is None:
                raise TopicNotFound(topic_id)
            if fact.id in kb.facts:
                other = kb.facts[fact.id].topic
                raise EditRejected([Issue(
                    self._shown(topic_file(topic_id)),
                    f"a fact with id '{fact.id}' already exists (topic '{other}')", None, fact.id,
                )])
            facts = [*kb.facts_in(topic_id), replace(fact, topic=topic_id)]
            return Plan(
                topic_files(self.root.name, kb, topic_id, facts), "add",
                f"added fact '{fact.id}' to topic '{topic_id}'", fact.id, topic_id,
                after_id=fact.id, position=len(facts) - 1, quoted=(fact.id,),
            )

        return self._edit(actor, build)

    def edit_fact(
        self, fact_id: str, new_fact: Fact, *, actor: str, base: Fact | None = None
    ) -> EditResult:
        """Replace a fact (in place, same topic); `new_fact.id` may rename it.

        Pass `base`, the fact as the moderator saw it before editing: changes made meanwhile
        by others (say, a new alias) are then kept, merged field by field (EditConflict when
        both changed the same text). Without it the edit replaces the fact as it is now.
        """
        edited = stripped(new_fact)

        def build(report: LoadReport, _snapshot: dict[str, bytes]) -> Plan:
            kb = require_valid(report)
            old = self._fact(kb, fact_id)
            merged = edited if base is None else merge_edit(stripped(base), old, edited)
            new = replace(merged, topic=old.topic)
            if new.id != old.id and new.id in kb.facts:
                raise EditRejected([Issue(
                    self._shown(topic_file(old.topic)),
                    f"cannot rename to '{new.id}': that id is taken (topic "
                    f"'{kb.facts[new.id].topic}')", None, fact_id,
                )])
            facts = [new if f.id == old.id else f for f in kb.facts_in(old.topic)]
            return Plan(
                topic_files(self.root.name, kb, old.topic, facts), "edit", "", fact_id, old.topic,
                before=fact_to_dict(old), after_id=new.id,
                position=position_of(kb, old),
                quoted=(new.id,),
            )

        return self._edit(actor, build)

    def remove_fact(self, fact_id: str, *, actor: str) -> EditResult:
        """Delete a fact (refused while other facts list it in `related`)."""

        def build(report: LoadReport, _snapshot: dict[str, bytes]) -> Plan:
            kb = require_valid(report)
            old = self._fact(kb, fact_id)
            facts = kb.facts_in(old.topic)
            position = position_of(kb, old)
            del facts[position]
            return Plan(
                topic_files(self.root.name, kb, old.topic, facts), "remove",
                f"removed fact '{fact_id}' ({old.question})", fact_id, old.topic,
                before=fact_to_dict(old), position=position,
            )

        return self._edit(actor, build)

    def add_alias(self, fact_id: str, phrasing: str, *, actor: str) -> EditResult:
        """Attach another phrasing to a fact; refused when any fact already has it."""
        text = phrasing.strip()

        def build(report: LoadReport, _snapshot: dict[str, bytes]) -> Plan:
            kb = require_valid(report)
            old = self._fact(kb, fact_id)
            key = key_of(text)
            if not key:
                raise EditRejected([Issue(self._shown(topic_file(old.topic)),
                                          "the phrasing has no words", None, fact_id)])
            for fact in kb.facts.values():
                if any(key_of(p) == key for p in fact.phrasings):
                    if fact.id == fact_id:
                        raise PhrasingAlreadyPresent(text, fact_id)
                    raise PhrasingTaken(text, fact.id)
            new = replace(old, alternates=(*old.alternates, text))
            facts = [new if f.id == fact_id else f for f in kb.facts_in(old.topic)]
            return Plan(
                topic_files(self.root.name, kb, old.topic, facts), "alias",
                f"added phrasing {text!r}", fact_id, old.topic,
                before=fact_to_dict(old), after_id=fact_id,
            )

        return self._edit(actor, build)

    def revert(self, change_id: int, *, actor: str) -> EditResult:
        """Undo one recorded change; the revert is recorded as a change of its own."""
        target = self.history.get(change_id)

        def build(report: LoadReport, snapshot: dict[str, bytes]) -> Plan:
            if target.is_file_change:
                return revert_files(target, snapshot, self._conflict)
            return revert_fact(target, require_valid(report), self.root.name, self._conflict)

        return self._edit(actor, build)

    def import_topics(
        self, files: dict[str, bytes], *, actor: str, apply: bool = False
    ) -> ImportSummary:
        """Check uploaded `sources.yaml` / `<topic>.yaml` files and say what they would change;
        with `apply=True` also write them (as uploaded) when the result is valid. Files not
        uploaded are left alone."""
        incoming = check_attachments(files)
        with self._locked(), self._transaction() as shared:
            snapshot = self._snapshot()
            summary = summarise(snapshot, incoming)
            changed = {rel: data for rel, data in incoming.items() if snapshot.get(rel) != data}
            if not changed:
                return summary
            with Workspace(self.root, snapshot, self._reader()[0]) as workspace:
                report = workspace.load_with(dict(changed))
            if report.knowledge is None:
                raise EditRejected(report.issues)
            kb = report.knowledge
            dropped = fingerprints_dropped(snapshot, kb)
            if dropped:
                raise EditRejected(dropped)
            touched = [i for d in summary.topics for i in (*d.added, *d.changed)]
            self._check(kb, touched)
            if not apply:
                return replace(summary, knowledge=kb)
            names = ", ".join(attachment_name(rel) for rel in changed)
            plan = Plan(
                dict(changed), "import", short(f"imported {names}: "
                                                + summary.describe().replace("\n", "; ")),
                before={"files": {rel: as_text(snapshot.get(rel)) for rel in changed}},
                after={"files": {rel: as_text(data) for rel, data in changed.items()}},
            )
            change = self._save(plan, actor, shared, snapshot)
        return replace(summary, applied=True, knowledge=kb, change=change)

    # -- reverts -----------------------------------------------------------------------------

    def _conflict(self, target: Change, what: str) -> RevertConflict:
        reverted = self.history.reverted_by(target.id)
        hint = (f"change #{target.id} was already reverted by #{reverted}" if reverted
                else "revert the later changes first, or edit it by hand")
        return RevertConflict(f"cannot revert change #{target.id}: {what}; {hint}")

    # -- machinery ---------------------------------------------------------------------------

    def _shown(self, rel: str) -> str:
        return f"{self.root.name}/{rel}"

    @staticmethod
    def _fact(kb: KnowledgeBase, fact_id: str) -> Fact:
        fact = kb.facts.get(fact_id)
        if fact is None:
            raise FactNotFound(fact_id)
        return fact

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=self.lock_timeout):
            raise KnowledgeBusy("another edit is taking too long; try again later")
        try:
            with exclusive_lock(self.root, self.lock_timeout):
                yield
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def _transaction(self, *, catch_up: bool = True) -> Iterator[Any]:
        """With the files in the database: the edit's transaction, opened before the files
        are read (see `bot.core.editing.postgres`); else None (the history's is opened when
        the edit is saved, so a SQLite database is not held while the edit is checked)."""
        if self.replica is None:
            yield None
            return
        with self.replica.transaction(catch_up=catch_up) as transaction:
            yield transaction

    def _reader(self) -> tuple[Callable[[Path], LoadReport], object]:
        """How the files are read, and what else a load depends on (a layer: the base)."""
        if self.shared is not None:
            return self.shared.reader()
        # (an edit checks a private copy of the folder: it uses the folder's parsed files)
        return partial(load_report, parsed=self.parsed, parsed_as=self.root), None

    def _check(self, kb: KnowledgeBase, fact_ids: tuple[str, ...] | list[str]) -> None:
        """What the loader does not check of the facts an edit writes: their quotes, and in a
        layer that none takes a base fact's id."""
        check_fact_quotes(kb, fact_ids, self.documents)
        if self.shared is not None:
            self.shared.check_ids(kb, fact_ids, self._shown)

    def _snapshot(self) -> dict[str, bytes]:
        recover(self.root, self.history.has_token)
        return read_snapshot(self.root)

    def _edit(
        self, actor: str, build: Callable[[LoadReport, dict[str, bytes]], Plan]
    ) -> EditResult:
        with self._locked(), self._transaction() as shared:
            snapshot = self._snapshot()
            loader, depends = self._reader()
            with Workspace(self.root, snapshot, loader) as workspace:
                cached = self._last
                fresh = cached and cached[0] == snapshot and cached[2] is depends
                current = cached[1] if fresh else workspace.load()
                plan = build(current, snapshot)
                report = workspace.load_with(plan.files)
            if report.knowledge is None:
                raise EditRejected(report.issues)
            kb = report.knowledge
            if plan.after_id is not None:
                plan.after = fact_to_dict(kb.facts[plan.after_id])
            if plan.action in ("edit", "alias") and plan.before == plan.after:
                raise NoChange(f"fact '{plan.fact_id}' already reads like this")
            if plan.action == "edit":
                plan.summary = edit_summary(plan.before, plan.after)
            self._check(kb, plan.quoted)
            change = self._save(plan, actor, shared, snapshot)
            written = {**snapshot, **plan.files}
            self._last = ({k: v for k, v in written.items() if v is not None}, report, depends)
        return EditResult(kb, change)

    def _landed_after_all(self, token: str) -> bool | None:
        """Whether the change recorded under `token`, whose commit failed, landed anyway (a
        connection lost during COMMIT may have committed it); None: the history can not be
        asked either, and the moderator is told the edit may have been saved (the working
        copy is put back; a landed edit reaches it as any other process's does)."""
        try:
            return self.history.has_token(token)
        except HistoryUnavailable:
            return None

    def _save(self, plan: Plan, actor: str, shared: Any = None,
              before: Mapping[str, bytes] | None = None) -> Change:
        """Record and write `plan`; `shared`: the database transaction the edit was built in
        (it stores the files too), else the history's own, opened now. `before`: the folder's
        files the plan was built on (with `shared`: what the database and the marker get
        besides the plan's files, without reading the folder again)."""
        token = uuid.uuid4().hex
        transaction = shared if shared is not None else self.history.begin()
        files = FileTransaction(self.root, token)
        try:
            change = transaction.record(
                actor=str(actor), action=plan.action, fact_id=plan.fact_id,
                topic_id=plan.topic_id, before=plan.before, after=plan.after,
                summary=plan.summary, token=token, reverts=plan.reverts,
                position=plan.position,
            )
            version = after = None
            if shared is not None:
                after = stored({**(stored_files(self.root) if before is None else before),
                                **plan.files})
                # the first change of a knowledge base brings every file
                version = shared.put_files(plan.files if shared.version else after)
            files.apply(plan.files)
        except BaseException:
            transaction.rollback()
            raise
        try:
            transaction.commit()
        except HistoryUnavailable as refused:
            landed = self._landed_after_all(token)
            if not landed:
                files.undo()
                if landed is None:
                    raise EditOutcomeUnknown(refused.where) from refused
                raise
        files.finish()
        if version is not None and after is not None:
            with contextlib.suppress(OSError):  # a stale marker costs one pull, nothing else
                write_marker(self.root, version, after)
        log.info("knowledge change #%d by %s: %s", change.id, change.actor, change.summary)
        return change

