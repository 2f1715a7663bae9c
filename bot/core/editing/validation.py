"""Validating a candidate knowledge directory with the project's own loader, before writing."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from bot.core.editing.errors import EditNotSaved, EditRejected
from bot.core.knowledge.fingerprint import FINGERPRINTS_DIR
from bot.core.knowledge.loader import TOPICS_DIR, LoadReport, load_report
from bot.core.knowledge.models import KnowledgeBase
from bot.core.knowledge.quotes import check_quotes


class Workspace:
    """A private copy of the knowledge files (same folder name, so issues name the same
    files): load it as it is, then with a change applied, without touching the real files.
    The fingerprints, which edits never change, are linked rather than copied."""

    def __init__(self, root: Path, snapshot: dict[str, bytes],
                 loader: Callable[[Path], LoadReport] = load_report) -> None:
        """`loader`: how the folder is read (a server's layer knows its base's sources)."""
        self._loader = loader
        self._name = root.name or "knowledge"
        self._fingerprints = root.absolute() / FINGERPRINTS_DIR
        self._snapshot = snapshot
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.dir = Path()

    def __enter__(self) -> Workspace:
        try:
            self._tmp = tempfile.TemporaryDirectory(prefix="careerbot-edit-")
            self.dir = Path(self._tmp.name) / self._name
            (self.dir / TOPICS_DIR).mkdir(parents=True)
            for rel, data in self._snapshot.items():
                (self.dir / rel).write_bytes(data)
            if self._fingerprints.is_dir():
                (self.dir / FINGERPRINTS_DIR).symlink_to(self._fingerprints,
                                                         target_is_directory=True)
        except OSError as exc:
            self.__exit__(None, None, None)
            raise EditNotSaved("a temporary folder to check the edit", exc) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def load(self) -> LoadReport:
        return self._loader(self.dir)

    def load_with(self, files: dict[str, bytes | None]) -> LoadReport:
        """Apply `files` (relative path -> content, None to delete) to the copy and load it."""
        try:
            for rel, data in files.items():
                path = self.dir / rel
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
        except OSError as exc:
            raise EditNotSaved("a temporary folder to check the edit", exc) from exc
        return self._loader(self.dir)


def require_valid(report: LoadReport, knowledge: KnowledgeBase | None = None) -> KnowledgeBase:
    """The loaded knowledge base, or EditRejected with the problems already on disk."""
    if report.knowledge is None:
        raise EditRejected(
            report.issues,
            f"the knowledge files on disk have {len(report.issues)} problem(s) (first: "
            f"{report.issues[0] if report.issues else '?'}); fix them in the files or import "
            "fixed files first",
        )
    return report.knowledge


def check_fact_quotes(
    knowledge: KnowledgeBase, fact_ids: Iterable[str], documents: Path | None
) -> None:
    """EditRejected when a quote of one of these facts is not in its source's text: checked
    from the source's fingerprint (so in the running bot too, which has no documents), or
    against the document itself in `documents` when given."""
    facts = {i: knowledge.facts[i] for i in fact_ids if i in knowledge.facts}
    if not facts:
        return
    issues = check_quotes(KnowledgeBase(sources=knowledge.sources, facts=facts), documents)
    if issues:
        raise EditRejected(issues)
