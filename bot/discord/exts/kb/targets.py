"""Which knowledge a `/kb` command changes: the shared base (every server: only from
`CAREERBOT_ADMIN_GUILDS`) or the server's own layer (`bot.core.layers`: any server's
moderators). Each reply says which it changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from discord import app_commands

from bot import texts
from bot.core.editing import KnowledgeStore
from bot.core.knowledge.errors import FactNotFound
from bot.core.knowledge.models import KnowledgeBase, Topic
from bot.core.matching import Matcher
from bot.discord.client import CareerBot
from bot.discord.errors import NotAllowed

Layer = Literal["shared", "server"]
LAYER_CHOICES = [app_commands.Choice(name=label, value=value)
                 for value, label in texts.LAYER_CHOICES.items()]


@dataclass(frozen=True, slots=True)
class Target:
    guild_id: int | None
    """The server whose own knowledge this is; None: the shared knowledge base."""
    store: KnowledgeStore
    knowledge: KnowledgeBase | None
    """What it holds now (None: a server layer that has no fact yet, or does not load)."""
    matcher: Matcher | None

    @property
    def shared(self) -> bool:
        return self.guild_id is None

    @property
    def label(self) -> str:
        return texts.LAYER_SHARED if self.shared else texts.LAYER_SERVER

    @property
    def topics(self) -> tuple[Topic, ...]:
        return self.knowledge.topics if self.knowledge is not None else ()


def may_change_shared(bot: CareerBot, guild_id: int | None) -> bool:
    return guild_id is not None and guild_id in bot.settings.admin_guilds


def target(bot: CareerBot, guild_id: int | None, layer: str | None = None) -> Target:
    """The knowledge `layer` names in this server (default: the shared base in an admin
    server, the server's own elsewhere); NotAllowed for the shared base outside the admin
    servers."""
    if guild_id is None:
        raise NotAllowed(texts.NOT_HERE)
    if layer is None:
        layer = "shared" if may_change_shared(bot, guild_id) else "server"
    service = bot.service
    if layer == "shared":
        if not may_change_shared(bot, guild_id):
            raise NotAllowed(texts.SHARED_ADMIN_ONLY)
        return Target(None, bot.store, service.knowledge, service.matcher)
    if layer != "server":  # a crafted interaction: Discord offers the two choices only
        raise NotAllowed(texts.NO_SUCH_LAYER)
    store = service.layer_store(guild_id)
    own = service.layer(guild_id)
    return Target(guild_id, store, own.knowledge if own else None, own.matcher if own else None)


def target_of_fact(bot: CareerBot, guild_id: int | None, fact_id: str) -> Target:
    """The knowledge holding `fact_id` as seen from this server (its own facts first);
    FactNotFound for a fact this server does not see (another server's, or none)."""
    own = bot.service.layer(guild_id)
    if own is not None and own.owns(fact_id):
        return target(bot, guild_id, "server")
    if fact_id in bot.service.knowledge.facts:
        return target(bot, guild_id, "shared")
    raise FactNotFound(fact_id)
