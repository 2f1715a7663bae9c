"""The people and places of the fake Discord: plain, immutable descriptions.

A test talks about ``alice`` in ``#general``; the fake server turns those into the JSON that
Discord would send (see :mod:`.payloads`). Ids are real snowflakes (time-based), so
``discord.Object(id).created_at`` and friends behave as in production.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

DISCORD_EPOCH_MS = 1_420_070_400_000
_counter = itertools.count(1)


def new_id() -> int:
    """A fresh, increasing snowflake: milliseconds since the Discord epoch << 22, plus a counter."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38

    MEMBER = (
        VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ADD_REACTIONS | EMBED_LINKS
        | ATTACH_FILES | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS
    )
    MODERATOR = MEMBER | MANAGE_MESSAGES | MANAGE_GUILD | MANAGE_CHANNELS
    BOT = MEMBER


class Intent:
    """Gateway intent bits the fake server honours when delivering messages."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


class ChannelType:
    GUILD_TEXT = 0
    DM = 1


@dataclass(frozen=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0


@dataclass(frozen=True)
class FakeUser:
    """A Discord user and, in the guild, their member: ``permissions`` are their total
    guild permissions as Discord computes them for ``member.permissions`` in interactions."""

    id: int
    name: str
    bot: bool = False
    role_ids: tuple[int, ...] = ()
    permissions: int = Perm.MEMBER

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True)
class FakeChannel:
    """A guild text channel (``guild_id`` set) or a DM channel (``recipient`` set)."""

    id: int
    name: str
    guild_id: int | None = None
    type: int = ChannelType.GUILD_TEXT
    recipient: FakeUser | None = None
    position: int = 0

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM


@dataclass(frozen=True)
class FakeFile:
    """A file a user attaches to a command option (type 11), served by the fake CDN at ``url``.
    Make one with ``FakeDiscord.upload(filename, data)``."""

    id: int
    filename: str
    data: bytes
    url: str
    content_type: str = "application/octet-stream"


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)


@dataclass
class World:
    """Everything the fake server knows about: the bot's application, guilds and users.

    Look things up by name: ``world.user("alice")``, ``world.channel("general")``.
    DM channels are created on demand, one per user, as Discord does.
    """

    application_id: int
    bot: FakeUser
    guilds: list[FakeGuild]
    dm_channels: dict[int, FakeChannel] = field(default_factory=dict)

    @classmethod
    def default(cls, *, bot_name: str = "CareerBot") -> World:
        """One guild with ``#general`` and ``#careers``; members ``alice``, ``bob`` and ``mod``
        (Moderator role with Manage Server); the bot with its own role."""
        app_id = new_id()
        guild_id = new_id()
        everyone = FakeRole(guild_id, "@everyone", Perm.MEMBER)
        moderator = FakeRole(new_id(), "Moderator", Perm.MODERATOR, position=2)
        bot_role = FakeRole(new_id(), bot_name, Perm.BOT, position=1)
        bot = FakeUser(app_id, bot_name, bot=True, role_ids=(bot_role.id,), permissions=Perm.BOT)
        members = [
            FakeUser(new_id(), "alice"),
            FakeUser(new_id(), "bob"),
            FakeUser(new_id(), "mod", role_ids=(moderator.id,), permissions=Perm.MODERATOR),
            bot,
        ]
        channels = [
            FakeChannel(new_id(), "general", guild_id, position=0),
            FakeChannel(new_id(), "careers", guild_id, position=1),
        ]
        guild = FakeGuild(
            guild_id, "CareerBot Test Guild", owner_id=members[2].id, channels=channels,
            roles=[everyone, moderator, bot_role], members=members,
        )
        return cls(application_id=app_id, bot=bot, guilds=[guild])

    @property
    def guild(self) -> FakeGuild:
        """The first (usually only) guild."""
        return self.guilds[0]

    def user(self, name: str) -> FakeUser:
        for guild in self.guilds:
            for member in guild.members:
                if member.name == name:
                    return member
        raise KeyError(f"no user named {name!r}")

    def channel(self, name_or_id: str | int) -> FakeChannel:
        for channel in self.all_channels():
            if name_or_id in (channel.name, channel.id):
                return channel
        raise KeyError(f"no channel {name_or_id!r}")

    def role(self, name: str) -> FakeRole:
        for guild in self.guilds:
            for role in guild.roles:
                if role.name == name:
                    return role
        raise KeyError(f"no role named {name!r}")

    def find_channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.all_channels() if c.id == channel_id), None)

    def find_user(self, user_id: int) -> FakeUser | None:
        return next((m for g in self.guilds for m in g.members if m.id == user_id), None)

    def all_channels(self) -> list[FakeChannel]:
        return [c for g in self.guilds for c in g.channels] + list(self.dm_channels.values())

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (created the first time)."""
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = FakeChannel(
                new_id(), f"dm-{user.name}", None, ChannelType.DM, recipient=user
            )
        return self.dm_channels[user.id]

    def add_channel(self, name: str, guild: FakeGuild | None = None) -> FakeChannel:
        """Add a text channel (before the bot connects, or it will not be in its cache)."""
        guild = guild or self.guild
        channel = FakeChannel(new_id(), name, guild.id, position=len(guild.channels))
        guild.channels.append(channel)
        return channel

    def add_user(self, name: str, *, role_ids: tuple[int, ...] = (),
                 permissions: int = Perm.MEMBER, guild: FakeGuild | None = None) -> FakeUser:
        """Add a guild member (before the bot connects, or it will not be in its cache)."""
        user = FakeUser(new_id(), name, role_ids=role_ids, permissions=permissions)
        (guild or self.guild).members.append(user)
        return user
