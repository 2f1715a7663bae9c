"""`/kb unanswered`: the questions the bot missed, each attached to a fact in one click, made a
new fact, or dismissed (the buttons are `MissedView`'s)."""

from __future__ import annotations

import contextlib

import discord
from discord import app_commands

from bot import texts
from bot.core.knowledge.models import Fact
from bot.core.missed import MissedGroup, group_missed
from bot.core.storage.database import StorageUnavailable
from bot.discord import limits
from bot.discord.deadline import within_deadline
from bot.discord.errors import NoDatabase, doing
from bot.discord.exts.kb.edits import EditCommands
from bot.discord.exts.kb.plumbing import actor_of
from bot.discord.limits import clip
from bot.discord.ui.embeds import ANSWER_COLOUR
from bot.discord.ui.fact_form import FormValues
from bot.discord.ui.kb_views import MissedView


class UnansweredCommands(EditCommands):
    """Builds on `EditCommands`: "new fact" opens its add form, filled in with the question."""

    @app_commands.command(name="unanswered",
                          description="Questions the bot declined or that got 'not helpful'")
    @app_commands.describe(everywhere="Every server's questions (the bot owner only)")
    async def unanswered(self, interaction: discord.Interaction,
                         everywhere: bool = False) -> None:
        if self.bot.database is None:
            raise NoDatabase
        server = await self._server_scope(interaction, everywhere)
        doing(interaction, storage=texts.MISSED_AWAY)
        rows = await within_deadline(interaction, self.bot.database.missed_questions(server))
        groups = group_missed(rows)
        if not groups:
            await self._say(interaction, texts.NOTHING_MISSED)
            return
        lines = [f"**{g.count}×** {clip(g.question, 150)} — "
                 + ", ".join(f"{n} {texts.missed_reason(why)}" for why, n in g.reasons.items())
                 for g in groups[:15]]
        embed = discord.Embed(title=texts.MISSED_TITLE,
                              description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
                              colour=ANSWER_COLOUR)
        embed.set_footer(text=texts.MISSED_FOOTER.format(groups=len(groups)))

        guild_id = interaction.guild_id
        here = {f.id for f in self._facts_here(guild_id)}

        def suggest(question: str) -> list[Fact]:
            """The facts a moderator here may attach the question to, best first."""
            ranked = self.bot.service.matcher.rank(question, limit=limits.CHOICES)
            own = self.bot.service.layer(guild_id)
            if own is not None and own.matcher is not None:
                ranked += own.matcher.rank(question, limit=limits.CHOICES)
            ranked.sort(key=lambda pair: -pair[1])
            return [f for f, _ in ranked if f.id in here]

        view = MissedView(self.settings, interaction.user.id, groups, suggest,
                          self._target(interaction).topics, self, server)
        await self._say(interaction, embed=embed, view=view)

    async def attach(self, interaction: discord.Interaction, fact_id: str,
                     group: MissedGroup, server: int | None) -> None:
        found = await self._fact_or_say(interaction, fact_id)
        if found is None:
            return
        where = found[0]
        result = await self._edit(interaction, where.store.add_alias, fact_id, group.question,
                                  actor=actor_of(interaction.user), where=where)
        if self.bot.database is not None:
            await self._dismiss_quietly(group, server)
        await self._applied(interaction, result,
                            texts.ALSO_ANSWERS.format(fact=fact_id,
                                                      phrasing=clip(group.question, 200)),
                            where, new_phrasing=(fact_id, group.question))

    async def new_fact(self, interaction: discord.Interaction, topic_id: str,
                       group: MissedGroup) -> None:
        await interaction.response.send_modal(
            self._add_form(topic_id, FormValues(question=group.question[:100])))

    async def dismiss(self, interaction: discord.Interaction, group: MissedGroup,
                      server: int | None) -> None:
        doing(interaction, storage=texts.DISMISS_AWAY)
        await within_deadline(interaction,
                              self.bot.database.dismiss(list(group.wordings), server))
        await self._say(interaction, texts.DISMISSED.format(question=clip(group.question, 200)))

    async def _dismiss_quietly(self, group: MissedGroup, server: int | None) -> None:
        """Attached to a fact, the question leaves the queue; if the database is away it stays
        there (the alias is saved all the same, and the database logs its failure)."""
        with contextlib.suppress(StorageUnavailable):
            await self.bot.database.dismiss(list(group.wordings), server)
