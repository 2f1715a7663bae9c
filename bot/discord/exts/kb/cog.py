"""`/kb`: moderators keep the knowledge base up to date from Discord.

Every command is gated once, on the group (see gate.py). Every change goes through the
`KnowledgeStore` (validated, atomic, locked, recorded in the history), off the event loop, then
the bot answers from the new knowledge base at once and the change is posted to the mod log.
The commands live in one class per part of the job (edits.py, unanswered.py, history.py,
files.py, stats.py) on shared helpers (plumbing.py); `KnowledgeAdmin` puts them in one group.
"""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import checks as gate
from bot.discord.client import CareerBot
from bot.discord.exts.kb.files import FileCommands
from bot.discord.exts.kb.history import HistoryCommands
from bot.discord.exts.kb.stats import StatsCommands
from bot.discord.exts.kb.unanswered import UnansweredCommands


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class KnowledgeAdmin(UnansweredCommands, HistoryCommands, FileCommands, StatsCommands,
                     commands.GroupCog, group_name="kb",
                     group_description="Moderators: keep the knowledge base up to date"):
    """The `/kb` group. `interaction_check` gates every subcommand at run time; Discord's
    `default_permissions` (Manage Server) only hides the group in its UI."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self._tasks: set[asyncio.Task] = set()
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        gate.ensure_allowed(self.settings, interaction)
        return True
