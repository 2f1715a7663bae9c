"""A process's working copy of a knowledge base kept in PostgreSQL (`bot.core.editing.postgres`).

The knowledge folder holds the files as the database had them at the last sync, and a marker
(`SYNC_FILE`: the version and each file's hash at that sync). The marker is what tells, when a
process starts, which side changed since: files edited on this machine (a `git pull`, an
editor) are imported into the database, files edited through another process are taken from
it, and a file both changed differently is taken from the database with the local one kept
beside it (`CONFLICT_SUFFIX`), so nothing is lost silently (`plan_start`).

`matching.yaml` (how the matcher reads the subject, edited in git like code) and the
fingerprints stay files of each deployment: they are never stored in the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.editing.files import FileTransaction, read_snapshot, write_atomic
from bot.core.knowledge.loader import MATCHING_FILE, TOPICS_DIR

log = logging.getLogger(__name__)

SYNC_FILE = ".careerbot-synced.json"
CONFLICT_SUFFIX = ".careerbot-conflict"  # never ends in .yaml: the loader never reads one


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(files: Mapping[str, bytes | None]) -> dict[str, bytes]:
    """Of a folder's files (None: deleted), those the database holds: all but `matching.yaml`."""
    return {rel: data for rel, data in files.items()
            if data is not None and rel != MATCHING_FILE}


def stored_files(root: Path) -> dict[str, bytes]:
    """The files of the folder that the database holds, as they are on disk."""
    return stored(read_snapshot(root))


@dataclass(frozen=True, slots=True)
class Marker:
    version: int
    files: dict[str, str]
    """relative name -> sha256 of the content at that sync."""


def read_marker(root: Path) -> Marker | None:
    try:
        data = json.loads((root / SYNC_FILE).read_text())
        return Marker(int(data["version"]), {str(k): str(v) for k, v in data["files"].items()})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("unreadable sync marker %s (%s): the database's files win", root, exc)
        return None


def write_marker(root: Path, version: int, files: Mapping[str, bytes]) -> None:
    marker = {"version": version, "files": {rel: digest(d) for rel, d in sorted(files.items())}}
    write_atomic(root / SYNC_FILE, json.dumps(marker, indent=1).encode())


def pull(root: Path, remote: Mapping[str, bytes], version: int) -> bool:
    """Make the folder's stored files those of the database (call with the folder's lock
    held); whether anything changed. Written like an edit (journal, atomic replace)."""
    local = stored_files(root)
    changes: dict[str, bytes | None] = {rel: d for rel, d in remote.items() if local.get(rel) != d}
    changes.update({rel: None for rel in local if rel not in remote})
    if changes:
        (root / TOPICS_DIR).mkdir(parents=True, exist_ok=True)
        files = FileTransaction(root, f"sync-{uuid.uuid4().hex}")
        files.apply(changes)
        files.finish()
    write_marker(root, version, remote)
    return bool(changes)


@dataclass(frozen=True, slots=True)
class StartPlan:
    """What a process starting on a folder does with the database's copy."""

    upload: dict[str, bytes | None]
    """Files changed on this machine since the last sync, to import (None: deleted here)."""
    conflicts: tuple[str, ...]
    """Files both sides changed differently: the database's win, the local one is kept aside."""


def plan_start(local: Mapping[str, bytes], remote: Mapping[str, bytes],
               marker: Marker | None) -> StartPlan:
    """Three-way: `marker` is the common ancestor. Without one (a first start on this machine)
    the database's files win: a folder with no history of syncing says nothing about which
    side is newer, and the database's side holds every moderator's edit."""
    if marker is None:
        return StartPlan({}, ())
    base = marker.files
    names = set(local) | set(remote) | set(base)
    upload: dict[str, bytes | None] = {}
    conflicts = []
    for rel in sorted(names):
        mine, theirs, was = local.get(rel), remote.get(rel), base.get(rel)
        mine_changed = (digest(mine) if mine is not None else None) != was
        theirs_changed = (digest(theirs) if theirs is not None else None) != was
        if not mine_changed or mine == theirs:
            continue
        if theirs_changed:
            conflicts.append(rel)
        else:
            upload[rel] = mine
    return StartPlan(upload, tuple(conflicts))


def keep_aside(root: Path, rel: str) -> Path | None:
    """Keep a local file that lost a conflict beside it (`<name>.careerbot-conflict`)."""
    path = root / rel
    aside = path.with_name(path.name + CONFLICT_SUFFIX)
    with contextlib.suppress(FileNotFoundError):
        write_atomic(aside, path.read_bytes())
        return aside
    return None


class SharedCopy:
    """The folder `root` as the working copy of a knowledge base in the database `history`
    (a `PostgresHistory`). Call every method with the store's locks held (`start` too)."""

    def __init__(self, root: Path, history: Any) -> None:
        self.root = root
        self.history = history

    @contextlib.contextmanager
    def transaction(self, *, catch_up: bool = True) -> Iterator[Any]:
        """An edit's transaction: the scope's lock taken, the folder brought up to the
        database's files (unless `catch_up` is false: `start` compares them first); rolled
        back at the end unless committed."""
        transaction = self.history.begin()
        try:
            if catch_up:
                self.catch_up(transaction)
            yield transaction
        finally:
            transaction.rollback()

    def catch_up(self, transaction: Any) -> bool:
        """Bring the folder up to the database's files (unless it has none yet); whether
        anything changed. Cheap when the marker says the folder is at the database's version
        and the files are those it names."""
        if transaction.version == 0:
            return False
        marker = read_marker(self.root)
        local = stored_files(self.root)
        if (marker is not None and marker.version == transaction.version
                and {rel: digest(d) for rel, d in local.items()} == marker.files):
            return False
        remote = transaction.files()
        if marker is not None:  # files edited here and not imported yet: kept, not lost
            for rel, data in local.items():
                if digest(data) != marker.files.get(rel) and remote.get(rel) != data:
                    log.warning("%s was edited here but not imported into the database; "
                                "kept as %s", rel, keep_aside(self.root, rel))
        return pull(self.root, remote, transaction.version)

    def synced(self) -> int:
        """The database's version the folder was last brought up to (0: never)."""
        marker = read_marker(self.root)
        return marker.version if marker is not None else 0

    def changed_elsewhere(self) -> bool:
        """Whether the database has a version the folder has not seen (one query, no lock)."""
        return self.history.version() != self.synced()

    def start(self, transaction: Any) -> tuple[str, dict[str, bytes]]:
        """At a process's start: what happened (for the log), and the files changed on this
        machine since the last sync, to import as an edit (`KnowledgeStore.reconcile`).
        Files the database has none of: `seed` them. Else the database's files are pulled;
        files changed only here, and those both sides changed, are kept aside first
        (`keep_aside`), so a refused import or a crash loses nothing."""
        local = stored_files(self.root)
        remote = transaction.files()
        plan = plan_start(local, remote, read_marker(self.root))
        notes = []
        for rel in plan.conflicts:
            aside = keep_aside(self.root, rel)
            notes.append(f"{rel} was changed here and in the database since the last sync: "
                         f"the database's kept, this machine's saved as {aside}")
        uploads = {rel: data for rel, data in plan.upload.items() if data is not None}
        for rel in plan.upload.keys() - uploads.keys():
            notes.append(f"{rel} was deleted here but not in the database: remove its facts "
                         "with /kb remove to delete them everywhere")
        for rel in uploads:
            keep_aside(self.root, rel)
        pulled = pull(self.root, remote, transaction.version)
        if uploads:
            notes.append("changed here since the last sync, imported: " + ", ".join(uploads))
        elif pulled:
            notes.append(f"brought up to the database's version {transaction.version}")
        return "; ".join(notes), uploads
