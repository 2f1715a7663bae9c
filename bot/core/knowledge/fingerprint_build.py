"""(Re)building the fingerprint files from the source documents (`python -m bot fingerprint`).

Run by a maintainer who has the documents, when a source with a `document:` is added or its
text changes. Only `sources.yaml` is read (the fingerprints it names may be missing or stale,
so the knowledge base as a whole need not load), and `sources.yaml` is never rewritten: a
source without `fingerprint:` gets `fingerprints/<id>.txt`, and the result says to name it.
The output is deterministic, and a file whose content would not change is left untouched.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from bot.core.knowledge.errors import Issue
from bot.core.knowledge.fingerprint import FINGERPRINTS_DIR, Fingerprint
from bot.core.knowledge.loader import load_sources
from bot.core.whole_files import replace_whole

_NEW_FILE_MODE = 0o644
"""A new fingerprint file is readable by all, like the files git checks out (mkstemp's
default, owner only, would hide it from a bot running as another user)."""


@dataclass(frozen=True, slots=True)
class BuiltFingerprint:
    """One fingerprint file the build wrote or found already up to date."""

    source_id: str
    file: str
    """Relative to the knowledge directory, as `fingerprint:` names it."""
    changed: bool
    named: bool
    """Whether `sources.yaml` names the file (if not, the source's quotes stay unverified until
    `fingerprint: <file>` is added to it)."""


def build_fingerprints(root: Path, documents: Path) -> tuple[list[BuiltFingerprint], list[Issue]]:
    """Write the fingerprint of every source with a document, from the documents in
    `documents`; the files built, and the issues (a broken sources.yaml, a missing document,
    a file that cannot be written)."""
    root = Path(root)
    sources, issues = load_sources(root, fingerprints=False)
    if issues:
        return [], issues
    built: list[BuiltFingerprint] = []
    for source in sources.values():
        if source.document is None:
            continue
        path = documents / Path(source.document).name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(Issue(str(path), f"cannot read source document: {exc}"))
            continue
        rel = source.fingerprint_file or f"{FINGERPRINTS_DIR}/{source.id}.txt"
        try:
            changed = _write_if_changed(root / rel, Fingerprint.of(text).dumps())
        except OSError as exc:
            issues.append(Issue(str(root / rel), f"cannot write the fingerprint: {exc}"))
            continue
        built.append(BuiltFingerprint(source.id, rel, changed, source.fingerprint_file == rel))
    return built, issues


def _write_if_changed(path: Path, text: str) -> bool:
    """Replace `path` with `text` all at once, unless it already holds it; whether it did."""
    data = text.encode("utf-8")
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return False
    mode = path.stat().st_mode & 0o777 if path.exists() else _NEW_FILE_MODE
    replace_whole(path, lambda handle: handle.write(data), mode=mode)
    return True
