"""The owner's tools, and the one place unexpected command errors are handled."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.core.storage.database import StorageUnavailable
from bot.discord.client import CareerBot

log = logging.getLogger(__name__)
UNKNOWN_INTERACTION = 10062
NOT_ALLOWED = "You can't use that command here."
OUT_OF_DATE = ("That command is out of date or unknown: please try again in a minute, or ask "
               "a server admin to reload Discord.")
BAD_INPUT = "I couldn't use that input. Please try again with plain text."
SORRY = "Something went wrong on my side while answering. It has been logged; please try again."


class Owner(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error
        self.started = time.time()

    @app_commands.command(name="status", description="How the bot is doing (owner only)")
    @app_commands.default_permissions(administrator=True)
    async def status(self, interaction: discord.Interaction) -> None:
        if not await self.bot.is_owner(interaction.user):
            await interaction.response.send_message("Only the bot's owner can see its status.",
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
        embed = discord.Embed(title="CareerBot status", description="\n".join(lines),
                              colour=discord.Colour.blurple())
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        """`@CareerBot sync`: push the application commands to Discord now."""
        scopes = await self.bot.sync_commands(force=True)
        await ctx.reply(f"Synced application commands: {', '.join(scopes)}.",
                        mention_author=False)

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError):
        if isinstance(error, commands.CommandNotFound | commands.NotOwner
                      | commands.CheckFailure):
            return
        log.error("command %s failed", ctx.command, exc_info=error)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """The one place command errors end: expected ones are answered politely and logged
        quietly; only what nobody expected is logged as an error."""
        original = getattr(error, "original", error)
        name = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
            log.warning("interaction %s expired before the answer was sent (Discord allows 3 s)",
                        interaction.id)
            return
        if isinstance(error, app_commands.CheckFailure):
            log.info("/%s refused by a check for user %s", name, interaction.user.id)
            text = None if interaction.response.is_done() else NOT_ALLOWED
        elif isinstance(error, app_commands.CommandNotFound
                        | app_commands.CommandSignatureMismatch):
            log.warning("Discord sent /%s, which does not match this bot's commands: the "
                        "commands on Discord may be out of date (`@CareerBot sync`)",
                        getattr(error, "name", name))
            text = OUT_OF_DATE
        elif isinstance(error, app_commands.TransformerError):
            log.info("refused a command input for /%s: %s", name, error)
            text = BAD_INPUT
        elif isinstance(original, discord.Forbidden):
            log.warning("missing permission for /%s in channel %s: %s", name,
                        interaction.channel_id, original.text)
            text = "Discord didn't let me do that here (missing permission)."
        else:
            log.error("application command /%s failed", name, exc_info=error)
            text = SORRY
        if text is None:
            return
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                if not interaction.response.is_done():
                    await interaction.response.autocomplete([])
            elif interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("cannot tell the user about the error: %s", exc)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Owner(bot))
