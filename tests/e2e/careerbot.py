"""Building the real CareerBot for end-to-end tests against the local Discord server."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.core.layers import SERVERS_DIR
from bot.core.matching import Thresholds
from bot.core.service import AnswerService
from bot.core.storage.database import DATABASE_FILE, Database
from bot.discord.client import CareerBot
from bot.settings import Settings
from bot.startup import join_database, knowledge_store

READY_TIMEOUT = 0.05


def make_settings(data_dir: Path, **changes) -> Settings:
    settings = Settings(data_dir=data_dir, knowledge_dir=bundled_knowledge_dir())
    return replace(settings, **changes)


def make_bot(settings: Settings, *, thresholds: Thresholds | None = None,
             knowledge_dir: Path | None = None) -> CareerBot:
    store = None
    if settings.database_url.get():  # as `bot.app` builds it: a working copy of the database's
        if settings.knowledge_dir == bundled_knowledge_dir():  # never the repository's folder
            copy = settings.data_dir / "knowledge"
            if not copy.exists():
                shutil.copytree(settings.knowledge_dir, copy)
            settings = replace(settings, knowledge_dir=copy)
        store = knowledge_store(settings)
        join_database(store)
    knowledge = load_knowledge_base(knowledge_dir or settings.knowledge_dir)
    database = Database(settings.database_url.get() or settings.data_dir / DATABASE_FILE)
    database.start()
    service = AnswerService(knowledge, database, thresholds=thresholds,
                            layers=settings.data_dir / SERVERS_DIR,
                            layer_database=store.history if store else None)
    return CareerBot(settings, service, database, store, guild_ready_timeout=READY_TIMEOUT)
