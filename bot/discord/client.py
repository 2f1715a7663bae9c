"""The Discord client: intents, extensions, persistent buttons, and command sync when needed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

import discord
from discord.ext import commands

from bot import texts
from bot.core.editing import EDIT_ERRORS, KnowledgeStore, KnowledgeWatcher
from bot.core.editing.follower import KnowledgeFollower
from bot.core.editing.postgres import guild_of
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.models import KnowledgeBase
from bot.core.server_settings import ServerSettingsRegistry
from bot.core.service import AnswerService
from bot.core.storage.database import Database, StorageUnavailable
from bot.core.storage.server_settings import ServerSettingsTable
from bot.metrics import Metrics
from bot.settings import Settings
from bot.startup import knowledge_store

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord.exts.error_handler", "bot.discord.exts.questions", "bot.discord.exts.browse",
    "bot.discord.exts.owner", "bot.discord.exts.kb", "bot.discord.exts.server_settings",
)
SYNC_STATE_FILE = "command-sync.json"


def make_intents(settings: Settings) -> discord.Intents:
    """The fewest intents that work: guild and DM messages to hear mentions and DMs, and
    message content only when channels are set aside for unprompted answers (without it,
    Discord sends the text of a message only when it mentions the bot or is a DM)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.message_content or bool(settings.qa_channels)
    return intents


class CareerBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        service: AnswerService,
        database: Database | None = None,
        store: KnowledgeStore | None = None,
        **options,
    ) -> None:
        options.setdefault("intents", make_intents(settings))
        super().__init__(
            command_prefix=commands.when_mentioned_or("!"),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self.service = service
        self.database = database
        self.store = store or knowledge_store(settings)
        self.watcher: KnowledgeWatcher | None = None
        self.follower: KnowledgeFollower | None = None
        """With PostgreSQL: hears of other processes' knowledge edits (`_knowledge_moved`)."""
        self.metrics: Metrics | None = None
        """The Prometheus metrics, when `CAREERBOT_METRICS_PORT` is set (see `health`)."""
        self.servers = ServerSettingsRegistry(settings.server_defaults())
        """Each server's own settings (`/settings`) over the environment's defaults."""

    async def setup_hook(self) -> None:
        await self._load_server_settings()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        if self.settings.watch_interval > 0:
            self.watcher = KnowledgeWatcher(
                self.settings.knowledge_dir, self._knowledge_changed, self._knowledge_broken,
                self.settings.watch_interval, knowledge=self.service.knowledge,
                parsed=self.store.parsed,
            ).start()  # callbacks on the watcher's thread: a rebuild never blocks the loop
        url = self.settings.database_url.get()
        if url and self.store.replica is not None:
            self.follower = KnowledgeFollower(url, self._knowledge_moved,
                                              recheck=self.settings.knowledge_recheck).start()

    def help_lines(self, guild: discord.Guild | None) -> list[str]:
        """The help as `guild` sees it (a DM: `None`): what can be asked there (the server's
        own topics too) and whether it has Q&A channels (the operator's defaults name
        channels of every server: only this server's count)."""
        known = self.service.known(guild.id if guild else None)
        unprompted = guild is not None and any(
            guild.get_channel_or_thread(channel) is not None
            for channel in self.servers.of(guild.id).qa_channels)
        return texts.help_lines(known.topics, len(known.facts), unprompted=unprompted)

    async def _load_server_settings(self) -> None:
        """The servers' own settings from the database; without it, every server has the
        defaults (logged) and `/settings` says why it can not save."""
        if self.database is None:
            return
        try:
            stored = await ServerSettingsTable(self.database).load()
        except StorageUnavailable as exc:
            log.warning("cannot read the servers' own settings (%s): every server has the "
                        "defaults until the bot restarts", exc)
            return
        self.servers = ServerSettingsRegistry(self.settings.server_defaults(), stored)
        for problem in self.servers.skipped:
            log.warning("a stored server setting is not valid any more, left out: %s", problem)

    def _knowledge_changed(self, knowledge: KnowledgeBase) -> None:
        """The knowledge files changed on disk (the watcher's thread). With the database, the
        files changed here go into it first, so every process answers from them."""
        if self.store.replica is not None:
            try:
                report = self.store.refresh()
            except EDIT_ERRORS as exc:
                log.warning("files changed on disk could not reach the database (%s): this "
                            "process answers from them meanwhile", exc)
            else:
                if report.knowledge is None:
                    self._knowledge_broken(list(report.issues))
                    return
                knowledge = report.knowledge
        if self.service.adopt(knowledge):
            log.info("knowledge files changed on disk: now answering from %d facts",
                     len(knowledge.facts))

    def _knowledge_moved(self, scope: str, version: int) -> None:
        """Another process edited a knowledge base in the database (on the follower's thread:
        an exception leaves the change to the next re-check)."""
        guild = guild_of(scope)
        if guild is not None:
            if self.service.layers is not None:
                self.service.layers.moved(guild, version)
            return
        report = self.store.sync()
        if report is not None and report.knowledge is not None:
            if self.service.adopt(report.knowledge):
                log.info("knowledge edited through another process: now answering from %d "
                         "facts (version %d)", len(report.knowledge.facts), version)
        elif report is not None:
            self._knowledge_broken(list(report.issues))

    def _knowledge_broken(self, issues: list[Issue]) -> None:
        first = issues[0] if issues else "?"
        log.error("the knowledge files on disk are invalid (%d problem(s), first: %s); still "
                  "answering from the last good knowledge base", len(issues), first)

    # -- command sync ------------------------------------------------------------------------

    def _scopes(self) -> list[discord.Object | None]:
        return [discord.Object(g) for g in sorted(self.settings.dev_guilds)] or [None]

    def commands_digest(self, guild: discord.Object | None) -> str:
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _sync_state_path(self) -> Path:
        return self.settings.data_dir / SYNC_STATE_FILE

    def _read_sync_state(self) -> dict[str, str]:
        try:
            data = json.loads(self._sync_state_path().read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    async def sync_commands(self, *, force: bool = False) -> list[str]:
        """Sync application commands where they changed since the last sync (or all, forced).
        Returns the scopes synced ("global" or guild ids)."""
        state = self._read_sync_state()
        synced: list[str] = []
        for guild in self._scopes():
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            scope = "global" if guild is None else str(guild.id)
            digest = self.commands_digest(guild)
            if not force and state.get(scope) == digest:
                log.info("application commands unchanged for %s: not syncing", scope)
                continue
            await self.tree.sync(guild=guild)
            state[scope] = digest
            synced.append(scope)
            log.info("synced application commands for %s", scope)
        if synced:
            try:
                path = self._sync_state_path()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(state, indent=2))
            except OSError as exc:
                log.warning("cannot record the command sync in %s: %s", self._sync_state_path(),
                            exc.strerror or exc)
        return synced

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d server(s)", self.user,
                 self.user.id if self.user else "?", len(self.guilds))

    async def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.follower is not None:
            await asyncio.to_thread(self.follower.stop)
        await super().close()
        if self.database is not None:
            self.database.close()


class ShardedCareerBot(CareerBot, commands.AutoShardedBot):
    """The same bot over several gateway connections (shards): `CAREERBOT_SHARD_COUNT`, and
    `CAREERBOT_SHARD_IDS` to run only some of them in this process."""
