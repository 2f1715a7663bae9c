"""Installs the one error handler (`bot.discord.errors.report`) on the command tree, and logs
what prefix commands raise (`!ask`, `@CareerBot sync`)."""

from __future__ import annotations

import logging

from discord.ext import commands

from bot.discord.client import CareerBot
from bot.discord.errors import report

log = logging.getLogger(__name__)


class ErrorHandler(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = report  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError):
        if isinstance(error, commands.CommandNotFound | commands.NotOwner
                      | commands.CheckFailure):
            return
        log.error("command %s failed", ctx.command, exc_info=error)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(ErrorHandler(bot))
