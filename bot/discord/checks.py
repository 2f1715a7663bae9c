"""Who may use `/kb`: declared once for the whole group (a server's moderators).

Discord's `default_permissions` hides the group from members without Manage Server (a server
admin can change that in Integrations); the runtime check below is what counts, for every
command and every button of the group, however the interaction was crafted.
"""

from __future__ import annotations

import discord

from bot import texts
from bot.discord.errors import NotAllowed, ReportingView
from bot.settings import Settings


def moderator_roles(settings: Settings, interaction: discord.Interaction) -> frozenset[int]:
    """The roles that make a member a moderator in this server: its own (`/settings`), else
    the defaults."""
    servers = getattr(interaction.client, "servers", None)
    if servers is not None:
        return servers.of(interaction.guild_id).moderator_roles
    return settings.moderator_roles


def refusal(settings: Settings, interaction: discord.Interaction) -> str | None:
    """Why this person may not use `/kb` here, or None when they may: a server's moderators
    keep its own knowledge; which of them may also change the shared knowledge base is the
    admin servers' list (`bot.discord.exts.kb.targets`)."""
    if interaction.guild_id is None:
        return texts.NOT_HERE
    member = interaction.user
    if not isinstance(member, discord.Member):
        return texts.NOT_A_MODERATOR
    # Discord computes the member's permissions for each interaction (`interaction.permissions`);
    # the role-based guild permissions are a fallback for older payloads.
    if interaction.permissions.manage_guild or member.guild_permissions.manage_guild:
        return None
    roles = moderator_roles(settings, interaction)
    if roles and any(r.id in roles for r in member.roles):
        return None
    return texts.NOT_A_MODERATOR


def ensure_allowed(settings: Settings, interaction: discord.Interaction) -> None:
    """The gate: raises `NotAllowed` with the reason (the error handler tells the person)."""
    reason = refusal(settings, interaction)
    if reason is not None:
        raise NotAllowed(reason)


class ModeratorView(ReportingView):
    """Buttons and menus of `/kb`: the same gate, and only for the moderator who opened them."""

    def __init__(self, settings: Settings, owner_id: int, *, timeout: float = 600.0) -> None:
        super().__init__(timeout=timeout)
        self.settings = settings
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        ensure_allowed(self.settings, interaction)
        if interaction.user.id != self.owner_id:
            raise NotAllowed(texts.NOT_YOUR_CONTROLS)
        return True
