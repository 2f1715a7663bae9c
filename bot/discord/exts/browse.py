"""Browsing what the bot knows: `/topics`, `/sources`, `/help`."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import CareerBot
from bot.discord.ui.browse import TopicsView
from bot.discord.ui.embeds import help_embed, sources_embed


class Browse(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @app_commands.command(name="topics", description="Browse the topics and questions I can answer")
    async def topics(self, interaction: discord.Interaction) -> None:
        known = self.bot.service.known(interaction.guild_id)  # this server's own first
        view = TopicsView(known.topics, known.facts, interaction.user.id)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)

    @app_commands.command(name="sources", description="The documents my answers come from")
    async def sources(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=sources_embed(self.bot.service.knowledge), ephemeral=True
        )

    @app_commands.command(name="help", description="How to ask me questions")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            embed=help_embed(self.bot.help_lines(interaction.guild)), ephemeral=True)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Browse(bot))
