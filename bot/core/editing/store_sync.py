"""The store's methods for a knowledge base kept in PostgreSQL, whose folder is a working copy
(`bot.core.editing.postgres`, `bot.core.editing.replica`): catching up with other processes'
edits, and bringing files changed on disk into the database. On files alone they do nothing
but read the folder."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.editing.errors import EDIT_ERRORS
from bot.core.editing.files import recover
from bot.core.editing.imports import attachment_name
from bot.core.editing.plans import seed_plan
from bot.core.editing.replica import CONFLICT_SUFFIX, SharedCopy, stored_files
from bot.core.editing.validation import require_valid
from bot.core.knowledge.loader import LoadReport

if TYPE_CHECKING:
    from bot.core.editing.imports import ImportSummary
    from bot.core.editing.records import Change

log = logging.getLogger(__name__)


class SharedCopyMixin:
    """Part of `KnowledgeStore` (which provides what is declared here)."""

    root: Path
    history: Any
    replica: SharedCopy | None
    _locked: Callable[[], contextlib.AbstractContextManager[None]]
    _transaction: Callable[..., contextlib.AbstractContextManager[Any]]
    _reader: Callable[[], tuple[Callable[[Path], LoadReport], object]]
    _save: Callable[..., Change]
    load: Callable[[], LoadReport]
    import_topics: Callable[..., ImportSummary]

    def sync(self) -> LoadReport | None:
        """With the files in the database: take what other processes changed; the new load
        when something changed, else None (always None on files alone)."""
        if self.replica is None or not self.replica.changed_elsewhere():
            return None
        with self._locked():
            transaction = self.history.begin()
            try:
                changed = self.replica.catch_up(transaction)
            finally:
                transaction.rollback()
        return self.load() if changed else None

    def refresh(self) -> LoadReport:
        """The knowledge base as it is now (`/kb reload`, files edited on disk): with the files
        in the database, `reconcile` first; else the files on disk."""
        if self.replica is not None:
            note = self.reconcile()
            if note:
                log.info("knowledge in %s: %s", self.root, note)
        return self.load()

    def reconcile(self) -> str | None:
        """With the files in the database (at start, and when files change on disk): seed it
        from this folder when it has none of them, else import what changed here since the
        last sync and take the rest from it (`bot.core.editing.replica`). What happened, for
        the log; None on files alone or when nothing did."""
        if self.replica is None:
            return None
        with self._locked(), self._transaction(catch_up=False) as shared:
            recover(self.root, self.history.has_token)
            if shared.version == 0:
                require_valid(self._reader()[0](self.root))
                local = stored_files(self.root)
                self._save(seed_plan(self.root.name, local), "start-up", shared, local)
                return f"the database had no knowledge yet: seeded it from {self.root}"
            note, uploads = self.replica.start(shared)
        if uploads:
            try:
                self.import_topics({attachment_name(rel): data for rel, data in uploads.items()},
                                   actor="start-up", apply=True)
            except EDIT_ERRORS as exc:
                return (f"{note}; the import was refused ({exc}): this machine's files are "
                        f"kept as *{CONFLICT_SUFFIX} beside the database's")
            for rel in uploads:
                (self.root / (rel + CONFLICT_SUFFIX)).unlink(missing_ok=True)
        return note or None
