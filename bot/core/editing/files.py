"""The knowledge directory on disk: locking, atomic writes that can be undone, crash recovery.

Writes go through a `FileTransaction`: a journal naming the files is written first, each
existing file is kept as a hard-linked backup, each new content replaces its file atomically
(temp file in the same directory, fsync, os.replace, fsync of the directory). Until `finish()`
the old contents can be put back with `undo()`; after a crash, `recover()` finishes or undoes
the interrupted write depending on whether its change reached the history.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.core.editing.errors import EditNotSaved, KnowledgeBusy
from bot.core.knowledge.loader import MATCHING_FILE, SOURCES_FILE, TOPICS_DIR
from bot.core.whole_files import replace_whole

log = logging.getLogger(__name__)

LOCK_FILE = ".careerbot.lock"
JOURNAL_FILE = ".careerbot-journal.json"
BACKUP_SUFFIX = ".careerbot-bak"  # never ends in .yaml, so the loader never reads a backup


def knowledge_files(root: Path) -> list[str]:
    """The files the loader reads, relative to `root` (sources.yaml, matching.yaml,
    topics/*.yaml)."""
    topics = root / TOPICS_DIR
    names = [n for n in (SOURCES_FILE, MATCHING_FILE) if (root / n).is_file()]
    if topics.is_dir():
        names += [f"{TOPICS_DIR}/{p.name}" for p in sorted(topics.glob("*.yaml")) if p.is_file()]
    return names


def read_snapshot(root: Path) -> dict[str, bytes]:
    """The bytes of every knowledge file (read under the lock: a consistent state)."""
    snapshot = {}
    for name in knowledge_files(root):
        with contextlib.suppress(FileNotFoundError):
            snapshot[name] = (root / name).read_bytes()
    return snapshot


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once, keeping its permissions; on any failure the old
    file is untouched."""
    try:
        mode: int | None = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = None
    replace_whole(path, lambda handle: handle.write(data), mode=mode, make_folder=False)


@contextlib.contextmanager
def exclusive_lock(root: Path, timeout: float) -> Iterator[None]:
    """The OS lock every process editing `root` takes (flock on `<root>/.careerbot.lock`)."""
    try:
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise EditNotSaved(str(root / LOCK_FILE), exc) from exc
    try:
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise KnowledgeBusy(
                        f"another edit has held the knowledge files for over {timeout:.0f} s; "
                        "try again later"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def shared_lock(root: Path) -> Iterator[None]:
    """Best effort read lock: waits for a write in progress; skipped on read-only disks."""
    try:
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _backup_of(rel: str) -> str:
    path = Path(rel)
    return str(path.with_name(f".{path.name}{BACKUP_SUFFIX}"))


class FileTransaction:
    """Replace (or delete) several knowledge files so that they can be put back."""

    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.token = token
        self._backups: dict[str, str | None] = {}

    def _dirs(self) -> list[Path]:
        return [self.root, self.root / TOPICS_DIR]

    def _sync_dirs(self) -> None:
        for directory in self._dirs():
            if directory.is_dir():
                fsync_dir(directory)

    def apply(self, files: dict[str, bytes | None]) -> None:
        """Write every file, or none: on failure the old contents are put back and
        EditNotSaved is raised."""
        where = JOURNAL_FILE
        try:
            for rel in files:
                self._backups[rel] = _backup_of(rel) if (self.root / rel).exists() else None
            journal = {"token": self.token, "files": self._backups}
            write_atomic(self.root / JOURNAL_FILE, json.dumps(journal).encode())
            fsync_dir(self.root)
            for rel, data in files.items():
                where = rel
                path = self.root / rel
                backup = self._backups[rel]
                if backup is not None:
                    _keep_copy(path, self.root / backup)
                if data is None:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                else:
                    write_atomic(path, data)
            self._sync_dirs()
        except OSError as exc:
            restored = self.undo()
            raise EditNotSaved(str(self.root / where), exc, restored=restored) from exc
        except BaseException:
            self.undo()
            raise

    def undo(self) -> bool:
        """Put the old files back; True when done (else the journal stays for recover())."""
        return _restore(self.root, self._backups)

    def finish(self) -> None:
        """The change is committed: drop the backups and the journal."""
        _discard(self.root, self._backups)


def _keep_copy(path: Path, backup: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()
    try:
        os.link(path, backup)
    except OSError:  # no hard links on this file system: copy instead
        shutil.copy2(path, backup)
        with open(backup, "rb") as handle:
            os.fsync(handle.fileno())


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _restore(root: Path, backups: dict[str, str | None]) -> bool:
    try:
        for rel, backup in backups.items():
            if backup is None:
                with contextlib.suppress(FileNotFoundError):
                    (root / rel).unlink()
            elif (root / backup).exists():
                if _same_file(root / rel, root / backup):  # never replaced: drop the link
                    (root / backup).unlink()
                else:
                    os.replace(root / backup, root / rel)
        for directory in (root, root / TOPICS_DIR):
            if directory.is_dir():
                fsync_dir(directory)
        with contextlib.suppress(FileNotFoundError):
            (root / JOURNAL_FILE).unlink()
    except OSError as exc:
        log.error("could not put back the knowledge files in %s (%s); the next edit retries",
                  root, exc)
        return False
    return True


def _discard(root: Path, backups: dict[str, str | None]) -> None:
    try:
        for backup in backups.values():
            if backup is not None:
                with contextlib.suppress(FileNotFoundError):
                    (root / backup).unlink()
        with contextlib.suppress(FileNotFoundError):
            (root / JOURNAL_FILE).unlink()
    except OSError as exc:  # the change is saved; only clean-up is left for next time
        log.warning("could not remove edit backups in %s: %s", root, exc)


def _sweep_temp_files(root: Path) -> None:
    """Remove temp files left by a writer killed mid-write (only writers make them, under
    the lock this caller holds)."""
    patterns = (".*.yaml.*.tmp", f".{JOURNAL_FILE}.*.tmp")  # as write_atomic names them
    for directory in (root, root / TOPICS_DIR):
        for pattern in patterns:
            with contextlib.suppress(OSError):
                for path in directory.glob(pattern):
                    path.unlink(missing_ok=True)


def recover(root: Path, committed: Callable[[str], bool]) -> str | None:
    """Finish or undo a write interrupted by a crash (call with the lock held).

    Returns "kept" when the interrupted change had been recorded in the history (its files
    stay), "undone" when it had not (its old files are put back), None when there was nothing.
    """
    _sweep_temp_files(root)
    path = root / JOURNAL_FILE
    try:
        journal = json.loads(path.read_text())
        token, backups = str(journal["token"]), dict(journal["files"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("unreadable edit journal %s (%s): removed", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    if committed(token):
        _discard(root, backups)
        return "kept"
    if not _restore(root, backups):
        raise EditNotSaved(str(root), detail="an interrupted edit could not be undone yet",
                           restored=False)
    log.warning("undid an edit to %s that was interrupted before it was recorded", root)
    return "undone"
