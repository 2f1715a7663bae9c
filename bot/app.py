"""Start-up: settings -> knowledge base -> database -> Discord client; clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

import discord
import yarl

from bot.core.editing import EDIT_ERRORS
from bot.core.knowledge.errors import KnowledgeBaseError
from bot.core.knowledge.loader import load_knowledge_base
from bot.core.layers import SERVERS_DIR
from bot.core.matching.semantic import EMBEDDINGS_DIR, semantic_model
from bot.core.memory import release_free_memory
from bot.core.service import AnswerService
from bot.core.storage.database import DATABASE_FILE, Database
from bot.discord.client import CareerBot, ShardedCareerBot
from bot.discord.health import HealthServer
from bot.logs import configure_logging
from bot.metrics import Metrics, MetricsUnavailable
from bot.settings import Settings
from bot.startup import join_database, knowledge_store

log = logging.getLogger(__name__)


def point_discord_at(settings: Settings) -> None:
    """Use a REST or gateway proxy (or a local test server) when one is configured."""
    if settings.api_base_url:
        discord.http.Route.BASE = settings.api_base_url
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def build_bot(settings: Settings, **options) -> CareerBot:
    # With PostgreSQL the knowledge lives there; the folder is this process's working copy.
    store = knowledge_store(settings)
    with contextlib.suppress(*EDIT_ERRORS, OSError):
        recovered = store.recover()  # an edit interrupted by a crash: finish or undo it
        if recovered:
            log.warning("knowledge files: %s", recovered)
    join_database(store)
    knowledge = load_knowledge_base(settings.knowledge_dir, parsed=store.parsed)
    database = Database(settings.database_url.get() or settings.data_dir / DATABASE_FILE)
    database.start()
    semantic = semantic_model(settings.data_dir / EMBEDDINGS_DIR, settings.embedding_model)
    service = AnswerService(knowledge, database, semantic=semantic,
                            layers=settings.data_dir / SERVERS_DIR,
                            layer_database=store.history if store.replica else None)
    calibration = service.matcher.calibration
    if calibration is not None:  # the matcher calibrated itself: the meaning signal is on
        log.info("semantic index ready: %d phrasings (%s); %s",
                 len(service.matcher.index.phrasing_text),
                 "read from a snapshot" if service.matcher.restored else "built",
                 calibration.describe())
    metrics = Metrics(service) if settings.metrics_port is not None else None
    if settings.shard_count is not None:
        options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids is not None:
            options.setdefault("shard_ids", list(settings.shard_ids))
        bot: CareerBot = ShardedCareerBot(settings, service, database, store, **options)
    else:
        bot = CareerBot(settings, service, database, store, **options)
    bot.metrics = metrics
    return bot


def settle_after_build() -> None:
    """Once start-up has built the knowledge base and its index: they live as long as the
    process, so keep them out of the garbage collector's full scans (shorter pauses on the
    event loop), and give what building freed back to the system."""
    gc.collect()
    gc.freeze()
    release_free_memory()


async def serve(settings: Settings) -> int:
    point_discord_at(settings)
    # A cold build embeds every phrasing (minutes at 10,000 facts): off the event loop.
    bot = await asyncio.to_thread(build_bot, settings)
    settle_after_build()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    health = HealthServer(bot, bot.metrics)
    if settings.metrics_port is not None:
        await health.start(settings.metrics_address, settings.metrics_port)
    async with bot:
        try:
            await bot.login(settings.token.get())
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN: check the token in the developer portal "
                      "(Bot > Reset Token) and your .env")
            return 1
        runner = asyncio.create_task(bot.connect(reconnect=True))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("shutting down")
        await bot.close()
        await health.stop()
        runner.cancel()
        stopper.cancel()
        if runner in done and runner.exception() is not None:
            exc = runner.exception()
            if isinstance(exc, discord.PrivilegedIntentsRequired):
                log.error("Discord refused the Message Content intent: enable it in the "
                          "developer portal (Bot > Privileged Gateway Intents) or unset "
                          "CAREERBOT_QA_CHANNELS and CAREERBOT_MESSAGE_CONTENT")
            else:
                log.error("the connection to Discord failed: %s", exc)
            return 1
    return 0


def run_bot(settings: Settings, *, log_level: str | None = None) -> int:
    configure_logging(log_level or settings.log_level, secrets=[settings.token.get()],
                      file=settings.log_file)
    try:
        return asyncio.run(serve(settings))
    except (KnowledgeBaseError, MetricsUnavailable) as exc:
        log.error("cannot start: %s", exc)
        return 1
    except OSError as exc:  # e.g. the metrics port is taken
        log.error("cannot start: %s", exc)
        return 1
    except KeyboardInterrupt:
        return 0
