"""`python -m bot kb export DIR` and `python -m bot kb import DIR`: the knowledge base between
its store and a folder (a git working tree), in the files' stable form.

Which copy is the source of truth: without `CAREERBOT_DATABASE_URL`, the knowledge folder
itself (edits from Discord are written there; commit them to git). With it, the database: each
process's folder is a working copy, and `export` writes the database's files so that they can
be committed; `import` brings edited files back as one recorded, validated change (a process
started on files changed since its last sync imports them by itself, see
`bot.core.editing.replica`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from bot.core.editing import EDIT_ERRORS
from bot.core.editing.files import write_atomic
from bot.core.editing.imports import attachment_name
from bot.core.editing.postgres import SHARED_SCOPE, PostgresHistory, layer_scope
from bot.core.editing.replica import stored_files
from bot.core.knowledge.loader import TOPICS_DIR
from bot.core.layers import SERVERS_DIR
from bot.core.layers.folders import InvalidGuild, LayerFolders
from bot.settings import Settings
from bot.startup import EXIT_INVALID, EXIT_OK, EXIT_USAGE, knowledge_store, settings_or_exit


def stored(settings: Settings, server: int | None) -> tuple[str, dict[str, bytes]]:
    """Where the knowledge base's truth is, and its files (relative name -> bytes)."""
    url = settings.database_url.get()
    if url:
        scope = layer_scope(server) if server is not None else SHARED_SCOPE
        version, files = PostgresHistory(url, scope).files()
        return f"the database ({scope}, version {version})", files
    folder = (LayerFolders(settings.data_dir / SERVERS_DIR).knowledge(server)
              if server is not None else settings.knowledge_dir)
    return str(folder), stored_files(folder)


def cmd_export(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    try:
        where, files = stored(settings, args.server)
    except (*EDIT_ERRORS, InvalidGuild) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not files:
        print(f"error: {where} holds no knowledge base", file=sys.stderr)
        return EXIT_INVALID
    out: Path = args.dir
    written = unchanged = removed = 0
    (out / TOPICS_DIR).mkdir(parents=True, exist_ok=True)
    for rel, data in sorted(files.items()):
        path = out / rel
        with contextlib.suppress(FileNotFoundError):
            if path.read_bytes() == data:
                unchanged += 1
                continue
        write_atomic(path, data)
        written += 1
    for path in sorted((out / TOPICS_DIR).glob("*.yaml")):
        if f"{TOPICS_DIR}/{path.name}" not in files:  # a topic no longer in the knowledge base
            path.unlink()
            removed += 1
    print(f"exported {where} to {out}: {written} written, {unchanged} unchanged, "
          f"{removed} removed")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    source: Path = args.dir
    files = {attachment_name(rel): data for rel, data in stored_files(source).items()}
    if not files:
        print(f"error: {source} has no sources.yaml or topics/*.yaml", file=sys.stderr)
        return EXIT_USAGE
    store = knowledge_store(settings)
    try:
        summary = store.import_topics(files, actor=args.actor, apply=args.apply)
    except EDIT_ERRORS as exc:
        print(f"refused: {exc}", file=sys.stderr)
        for issue in getattr(exc, "issues", ())[:20]:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_INVALID
    print(summary.describe())
    if summary.applied and summary.change is not None:
        print(f"imported as change #{summary.change.id}")
    elif not args.apply:
        print("(a preview: nothing changed; add --apply to import)")
    return EXIT_OK


def register(sub: Any) -> None:
    kb = sub.add_parser("kb", help="export or import the knowledge base's files")
    kinds = kb.add_subparsers(dest="kb_command", required=True)
    export = kinds.add_parser(
        "export", help="write the knowledge base (the database's with CAREERBOT_DATABASE_URL) "
                       "to DIR, in the files' stable form")
    export.add_argument("dir", type=Path, metavar="DIR")
    export.add_argument("--server", type=int, metavar="GUILD_ID",
                        help="a server's own knowledge instead of the shared knowledge base")
    export.set_defaults(func=cmd_export)
    load = kinds.add_parser(
        "import", help="bring the files of DIR into the knowledge base as one recorded change "
                       "(validated; a preview unless --apply)")
    load.add_argument("dir", type=Path, metavar="DIR")
    load.add_argument("--apply", action="store_true", help="import (else: say what changes)")
    load.add_argument("--actor", default="cli", help="who the history names (default: cli)")
    load.set_defaults(func=cmd_import)
