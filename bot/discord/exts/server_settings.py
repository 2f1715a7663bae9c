"""`/settings`: a server's admins make the bot their own: Q&A channels, moderator roles, the
cooldown, whether `/ask` answers are public, the mod log channel.

Stored in the database first, then in force at once (`bot.core.server_settings`); the
environment's values are the defaults. Manage Server only, checked at run time for every
subcommand (Discord's `default_permissions` only hides the group).
"""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import texts
from bot.core.server_settings import NAMES, BadSetting, ServerSettings, checked, stored_form
from bot.core.storage.server_settings import ServerSettingsTable
from bot.discord import limits
from bot.discord.client import CareerBot
from bot.discord.deadline import respond, within_deadline
from bot.discord.errors import NoDatabase, NotAllowed, UnusableInput, doing
from bot.discord.limits import clip
from bot.discord.ui.embeds import ANSWER_COLOUR

Change = Literal["add", "remove"]
QaChannel = app_commands.AppCommandChannel | app_commands.AppCommandThread
"""As Discord sends it (not resolved by discord.py): a channel the bot can not place in this
server is refused by name rather than failing as an unusable input."""
QA_TYPES = (discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum,
            discord.ChannelType.public_thread, discord.ChannelType.private_thread,
            discord.ChannelType.news_thread)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ServerAdmin(commands.GroupCog, group_name="settings",
                  group_description="Server admins: make CareerBot this server's own"):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member) or not (
                interaction.permissions.manage_guild or member.guild_permissions.manage_guild):
            raise NotAllowed(texts.SETTINGS_NOT_ADMIN)
        return True

    # -- reading -----------------------------------------------------------------------------

    @app_commands.command(name="show", description="The settings in force here, and whose")
    async def show(self, interaction: discord.Interaction) -> None:
        own = self.bot.servers.of(interaction.guild_id)
        embed = discord.Embed(title=texts.SETTINGS_TITLE, colour=ANSWER_COLOUR)
        for name in NAMES:
            origin = texts.SETTING_OWN if name in own.overridden else texts.SETTING_DEFAULT
            embed.add_field(name=clip(texts.SETTINGS_NAMES[name], limits.EMBED_FIELD_NAME),
                            value=clip(f"{self._shown(interaction.guild, own, name)} "
                                       f"*({origin})*", limits.EMBED_FIELD_VALUE),
                            inline=False)
        embed.set_footer(text=texts.SETTINGS_FOOTER)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @staticmethod
    def _shown(guild: discord.Guild | None, own: ServerSettings, name: str) -> str:
        """A setting as a person reads it; a deleted channel or role is left out (it is
        dropped at use: nothing matches it any more)."""
        value = getattr(own, name)
        if name == "qa_channels" or name == "modlog_channel":
            ids = sorted(value) if isinstance(value, frozenset) else [value] if value else []
            live = [f"<#{i}>" for i in ids if guild is None or guild.get_channel_or_thread(i)]
            return ", ".join(live) or texts.SETTING_NONE
        if name == "moderator_roles":
            live = [f"<@&{i}>" for i in sorted(value) if guild is None or guild.get_role(i)]
            return ", ".join(live) or texts.SETTING_NONE
        if name == "ask_private":
            return texts.SETTING_PRIVATE if value else texts.SETTING_PUBLIC
        return str(value)

    # -- changing ----------------------------------------------------------------------------

    @app_commands.command(name="qa-channel",
                          description="Add or remove a channel (or forum) answered without a "
                                      "mention")
    async def qa_channel(self, interaction: discord.Interaction, change: Change,
                         channel: QaChannel) -> None:
        self._same_server(interaction, channel)
        if channel.type not in QA_TYPES:
            raise NotAllowed(texts.SETTINGS_NOT_A_QA_CHANNEL)
        if change == "add" and not self.bot.settings.message_content:
            raise NotAllowed(texts.SETTINGS_NO_CONTENT)
        await self._change_ids(interaction, "qa_channels", change, channel.id)

    @app_commands.command(name="moderator-role",
                          description="Add or remove a role whose members may use /kb")
    async def moderator_role(self, interaction: discord.Interaction, change: Change,
                             role: discord.Role) -> None:
        guild = interaction.guild
        if guild is None or guild.get_role(role.id) is None:
            raise NotAllowed(texts.SETTINGS_NOT_A_ROLE)
        if role.is_default():
            raise NotAllowed(texts.SETTINGS_EVERYONE_ROLE)
        await self._change_ids(interaction, "moderator_roles", change, role.id)

    @app_commands.command(name="cooldown", description="How many questions a person may ask, "
                                                       "per how many seconds")
    async def cooldown(self, interaction: discord.Interaction,
                       questions: app_commands.Range[int, 1, 1000],
                       seconds: app_commands.Range[int, 1, 86_400]) -> None:
        await self._save(interaction, {"cooldown_questions": questions,
                                       "cooldown_seconds": seconds})

    @app_commands.command(name="ask-answers",
                          description="Whether /ask answers are public or only for the asker")
    async def ask_answers(self, interaction: discord.Interaction,
                          visibility: Literal["public", "private"]) -> None:
        await self._save(interaction, {"ask_private": visibility == "private"})

    @app_commands.command(name="mod-log", description="Where changes to the knowledge base "
                                                      "are posted (leave empty: nowhere)")
    async def mod_log(self, interaction: discord.Interaction,
                      channel: app_commands.AppCommandChannel | None = None) -> None:
        if channel is not None:
            self._same_server(interaction, channel)
        await self._save(interaction, {"modlog_channel": channel.id if channel else None})

    @app_commands.command(name="reset", description="Go back to the default for a setting")
    @app_commands.choices(setting=[app_commands.Choice(name=n.replace("_", " "), value=n)
                                   for n in NAMES])
    async def reset(self, interaction: discord.Interaction, setting: str) -> None:
        if setting not in NAMES:
            raise UnusableInput(f"no setting named {setting!r}")
        table = self._table(interaction)
        await within_deadline(interaction, table.clear(interaction.guild_id, setting))
        own = self.bot.servers.reset(interaction.guild_id, setting)
        await respond(interaction, texts.SETTINGS_RESET.format(
            name=texts.SETTINGS_NAMES[setting],
            value=self._shown(interaction.guild, own, setting)), ephemeral=True)

    # -- plumbing ----------------------------------------------------------------------------

    def _same_server(self, interaction: discord.Interaction, channel: Any) -> None:
        """A crafted interaction may name a channel of another server the bot is in (Discord
        files the channel it sends under the interaction's server: the bot's own view of the
        channel says where it really is)."""
        known = self.bot.get_channel(channel.id)
        if known is None or getattr(known, "guild", None) is None \
                or known.guild.id != interaction.guild_id:
            raise NotAllowed(texts.SETTINGS_OTHER_SERVER)

    def _table(self, interaction: discord.Interaction) -> ServerSettingsTable:
        if self.bot.database is None:
            raise NoDatabase
        doing(interaction, storage=texts.SETTINGS_AWAY)
        return ServerSettingsTable(self.bot.database)

    async def _change_ids(self, interaction: discord.Interaction, name: str, change: str,
                          item: int) -> None:
        current = getattr(self.bot.servers.of(interaction.guild_id), name)
        wanted = current | {item} if change == "add" else current - {item}
        await self._save(interaction, {name: wanted})

    async def _save(self, interaction: discord.Interaction, values: dict[str, Any]) -> None:
        """Store, then put in force; a bad value is refused before anything is stored."""
        guild_id = interaction.guild_id
        try:
            values = {name: checked(name, value) for name, value in values.items()}
        except BadSetting as exc:
            raise NotAllowed(str(exc)) from None
        table = self._table(interaction)
        await within_deadline(interaction, table.put(
            guild_id, {name: stored_form(name, value) for name, value in values.items()}))
        own = None
        for name, value in values.items():
            own = self.bot.servers.set(guild_id, name, value)
        shown = ", ".join(self._shown(interaction.guild, own, name) for name in values)
        name = " / ".join(texts.SETTINGS_NAMES[n] for n in values)
        await respond(interaction, texts.SETTINGS_SAVED.format(name=name, value=shown),
                      ephemeral=True)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(ServerAdmin(bot))
