"""What every `/kb` command shares: running store operations off the loop, replying, refusing,
posting to the mod log, and the fact and topic autocompletes."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot import texts
from bot.core.editing import Change, EditResult
from bot.core.knowledge.errors import FactNotFound
from bot.core.knowledge.models import Fact
from bot.core.matching.overlaps import reads_like
from bot.discord import checks as gate
from bot.discord import limits
from bot.discord.client import CareerBot
from bot.discord.deadline import respond, within_deadline
from bot.discord.errors import NotAllowed, doing
from bot.discord.exts.kb.targets import Target, may_change_shared, target, target_of_fact
from bot.discord.limits import clip
from bot.discord.ui.embeds import ANSWER_COLOUR
from bot.discord.ui.fact_form import RetryView
from bot.settings import Settings

log = logging.getLogger(__name__)



def actor_of(user: discord.abc.User) -> str:
    return f"{user.name} ({user.id})"


class KbPlumbing:
    """The helpers of the `/kb` cog (`KnowledgeAdmin`), which sets `bot`, `settings` and
    `_tasks`; the command classes build on this one."""

    bot: CareerBot
    settings: Settings
    _tasks: set[asyncio.Task]

    async def _server_scope(self, interaction: discord.Interaction,
                            everywhere: bool) -> int | None:
        """Whose questions a report shows: this server's; every server's (None) only for the
        bot's owner, who asked for it."""
        if everywhere is not True:  # a crafted interaction may send anything
            return interaction.guild_id
        if not await self.bot.is_owner(interaction.user):
            raise NotAllowed(texts.EVERYWHERE_OWNER_ONLY)
        return None

    async def _run(self, interaction: discord.Interaction, func: Callable[..., Any],
                   *args: Any, **kwargs: Any) -> Any:
        """Run a store operation off the event loop, within Discord's deadline."""
        return await within_deadline(interaction, asyncio.to_thread(func, *args, **kwargs))

    async def _edit(self, interaction: discord.Interaction, func: Callable[..., Any],
                    *args: Any, where: Target, **kwargs: Any) -> Any:
        """Apply an operation of `where`'s store and answer from what it leaves
        (`AnswerService.edited`: the write, then the rebuild of that knowledge alone), off the
        event loop, within Discord's deadline."""
        edit = functools.partial(func, *args, **kwargs)
        return await self._run(interaction, self.bot.service.edited, edit,
                               guild_id=where.guild_id)

    def _target(self, interaction: discord.Interaction, layer: str | None = None) -> Target:
        return target(self.bot, interaction.guild_id, layer)

    def _facts_here(self, guild_id: int | None) -> list[Fact]:
        """The facts a moderator here may change: the server's own, then (in an admin
        server) the shared ones."""
        own = self.bot.service.layer(guild_id)
        facts = list(own.knowledge.facts.values()) if own and own.knowledge else []
        if may_change_shared(self.bot, guild_id):
            facts += self.bot.service.knowledge.facts.values()
        return facts

    def _retry(self, interaction: discord.Interaction,
               form: Callable[[], discord.ui.Modal]) -> None:
        """A refused form's edit comes with a button that reopens the form as it was typed."""
        doing(interaction, retry=lambda: RetryView(interaction.user.id, form))

    async def _say(self, interaction: discord.Interaction, content: str | None = None,
                   **kwargs: Any) -> None:
        kwargs.setdefault("ephemeral", True)
        await respond(interaction, content, **kwargs)

    async def _applied(self, interaction: discord.Interaction, result: EditResult,
                       message: str, where: Target, *,
                       new_phrasing: tuple[str, str] | None = None) -> None:
        """An edit landed (and answers: see `_edit`): tell the moderator which knowledge it
        changed, post it to the mod log. With `new_phrasing` (fact id, phrasing), also say if
        the phrasing reads more like another fact."""
        text = texts.CHANGE_NUMBER.format(message=message, change=result.change.id)
        text += texts.IN_LAYER.format(layer=where.label)
        if where.shared:
            matcher = self.bot.service.matcher
        else:  # the layer the edit left (a lookup: no store, no folder made for it)
            own = self.bot.service.layer(where.guild_id)
            matcher = own.matcher if own is not None else None
        if new_phrasing is not None and matcher is not None:
            other = reads_like(matcher, *new_phrasing)
            if other is not None:
                text += texts.READS_LIKE.format(other=other)
        await self._say(interaction, text)
        await self.post_modlog(result.change, interaction.guild_id)

    async def _fact_or_say(self, interaction: discord.Interaction,
                           fact_id: str) -> tuple[Target, Fact] | None:
        """The fact this server sees under `fact_id`, and the knowledge holding it (another
        server's fact is not seen: "no such fact")."""
        try:
            where = target_of_fact(self.bot, interaction.guild_id, fact_id)
        except FactNotFound:
            await self._say(interaction, texts.NO_FACT.format(fact=clip(fact_id, 64)))
            return None
        return where, where.knowledge.facts[fact_id]

    async def post_modlog(self, change: Change, guild_id: int | None = None) -> None:
        """Post the change to the mod log of the server it was made in (its own, else the
        default), in the background (the moderator is not kept waiting; a failure is a
        warning, never a failed edit)."""
        channel_id = self.bot.servers.of(guild_id).modlog_channel
        if channel_id is None:
            return
        task = asyncio.create_task(self._post_modlog(change, channel_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_modlog(self, change: Change, channel_id: int) -> None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("the mod log channel %s is not a channel the bot can see (deleted, "
                        "or no access): set another with /settings mod-log", channel_id)
            return
        embed = discord.Embed(
            title=clip(texts.MODLOG_TITLE.format(change=change.id), limits.EMBED_TITLE),
            description=clip(change.summary, limits.EMBED_DESCRIPTION), colour=ANSWER_COLOUR)
        embed.add_field(name="By", value=clip(change.actor, limits.EMBED_FIELD_VALUE))
        embed.add_field(name="When", value=f"<t:{int(change.at)}:f>")
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("cannot post to the mod log channel %s: %s", channel_id, exc)

    async def fact_autocomplete(self, interaction: discord.Interaction,
                                current: str) -> list[app_commands.Choice[str]]:
        # Discord runs autocomplete without the group's check: apply the gate here too.
        if gate.refusal(self.settings, interaction) is not None:
            return []
        service = self.bot.service
        typed = current.strip().lower()
        here = self._facts_here(interaction.guild_id)
        facts = [f for f in here if f.id.startswith(typed)]
        if typed:  # ids first (moderators know them), then questions that fit the words
            facts += [f for f in service.complete(current, limit=limits.CHOICES,
                                                  guild_id=interaction.guild_id)
                      if f not in facts and f in here]
        return [app_commands.Choice(name=clip(f"{f.id}: {f.question}", limits.CHOICE_NAME),
                                    value=f.id)
                for f in facts[: limits.CHOICES]]

    async def topic_autocomplete(self, interaction: discord.Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        if gate.refusal(self.settings, interaction) is not None:
            return []
        layer = getattr(interaction.namespace, "layer", None)
        try:
            topics = self._target(interaction, layer if isinstance(layer, str) else None).topics
        except NotAllowed:
            return []
        return [app_commands.Choice(name=clip(t.title, limits.CHOICE_NAME), value=t.id)
                for t in topics
                if current.lower() in (t.id + " " + t.title).lower()][: limits.CHOICES]
