"""The people and places of the fake Discord: plain, immutable descriptions.

A test talks about ``alice`` in ``#general``; the fake server turns those into the JSON that
Discord would send (see :mod:`.payloads`). Ids are real snowflakes (time-based), so
``discord.Object(id).created_at`` and friends behave as in production.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

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
    """Channel types (https://discord.com/developers/docs/resources/channel#channel-object)."""

    GUILD_TEXT = 0
    DM = 1
    PUBLIC_THREAD = 11
    GUILD_FORUM = 15


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
    """A guild text channel (``guild_id`` set), a forum, a DM channel (``recipient`` set) or a
    public thread (``parent_id``: its text channel or forum; ``owner_id``: who started it)."""

    id: int
    name: str
    guild_id: int | None = None
    type: int = ChannelType.GUILD_TEXT
    recipient: FakeUser | None = None
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    @property
    def is_thread(self) -> bool:
        return self.type == ChannelType.PUBLIC_THREAD

    @property
    def is_forum(self) -> bool:
        return self.type == ChannelType.GUILD_FORUM


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
    """A guild. Its active threads are kept apart from its channels, as GUILD_CREATE sends
    them (``threads`` next to ``channels``)."""

    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    threads: list[FakeChannel] = field(default_factory=list)


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
    def default(cls, *, bot_name: str = "CareerBot", guilds: int = 1) -> World:
        """One guild with ``#general`` and ``#careers``; members ``alice``, ``bob`` and ``mod``
        (Moderator role with Manage Server); the bot with its own role. ``guilds=2`` (or more)
        adds further guilds with ``add_guild``'s default names."""
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
        world = cls(application_id=app_id, bot=bot, guilds=[guild])
        for _ in range(guilds - 1):
            world.add_guild()
        return world

    def add_guild(self, name: str | None = None, *, channels: Sequence[str] | None = None,
                  members: Sequence[str] | None = None, moderator: str | None = None,
                  ) -> FakeGuild:
        """Another guild the bot is in (before it connects: each guild reaches it as its own
        GUILD_CREATE). It has its own ``@everyone``, Moderator and bot roles, text channels,
        members and a moderator (Manage Server, Moderator role) who owns it.

        Names must be new, so ``world.user(name)``/``world.channel(name)`` stay unambiguous;
        the defaults number them by guild: guild 2 has ``#general-2``, ``#careers-2``,
        ``member-2`` and ``mod-2``."""
        number = len(self.guilds) + 1
        channels = list(channels or (f"general-{number}", f"careers-{number}"))
        members = list(members or (f"member-{number}",))
        moderator = moderator or f"mod-{number}"
        self._check_new_names(users=[*members, moderator], channels=channels)
        guild_id = new_id()
        moderator_role = FakeRole(new_id(), "Moderator", Perm.MODERATOR, position=2)
        bot_role = FakeRole(new_id(), self.bot.name, Perm.BOT, position=1)
        owner = FakeUser(new_id(), moderator, role_ids=(moderator_role.id,),
                         permissions=Perm.MODERATOR)
        guild = FakeGuild(
            guild_id, name or f"Guild {number}", owner_id=owner.id,
            channels=[FakeChannel(new_id(), c, guild_id, position=i)
                      for i, c in enumerate(channels)],
            roles=[FakeRole(guild_id, "@everyone", Perm.MEMBER), moderator_role, bot_role],
            members=[*(FakeUser(new_id(), m) for m in members), owner,
                     replace(self.bot, role_ids=(bot_role.id,))],
        )
        self.guilds.append(guild)
        return guild

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

    def role(self, name: str, guild: FakeGuild | None = None) -> FakeRole:
        """A role by name: the first guild's unless ``guild`` is given (each guild has its
        own ``Moderator`` role)."""
        for searched in [guild] if guild else self.guilds:
            for role in searched.roles:
                if role.name == name:
                    return role
        raise KeyError(f"no role named {name!r}")

    def find_channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.all_channels() if c.id == channel_id), None)

    def find_user(self, user_id: int) -> FakeUser | None:
        return next((m for g in self.guilds for m in g.members if m.id == user_id), None)

    def find_guild(self, guild_id: int | None) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def member_in(self, guild_id: int | None, user: FakeUser) -> FakeUser:
        """``user`` as a member of that guild (their roles there): the bot has a role per
        guild. The user themselves outside guilds or when not a member."""
        guild = self.find_guild(guild_id)
        found = guild and next((m for m in guild.members if m.id == user.id), None)
        return found or user

    def all_channels(self) -> list[FakeChannel]:
        """Every channel a message can be in: guild channels, active threads, DMs."""
        return ([c for g in self.guilds for c in [*g.channels, *g.threads]]
                + list(self.dm_channels.values()))

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (created the first time)."""
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = FakeChannel(
                new_id(), f"dm-{user.name}", None, ChannelType.DM, recipient=user
            )
        return self.dm_channels[user.id]

    def add_channel(self, name: str, guild: FakeGuild | None = None, *,
                    type: int = ChannelType.GUILD_TEXT) -> FakeChannel:
        """Add a text channel (before the bot connects, or it will not be in its cache)."""
        guild = guild or self.guild
        channel = FakeChannel(new_id(), name, guild.id, type=type, position=len(guild.channels))
        guild.channels.append(channel)
        return channel

    def add_forum(self, name: str, guild: FakeGuild | None = None) -> FakeChannel:
        """Add a forum channel (type 15): its posts are threads (see ``Harness.forum_post``)."""
        return self.add_channel(name, guild, type=ChannelType.GUILD_FORUM)

    def add_thread(self, parent: FakeChannel, name: str, owner: FakeUser, *,
                   thread_id: int | None = None) -> FakeChannel:
        """Add an active public thread under a text channel or forum. Added before the bot
        connects, it comes in GUILD_CREATE; afterwards, ``Harness.create_thread`` and
        ``Harness.forum_post`` also tell the bot (THREAD_CREATE). A forum post's id is its
        starter message's id (``thread_id``)."""
        guild = self.find_guild(parent.guild_id)
        if guild is None or parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_FORUM):
            raise ValueError(f"#{parent.name} is not a guild text channel or forum")
        thread = FakeChannel(thread_id or new_id(), name, guild.id, ChannelType.PUBLIC_THREAD,
                             parent_id=parent.id, owner_id=owner.id)
        guild.threads.append(thread)
        return thread

    def add_user(self, name: str, *, role_ids: tuple[int, ...] = (),
                 permissions: int = Perm.MEMBER, guild: FakeGuild | None = None) -> FakeUser:
        """Add a guild member (before the bot connects, or it will not be in its cache)."""
        user = FakeUser(new_id(), name, role_ids=role_ids, permissions=permissions)
        (guild or self.guild).members.append(user)
        return user

    def _check_new_names(self, *, users: Sequence[str], channels: Sequence[str]) -> None:
        taken_users = {m.name for g in self.guilds for m in g.members}
        taken_channels = {c.name for c in self.all_channels()}
        clashes = sorted({*users} & taken_users | {*channels} & taken_channels)
        if clashes or len(set(users)) < len(users) or len(set(channels)) < len(channels):
            raise ValueError(f"names already in use (lookups by name would be ambiguous): "
                             f"{clashes or 'repeated in the arguments'}")
