"""`/kb history`, `/kb revert`, `/kb reload`: the record of changes, and the files on disk."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import texts
from bot.discord import limits
from bot.discord.errors import doing, issues_text
from bot.discord.exts.kb.plumbing import KbPlumbing, actor_of
from bot.discord.exts.kb.targets import LAYER_CHOICES
from bot.discord.limits import clip
from bot.discord.ui.embeds import ANSWER_COLOUR

MAX_CHANGE_ID = 2**53


class HistoryCommands(KbPlumbing):
    """What changed, by whom; undoing a change; re-reading the files."""

    @app_commands.command(name="history", description="Recent changes, with who and when")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def history(self, interaction: discord.Interaction, fact: str | None = None,
                      layer: str | None = None) -> None:
        doing(interaction, refused=texts.REFUSED_HISTORY)
        if fact is not None:
            found = await self._fact_or_say(interaction, fact)
            if found is None:
                return
            where = found[0]
        else:
            where = self._target(interaction, layer)
        changes = await self._run(interaction, where.store.changes, fact, 15)
        if not changes:
            await self._say(interaction, texts.NO_CHANGES_YET)
            return
        lines = [f"`#{c.id}` <t:{int(c.at)}:R> **{clip(c.actor, 60)}**: {clip(c.summary, 200)}"
                 for c in changes]
        title = texts.HISTORY_TITLE_FACT.format(fact=fact) if fact else texts.HISTORY_TITLE
        embed = discord.Embed(title=clip(title, limits.EMBED_TITLE),
                              description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
                              colour=ANSWER_COLOUR)
        embed.set_footer(text=texts.HISTORY_FOOTER)
        await self._say(interaction, embed=embed)

    history.autocomplete("fact")(KbPlumbing.fact_autocomplete)

    @app_commands.command(name="revert", description="Undo a change (itself recorded)")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def revert(self, interaction: discord.Interaction,
                     change: app_commands.Range[int, 1, MAX_CHANGE_ID],
                     layer: str | None = None) -> None:
        if type(change) is not int or not 1 <= change <= MAX_CHANGE_ID:
            await self._say(interaction, texts.NO_SUCH_CHANGE)
            return  # a crafted interaction (Discord checks the range in its own client)
        where = self._target(interaction, layer)
        result = await self._edit(interaction, where.store.revert, change,
                                  actor=actor_of(interaction.user), where=where)
        await self._applied(interaction, result, texts.REVERTED.format(change=change), where)

    @app_commands.command(name="reload", description="Re-read the knowledge files from disk")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def reload(self, interaction: discord.Interaction, layer: str | None = None) -> None:
        where = self._target(interaction, layer)
        report = await self._edit(interaction, where.store.refresh, where=where)
        if report.knowledge is None:
            await self._say(interaction, issues_text(report.issues, texts.FILES_INVALID))
            return
        kb = report.knowledge
        await self._say(interaction, texts.RELOADED.format(facts=len(kb.facts),
                                                           topics=len(kb.topics)))
