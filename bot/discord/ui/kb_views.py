"""Buttons and menus of `/kb`: confirmations and the missed-questions browser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import discord

from bot import texts
from bot.core.knowledge.models import Fact, Topic
from bot.core.missed import MissedGroup
from bot.discord import limits
from bot.discord.checks import ModeratorView
from bot.discord.limits import clip
from bot.settings import Settings


class ConfirmView(ModeratorView):
    """Confirm / Cancel; `on_confirm` runs once, then the buttons are disabled."""

    def __init__(self, settings: Settings, owner_id: int,
                 on_confirm: Callable[[discord.Interaction], Awaitable[None]],
                 label: str = texts.CONFIRM) -> None:
        super().__init__(settings, owner_id, timeout=300)
        self._on_confirm = on_confirm
        self.confirm.label = label

    def _finish(self) -> None:
        for item in self.children:
            item.disabled = True  # type: ignore[attr-defined]
        self.stop()

    @discord.ui.button(label=texts.CONFIRM, style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self._finish()
        await self._on_confirm(interaction)

    @discord.ui.button(label=texts.CANCEL, style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self._finish()
        await interaction.response.edit_message(content=texts.CANCELLED,
                                                embed=None, view=self)


class MissedView(ModeratorView):
    """Pick a missed question, then: attach it to a fact, start a new fact, or dismiss it."""

    def __init__(
        self,
        settings: Settings,
        owner_id: int,
        groups: list[MissedGroup],
        suggest: Callable[[str], list[Fact]],
        topics: tuple[Topic, ...],
        actions: MissedActions,
        server: int | None,
    ) -> None:
        super().__init__(settings, owner_id)
        self.server = server
        """Whose queue this is: a server's, or every server's (the owner's view)."""
        self.groups = groups[:limits.SELECT_OPTIONS]
        self.suggest = suggest
        self.actions = actions
        self.selected: MissedGroup | None = None
        self.pick.options = [
            discord.SelectOption(label=clip(g.question, limits.SELECT_LABEL), value=str(i),
                                 description=texts.ASKED_TIMES.format(count=g.count))
            for i, g in enumerate(self.groups)
        ]
        self.new_fact.options = [
            discord.SelectOption(label=clip(t.title, limits.SELECT_LABEL), value=t.id)
            for t in topics[:limits.SELECT_OPTIONS]
        ]
        self._refresh()

    def _refresh(self) -> None:
        chosen = self.selected is not None
        self.attach.disabled = self.new_fact.disabled = self.dismiss.disabled = not chosen
        facts = self.suggest(self.selected.question) if chosen else []
        self.attach.options = [
            discord.SelectOption(label=clip(f.question, limits.SELECT_LABEL), value=f.id,
                                 description=clip(f.id, limits.SELECT_LABEL))
            for f in facts[:limits.SELECT_OPTIONS]
        ] or [discord.SelectOption(label=texts.PICK_A_QUESTION_FIRST, value="-")]

    @discord.ui.select(placeholder=texts.MISSED_PICK, row=0)
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        index = int(select.values[0])
        self.selected = self.groups[index] if 0 <= index < len(self.groups) else None
        for option in select.options:
            option.default = option.value == select.values[0]
        self._refresh()
        await interaction.response.edit_message(view=self)

    @discord.ui.select(placeholder=texts.MISSED_ATTACH, row=1)
    async def attach(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        if self.selected is None or select.values[0] == "-":
            await interaction.response.defer()
            return
        await self.actions.attach(interaction, select.values[0], self.selected, self.server)

    @discord.ui.select(placeholder=texts.MISSED_NEW_FACT, row=2)
    async def new_fact(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        if self.selected is None:
            await interaction.response.defer()
            return
        await self.actions.new_fact(interaction, select.values[0], self.selected)

    @discord.ui.button(label=texts.MISSED_DISMISS, style=discord.ButtonStyle.secondary, row=3)
    async def dismiss(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        if self.selected is None:
            await interaction.response.defer()
            return
        await self.actions.dismiss(interaction, self.selected, self.server)


class MissedActions(Protocol):
    """What the missed-questions menu does (the cog implements it)."""

    async def attach(self, interaction: discord.Interaction, fact_id: str,
                     group: MissedGroup, server: int | None) -> None: ...

    async def new_fact(self, interaction: discord.Interaction, topic_id: str,
                       group: MissedGroup) -> None: ...

    async def dismiss(self, interaction: discord.Interaction, group: MissedGroup,
                      server: int | None) -> None: ...
