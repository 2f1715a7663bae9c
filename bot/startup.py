"""What the terminal fronts (the console, the developer tools) need to start answering: the
settings, a valid knowledge base and the application service over it, built the way the bot
builds its own (`bot.app`), with the phrasing vectors cached in the data directory."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.core.editing import EDIT_ERRORS, ChangeHistory, KnowledgeStore
from bot.core.editing.postgres import PostgresHistory
from bot.core.knowledge.loader import load_report
from bot.core.knowledge.models import KnowledgeBase
from bot.core.knowledge.parsed_files import PARSED_DIR
from bot.core.matching.rules import ALL_RULES, Rules
from bot.core.matching.semantic import EMBEDDINGS_DIR, SemanticModel, semantic_model
from bot.core.service import AnswerService
from bot.core.storage.database import DATABASE_FILE
from bot.settings import Settings, SettingsError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
log = logging.getLogger(__name__)


def knowledge_history(settings: Settings) -> ChangeHistory | PostgresHistory:
    """Where the knowledge base's history (and with PostgreSQL, the knowledge base) lives."""
    url = settings.database_url.get()
    return PostgresHistory(url) if url else ChangeHistory(settings.data_dir / DATABASE_FILE)


def knowledge_store(settings: Settings) -> KnowledgeStore:
    """The store of the configured knowledge folder: with `CAREERBOT_DATABASE_URL` a working
    copy of the knowledge base in the database (see `join_database`)."""
    return KnowledgeStore(settings.knowledge_dir, knowledge_history(settings),
                          parsed=settings.data_dir / PARSED_DIR)


def join_database(store: KnowledgeStore) -> None:
    """Bring the knowledge folder and the database's knowledge base together at start (see
    `KnowledgeStore.reconcile`); without the database, answer from the folder as it is."""
    try:
        note = store.reconcile()
    except EDIT_ERRORS as exc:
        log.error("cannot bring the knowledge base up to the database's (%s): answering from "
                  "the files in %s; edits are refused until the database answers",
                  exc, store.root)
        return
    if note:
        log.info("knowledge base and database: %s", note)


def settings_or_exit() -> Settings:
    """The settings from the environment and `.env`; a bad value ends the command (exit 2)."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def knowledge_or_exit(folder: Path | None) -> KnowledgeBase:
    """The knowledge base in `folder` (default: the configured one); an invalid one is listed
    on stderr and ends the command (exit 1)."""
    folder = folder or settings_or_exit().knowledge_dir
    report = load_report(folder)
    if report.knowledge is None:
        print(f"error: the knowledge base in {folder} is not valid:", file=sys.stderr)
        for issue in report.issues:
            print(f"  {issue}", file=sys.stderr)
        print("Run `python -m bot validate` for the full list.", file=sys.stderr)
        raise SystemExit(EXIT_INVALID)
    return report.knowledge


def semantic_of(settings: Settings) -> SemanticModel | None:
    """The model of meaning as the bot runs it (its vectors cached in the data directory)."""
    return semantic_model(settings.data_dir / EMBEDDINGS_DIR, settings.embedding_model)


def open_service(
    knowledge: KnowledgeBase, *, lexical: bool = False, rules: Rules = ALL_RULES
) -> AnswerService:
    """The service over `knowledge`, without a database (nothing is recorded): `lexical`
    leaves the meaning signal out, `rules` turns hand rules off (`bot.core.matching.rules`)."""
    semantic = None if lexical else semantic_of(settings_or_exit())
    return AnswerService(knowledge, semantic=semantic, rules=rules)


def with_knowledge(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The `--knowledge DIR` option of every command that reads the knowledge base."""
    parser.add_argument(
        "--knowledge", type=Path, metavar="DIR",
        help="knowledge directory (default: CAREERBOT_KNOWLEDGE or the bundled one)")
    return parser
