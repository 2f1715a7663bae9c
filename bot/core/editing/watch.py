"""Picking up edits made to the knowledge files on disk (git pull, an editor) without a restart.

A polling watcher (no extra dependency): a background thread compares the files' size, mtime
and inode every `interval` seconds, and when they changed and then held still for one more
poll, reloads with the project's loader. Valid: `on_change(knowledge)`. Invalid:
`on_error(issues)` once per distinct set of problems, and `knowledge` stays the last good one.
Callbacks run on the watcher's thread unless a `loop` is given (then on that event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from bot.core.background import BackgroundThread
from bot.core.editing.files import shared_lock
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import SOURCES_FILE, TOPICS_DIR, LoadReport, load_report
from bot.core.knowledge.models import KnowledgeBase

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int, int, int], ...]


def reload(root: Path, parsed: Path | None = None) -> LoadReport:
    """Re-read the knowledge files now, waiting for a write in progress (`parsed`: where the
    folder's parsed YAML is kept, so that only the files that changed are parsed)."""
    with shared_lock(Path(root)):
        return load_report(Path(root), parsed=parsed)


def signature(root: Path) -> Signature:
    """What changes when any knowledge file is written, replaced, added or removed."""
    paths = [root / SOURCES_FILE]
    topics = root / TOPICS_DIR
    with contextlib.suppress(OSError):
        paths += sorted(topics.glob("*.yaml"))
    entries = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append((path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(entries)


class KnowledgeWatcher(BackgroundThread):
    """Watch one knowledge directory; see the module docstring."""

    thread_name = "careerbot-kb-watch"

    def __init__(
        self,
        root: Path,
        on_change: Callable[[KnowledgeBase], None],
        on_error: Callable[[list[Issue]], None],
        interval: float = 1.0,
        *,
        knowledge: KnowledgeBase | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        parsed: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.parsed = parsed
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self.knowledge = knowledge  # the last good knowledge base
        self.loop = loop
        super().__init__()
        self._loaded = signature(self.root)
        self._seen = self._loaded
        self._reported: tuple[Issue, ...] | None = None

    def _starting(self) -> None:
        self._loaded = self._seen = signature(self.root)  # the files as they are now: loaded

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # never let a bug kill the watcher
                log.exception("knowledge watcher failed")

    def poll(self) -> LoadReport | None:
        """One check (the thread calls this); returns the reload's report when it reloaded."""
        now = signature(self.root)
        settled = now == self._seen
        self._seen = now
        if now == self._loaded or not settled:
            return None
        report = reload(self.root, self.parsed)
        self._loaded = now  # a write during the reload shows up at the next poll
        if report.knowledge is not None:
            recovered = self._reported is not None
            self._reported = None
            if recovered or report.knowledge != self.knowledge:
                self.knowledge = report.knowledge
                self._call(self.on_change, report.knowledge)
        elif report.issues != self._reported:
            self._reported = report.issues
            log.warning("knowledge files changed but are invalid (%d problem(s)); still "
                        "answering from the last good knowledge base", len(report.issues))
            self._call(self.on_error, list(report.issues))
        return report

    def _call(self, callback: Callable, argument: object) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(callback, argument)
            return
        try:
            callback(argument)
        except Exception:
            log.exception("knowledge watcher callback failed")
