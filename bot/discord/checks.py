"""Who may change the knowledge base: declared once for the whole `/kb` group.

Discord's `default_permissions` hides the group from members without Manage Server (a server
admin can change that in Integrations); the runtime check below is what counts, for every
command and every button of the group, however the interaction was crafted.
"""

from __future__ import annotations

import discord

from bot import texts
from bot.discord.errors import ReportingView
from bot.settings import Settings

OFF = texts.EDITING_OFF
NOT_HERE = texts.NOT_HERE
NOT_A_MODERATOR = texts.NOT_A_MODERATOR


def refusal(settings: Settings, interaction: discord.Interaction) -> str | None:
    """Why this person may not edit here, or None when they may."""
    if not settings.admin_guilds:
        where = f" (`{interaction.guild_id}`)" if interaction.guild_id else ""
        return OFF.format(where=where)
    if interaction.guild_id is None or interaction.guild_id not in settings.admin_guilds:
        return NOT_HERE
    member = interaction.user
    if not isinstance(member, discord.Member):
        return NOT_A_MODERATOR
    # Discord computes the member's permissions for each interaction (`interaction.permissions`);
    # the role-based guild permissions are a fallback for older payloads.
    if interaction.permissions.manage_guild or member.guild_permissions.manage_guild:
        return None
    if settings.moderator_roles and any(r.id in settings.moderator_roles for r in member.roles):
        return None
    return NOT_A_MODERATOR


async def check(settings: Settings, interaction: discord.Interaction) -> bool:
    """The gate: True lets the interaction through; otherwise the person is told why."""
    reason = refusal(settings, interaction)
    if reason is None:
        return True
    if interaction.type is discord.InteractionType.autocomplete:
        await interaction.response.autocomplete([])
    elif not interaction.response.is_done():
        await interaction.response.send_message(reason, ephemeral=True)
    return False


class ModeratorView(ReportingView):
    """Buttons and menus of `/kb`: the same gate, and only for the moderator who opened them."""

    def __init__(self, settings: Settings, owner_id: int, *, timeout: float = 600.0) -> None:
        super().__init__(timeout=timeout)
        self.settings = settings
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await check(self.settings, interaction):
            return False
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(texts.NOT_YOUR_CONTROLS, ephemeral=True)
            return False
        return True
