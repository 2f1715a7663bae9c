"""Writing the bot's cache files (vectors, calibrations, index snapshots, parsed YAML) so that a
reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def replace_whole(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` fills a temporary file beside `path` (its folder made if need be), which is then
    flushed to disk and replaces `path` in one step: two processes writing at once each leave a
    whole file, the last one wins. An OSError (a full disk, a read-only folder) is raised with
    no temporary file left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep_newest(directory: Path, pattern: str, keep: int) -> None:
    """Remove all but the `keep` most recently written (or touched) files matching `pattern`."""

    def written(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # removed by another process meanwhile
            return 0.0

    files = sorted(directory.glob(pattern), key=written, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)
