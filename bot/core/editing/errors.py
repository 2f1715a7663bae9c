"""Typed errors of knowledge editing. When one is raised, nothing on disk has changed."""

from __future__ import annotations

import errno as errno_codes
from collections.abc import Iterable

from bot.core.knowledge.errors import FactNotFound, Issue

__all__ = [
    "EDIT_ERRORS",
    "ChangeNotFound",
    "EditConflict",
    "EditError",
    "EditNotSaved",
    "EditRejected",
    "FactNotFound",
    "HistoryUnavailable",
    "KnowledgeBusy",
    "NoChange",
    "PhrasingAlreadyPresent",
    "PhrasingTaken",
    "RevertConflict",
    "StorageFull",
    "TopicNotFound",
]


class EditError(Exception):
    """Base of every refusal of an edit (FactNotFound is the one from bot.core.knowledge)."""


class EditRejected(EditError):
    """The edit would leave the knowledge base invalid; `issues` says why (nothing written)."""

    def __init__(self, issues: Iterable[Issue], message: str | None = None) -> None:
        self.issues = tuple(issues)
        shown = "; ".join(str(i) for i in self.issues[:3])
        more = f" (and {len(self.issues) - 3} more)" if len(self.issues) > 3 else ""
        super().__init__(message or f"edit refused: {shown}{more}")


class TopicNotFound(EditError, LookupError):
    def __init__(self, topic_id: str) -> None:
        self.topic_id = topic_id
        super().__init__(f"no topic with id '{topic_id}'")


class ChangeNotFound(EditError, LookupError):
    def __init__(self, change_id: int) -> None:
        self.change_id = change_id
        super().__init__(f"no change #{change_id} in the history")


class PhrasingTaken(EditError):
    """Another fact already answers this phrasing (compared by `phrasing_key`)."""

    def __init__(self, phrasing: str, other_fact_id: str) -> None:
        self.phrasing = phrasing
        self.other_fact_id = other_fact_id
        super().__init__(f"the phrasing {phrasing!r} already belongs to fact '{other_fact_id}'")


class NoChange(EditError):
    """The edit would change nothing (refused, so the history stays meaningful)."""


class PhrasingAlreadyPresent(NoChange):
    """The fact already has this phrasing: nothing to do."""

    def __init__(self, phrasing: str, fact_id: str) -> None:
        self.phrasing = phrasing
        self.fact_id = fact_id
        super().__init__(f"fact '{fact_id}' already has the phrasing {phrasing!r}")


class EditConflict(EditError):
    """The fact changed since the moderator opened it, in the same fields they changed."""

    def __init__(self, fact_id: str, fields: tuple[str, ...]) -> None:
        self.fact_id = fact_id
        self.fields = fields
        super().__init__(f"fact '{fact_id}' was changed by someone else meanwhile "
                         f"({', '.join(fields)}); reopen it and edit again")


class RevertConflict(EditError):
    """What the change touched has changed since (or it was already reverted)."""


class KnowledgeBusy(EditError):
    """Another edit held the lock for too long."""


_REASONS = {
    errno_codes.ENOSPC: "the disk is full; free some space",
    errno_codes.EDQUOT: "the disk quota is exhausted; free some space",
    errno_codes.EROFS: "the file system is read-only; mount it writable",
    errno_codes.EACCES: "permission denied; give the bot write access",
    errno_codes.EPERM: "permission denied; give the bot write access",
}


class EditNotSaved(EditError):
    """The files could not be written (disk full, read-only, ...); they are unchanged."""

    def __init__(
        self,
        where: str,
        exc: OSError | None = None,
        detail: str | None = None,
        *,
        restored: bool = True,
    ) -> None:
        self.where = where
        self.errno = getattr(exc, "errno", None)
        self.restored = restored
        reason = detail or _REASONS.get(self.errno or -1) or (
            f"{exc.strerror or exc}" if exc is not None else "unknown error"
        )
        outcome = ("nothing was changed" if restored else
                   "the old files could not all be put back yet; the next edit does it")
        super().__init__(f"edit not saved: cannot write {where}: {reason}, then try again "
                         f"({outcome})")


StorageFull = EditNotSaved
"""Alias: a full disk is the usual reason an edit is not saved."""


class HistoryUnavailable(EditNotSaved):
    """The change history database cannot record the edit, so the edit is refused."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(where, detail=detail)


class EditOutcomeUnknown(EditError):
    """The history stopped answering while it committed an edit, and could not be asked
    afterwards whether the edit landed: it may have."""

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"edit may not have been saved: {where} stopped answering while it "
                         "saved it, so the bot can not tell whether it did. Check the history "
                         "(/kb history) in a moment before trying again")


EDIT_ERRORS: tuple[type[Exception], ...] = (EditError, FactNotFound)
"""Every refusal an edit can raise (FactNotFound comes from bot.core.knowledge): catch these."""
