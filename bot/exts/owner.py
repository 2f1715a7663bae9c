"""The owner's tools, and the one place unexpected command errors are handled."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import CareerBot

log = logging.getLogger(__name__)
SORRY = "Something went wrong on my side while answering. It has been logged; please try again."


class Owner(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error

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
        if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            text = "I couldn't use that input. Please try again with plain text."
            log.info("refused a command input: %s", error)
        else:
            text = SORRY
            log.error("application command %s failed",
                      interaction.command and interaction.command.name,
                      exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Owner(bot))
