"""Writing a file all at once, so that a reader never sees half of one: the knowledge files and
their fingerprints, and the bot's caches (vectors, calibrations, index snapshots, parsed
YAML), which are also pruned here."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def replace_whole(path: Path, write: Callable[[BinaryIO], object], *,
                  mode: int | None = None, make_folder: bool = True) -> None:
    """`write` fills a temporary file beside `path` (its folder made if need be and
    `make_folder`), which is then flushed to disk and replaces `path` in one step: two
    processes writing at once each leave a whole file, the last one wins. `mode`: the file's
    permissions (default: the temporary file's, readable by its owner only). An OSError (a
    full disk, a read-only or missing folder) is raised with no temporary file left behind."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
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
