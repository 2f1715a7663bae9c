"""The owner's tools: `/status` and `@CareerBot sync`."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__, texts
from bot.core.storage.database import StorageUnavailable
from bot.discord.client import CareerBot

log = logging.getLogger(__name__)


class Owner(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.started = time.time()

    @app_commands.command(name="status", description="How the bot is doing (owner only)")
    @app_commands.default_permissions(administrator=True)
    async def status(self, interaction: discord.Interaction) -> None:
        if not await self.bot.is_owner(interaction.user):
            await interaction.response.send_message(texts.OWNER_ONLY,
                                                    ephemeral=True)
            return
        service = self.bot.service
        uptime = int(time.time() - self.started)
        today = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0,
                                                            microsecond=0).timestamp()
        questions = "unavailable (database)"
        if self.bot.database is not None:
            with contextlib.suppress(StorageUnavailable):
                asked, answered = await self.bot.database.question_counts(today)
                share = f" ({answered / asked:.0%} answered)" if asked else ""
                questions = f"{asked}{share}"
        latency = self.bot.latency
        lines = [
            f"**Version** {__version__}",
            f"**Uptime** {datetime.timedelta(seconds=uptime)}",
            f"**Servers** {len(self.bot.guilds)}"
            + (f" · shards {self.bot.shard_count}" if self.bot.shard_count else ""),
            f"**Knowledge base** {len(service.knowledge.facts)} facts in "
            f"{len(service.knowledge.topics)} topics, loaded <t:{int(service.loaded_at)}:R>",
            "**Gateway latency** " + (f"{latency * 1000:.0f} ms" if latency == latency
                                      else "unknown"),
            f"**Questions today (UTC)** {questions}",
        ]
        embed = discord.Embed(title=texts.STATUS_TITLE, description="\n".join(lines),
                              colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        """`@CareerBot sync`: push the application commands to Discord now."""
        scopes = await self.bot.sync_commands(force=True)
        await ctx.reply(texts.SYNCED.format(scopes=", ".join(scopes)),
                        mention_author=False)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Owner(bot))
