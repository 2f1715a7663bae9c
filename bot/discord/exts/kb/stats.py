"""`/kb stats`: questions, answers and feedback over a day, a week or a month."""

from __future__ import annotations

import io
import time

import discord
from discord import app_commands

from bot import texts
from bot.discord import limits
from bot.discord.deadline import within_deadline
from bot.discord.errors import NoDatabase, doing
from bot.discord.exts.kb.plumbing import KbPlumbing
from bot.discord.limits import clip
from bot.discord.ui.charts import questions_per_day
from bot.discord.ui.embeds import ANSWER_COLOUR

PERIODS = {"day": 1, "week": 7, "month": 30}


class StatsCommands(KbPlumbing):
    """A summary of the recorded questions, with a chart of questions per day."""

    @app_commands.command(name="stats", description="Questions, answers and feedback")
    @app_commands.choices(period=[app_commands.Choice(name=k, value=k) for k in PERIODS])
    @app_commands.describe(everywhere="Every server's questions (the bot owner only)")
    async def stats(self, interaction: discord.Interaction, period: str = "week",
                    everywhere: bool = False) -> None:
        if self.bot.database is None:
            raise NoDatabase
        server = await self._server_scope(interaction, everywhere)
        days = PERIODS.get(period, 7)
        since = time.time() - days * 86400
        doing(interaction, storage=texts.STATS_AWAY)
        stats = await within_deadline(interaction, self.bot.database.stats(since, server))
        share = f"{stats.answered / stats.asked:.0%}" if stats.asked else "–"
        embed = discord.Embed(title=texts.STATS_TITLE.format(period=period), colour=ANSWER_COLOUR)
        embed.add_field(name=texts.STATS_QUESTIONS, value=str(stats.asked))
        embed.add_field(name=texts.STATS_ANSWERED, value=f"{stats.answered} ({share})")
        busiest = "\n".join(f"`{f}` {n}×" for f, n in stats.busiest) or "–"
        embed.add_field(name=texts.STATS_BUSIEST, value=clip(busiest, limits.EMBED_FIELD_VALUE),
                        inline=False)
        votes = "\n".join(f"`{f}` 👍 {up} 👎 {down}" for f, up, down in stats.votes) or "–"
        embed.add_field(name=texts.STATS_FEEDBACK, value=clip(votes, limits.EMBED_FIELD_VALUE),
                        inline=False)
        png = await self._run(interaction, questions_per_day, stats.per_day, days,
                              texts.STATS_CHART.format(period=period))
        embed.set_image(url="attachment://questions.png")
        await self._say(interaction, embed=embed,
                        file=discord.File(io.BytesIO(png), filename="questions.png"))
