"""Buttons under answers: follow-up questions, "did you mean", and helpful / not helpful.

They are `DynamicItem`s: everything a click needs is in its `custom_id` (checked by a strict
pattern), so buttons keep working after a restart and a tampered id is refused, not trusted.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord

from bot import texts
from bot.core.answers import Answer
from bot.discord import limits
from bot.discord.deadline import respond, within_deadline
from bot.discord.errors import doing, reported
from bot.discord.limits import clip
from bot.discord.ui.embeds import answer_embed

if TYPE_CHECKING:
    from bot.discord.client import CareerBot

log = logging.getLogger(__name__)

FACT_ID = r"[a-z0-9][a-z0-9_-]{0,63}"
USER_ID = r"[0-9]{1,20}"


class FactButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"cb:fact:(?P<fact>{FACT_ID}):(?P<asker>{USER_ID})",
):
    """Answers a fact: a follow-up question, or a "did you mean" suggestion.

    For the person who asked, the answer replaces the message in place; anyone else gets it
    privately, so one person's click never changes what another is reading.
    """

    def __init__(self, fact_id: str, asker_id: int, label: str, *, suggestion: bool = False):
        style = discord.ButtonStyle.primary if suggestion else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=clip(label, limits.BUTTON_LABEL),
                style=style,
                custom_id=f"cb:fact:{fact_id}:{asker_id}",
                emoji="❓" if suggestion else "➡️",
            )
        )
        self.fact_id = fact_id
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> FactButton:
        return cls(match["fact"], int(match["asker"]), item.label or match["fact"])

    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        await reported(interaction, lambda: self._answer(interaction))

    async def _answer(self, interaction: discord.Interaction[CareerBot]) -> None:
        doing(interaction, gone=texts.GONE)
        answer = interaction.client.service.answer_fact(self.fact_id,
                                                        guild_id=interaction.guild_id)
        view = answer_view(answer, interaction.user.id)
        if interaction.user.id == self.asker_id and interaction.message is not None:
            await interaction.response.edit_message(embed=answer_embed(answer), view=view)
        else:
            await interaction.response.send_message(
                embed=answer_embed(answer), view=view, ephemeral=True
            )


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"cb:vote:(?P<fact>{FACT_ID}):(?P<helpful>[01])",
):
    """Helpful / not helpful: one vote per person per answer (a later click changes it)."""

    def __init__(self, fact_id: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=texts.HELPFUL if helpful else texts.NOT_HELPFUL,
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"cb:vote:{fact_id}:{int(helpful)}",
            )
        )
        self.fact_id = fact_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> VoteButton:
        return cls(match["fact"], match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction[CareerBot]) -> None:
        await reported(interaction, lambda: self._vote(interaction))

    async def _vote(self, interaction: discord.Interaction[CareerBot]) -> None:
        bot = interaction.client
        doing(interaction, gone=texts.GONE)
        bot.service.fact(self.fact_id, guild_id=interaction.guild_id)  # FactNotFound: gone
        if interaction.message is None or bot.database is None:
            await interaction.response.send_message(texts.FEEDBACK_THANKS, ephemeral=True)
            return
        doing(interaction, storage=texts.VOTE_AWAY)
        first = await within_deadline(interaction, bot.database.record_vote(
            answer_key=str(interaction.message.id),
            user_id=interaction.user.id,
            fact_id=self.fact_id,
            helpful=self.helpful,
            guild_id=interaction.guild_id,
        ))
        verdict = "helpful" if self.helpful else "not helpful"
        text = (texts.VOTE_NOTED if first else texts.VOTE_CHANGED).format(verdict=verdict)
        await respond(interaction, text, ephemeral=True)


DYNAMIC_ITEMS = (FactButton, VoteButton)
MAX_FOLLOW_UPS = 3


def answer_view(answer: Answer, asker_id: int) -> discord.ui.View:
    """Follow-ups and votes under an answer; "did you mean" buttons under a decline."""
    view = discord.ui.View(timeout=None)
    if answer.answered and answer.fact_id:
        for related in answer.related[:MAX_FOLLOW_UPS]:
            view.add_item(FactButton(related.fact_id, asker_id, related.question))
        view.add_item(VoteButton(answer.fact_id, True))
        view.add_item(VoteButton(answer.fact_id, False))
    else:
        for suggestion in answer.suggestions[:MAX_FOLLOW_UPS]:
            view.add_item(
                FactButton(suggestion.fact_id, asker_id, suggestion.question, suggestion=True)
            )
    return view
