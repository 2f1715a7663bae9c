"""`/topics`: browse the knowledge base by topic, a page of questions at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import discord

from bot import texts
from bot.core.knowledge.models import Fact, Topic
from bot.discord import limits
from bot.discord.errors import NotAllowed, ReportingView, doing
from bot.discord.limits import clip
from bot.discord.ui.embeds import ANSWER_COLOUR, answer_embed
from bot.discord.ui.views import answer_view

if TYPE_CHECKING:
    from bot.discord.client import CareerBot

PAGE_SIZE = limits.SELECT_OPTIONS
BROWSE_TIMEOUT = 600.0


class TopicsView(ReportingView):
    """A topic menu, the current topic's questions (one page), and previous / next."""

    def __init__(self, topics: tuple[Topic, ...], facts: Mapping[str, Fact], owner_id: int):
        super().__init__(timeout=BROWSE_TIMEOUT)
        self.topics = topics[:limits.SELECT_OPTIONS]
        self.facts = facts
        self.owner_id = owner_id
        self.topic_index = 0
        self.page = 0
        self.topic_menu.options = [
            discord.SelectOption(label=clip(t.title, limits.SELECT_LABEL), value=str(i))
            for i, t in enumerate(self.topics)
        ]
        self._refresh()

    # -- state -------------------------------------------------------------------------------

    @property
    def topic(self) -> Topic:
        return self.topics[self.topic_index]

    @property
    def pages(self) -> int:
        count = len(self.topic.fact_ids)
        return max(1, -(-count // PAGE_SIZE))

    def _page_facts(self) -> list[Fact]:
        ids = self.topic.fact_ids[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]
        return [self.facts[i] for i in ids if i in self.facts]

    def _refresh(self) -> None:
        for option in self.topic_menu.options:
            option.default = option.value == str(self.topic_index)
        page_facts = self._page_facts()
        self.question_menu.options = [
            discord.SelectOption(label=clip(f.question, limits.SELECT_LABEL), value=f.id)
            for f in page_facts
        ] or [discord.SelectOption(label=texts.NO_QUESTIONS, value="-")]
        self.question_menu.disabled = not page_facts
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= self.pages - 1

    def embed(self) -> discord.Embed:
        lines = [f"• {f.question}" for f in self._page_facts()]
        embed = discord.Embed(
            title=clip(f"{self.topic.title}", limits.EMBED_TITLE),
            description=clip("\n".join(lines) or texts.TOPIC_EMPTY,
                             limits.EMBED_DESCRIPTION),
            colour=ANSWER_COLOUR,
        )
        embed.set_footer(
            text=texts.TOPIC_FOOTER.format(topic=self.topic_index + 1, topics=len(self.topics),
                                           page=self.page + 1, pages=self.pages)
        )
        return embed

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            raise NotAllowed(texts.NOT_YOUR_MENU)
        return True

    # -- components --------------------------------------------------------------------------

    @discord.ui.select(placeholder=texts.CHOOSE_TOPIC, row=0)
    async def topic_menu(self, interaction: discord.Interaction, select: discord.ui.Select):
        index = int(select.values[0])
        if not 0 <= index < len(self.topics):
            await interaction.response.defer()
            return
        self.topic_index, self.page = index, 0
        self._refresh()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.select(placeholder=texts.CHOOSE_QUESTION, row=1)
    async def question_menu(
        self, interaction: discord.Interaction[CareerBot], select: discord.ui.Select
    ):
        doing(interaction, gone=texts.GONE)
        answer = interaction.client.service.answer_fact(select.values[0],
                                                        guild_id=interaction.guild_id)
        await interaction.response.send_message(
            embed=answer_embed(answer), view=answer_view(answer, interaction.user.id),
            ephemeral=True,
        )

    @discord.ui.button(label=texts.PREVIOUS, emoji="◀️", style=discord.ButtonStyle.secondary, row=2)
    async def previous_page(self, interaction: discord.Interaction, button: discord.ui.Button):
        self.page = max(0, self.page - 1)
        self._refresh()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label=texts.NEXT, emoji="▶️", style=discord.ButtonStyle.secondary, row=2)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button):
        self.page = min(self.pages - 1, self.page + 1)
        self._refresh()
        await interaction.response.edit_message(embed=self.embed(), view=self)
