"""JSON payloads shaped the way Discord sends them (API v10).

Snowflakes go out as strings, as Discord sends them. Fields that discord.py reads with
``data[...]`` (and would raise ``KeyError`` on) are always present; see the notes per builder.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from .world import ChannelType, FakeChannel, FakeGuild, FakeRole, FakeUser, World, new_id

Json = dict[str, Any]

ATTACHMENT_SIZE_LIMIT = 8 * 1024 * 1024
SELECT_TYPES = (3, 5, 6, 7, 8)  # string, user, role, mentionable, channel selects
INTERACTION_VERSION = 1


class InteractionType:
    APPLICATION_COMMAND = 2
    COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class MessageType:
    DEFAULT = 0
    THREAD_CREATED = 18  # "alice started a thread: <name>", in the parent channel
    REPLY = 19

THREAD_ARCHIVE_MINUTES = 1440


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def user_payload(user: FakeUser) -> Json:
    return {
        "id": str(user.id), "username": user.name, "global_name": user.name,
        "discriminator": "0", "avatar": None, "bot": user.bot, "public_flags": 0,
    }


def member_payload(user: FakeUser, *, with_user: bool = True,
                   with_permissions: bool = False) -> Json:
    """A guild member. ``permissions`` (a string) is only sent inside interactions."""
    data: Json = {
        "roles": [str(r) for r in user.role_ids], "nick": None, "joined_at": now_iso(),
        "deaf": False, "mute": False, "flags": 0, "pending": False,
    }
    if with_user:
        data["user"] = user_payload(user)
    if with_permissions:
        data["permissions"] = str(user.permissions)
    return data


def role_payload(role: FakeRole) -> Json:
    return {
        "id": str(role.id), "name": role.name, "permissions": str(role.permissions),
        "position": role.position, "color": 0, "hoist": False, "managed": False,
        "mentionable": False, "flags": 0,
    }


def channel_payload(channel: FakeChannel) -> Json:
    if channel.type == ChannelType.DM:
        recipients = [user_payload(channel.recipient)] if channel.recipient else []
        return {"id": str(channel.id), "type": ChannelType.DM, "recipients": recipients,
                "last_message_id": None}
    if channel.is_thread:
        return thread_payload(channel)
    data: Json = {
        "id": str(channel.id), "type": channel.type, "name": channel.name,
        "guild_id": str(channel.guild_id), "position": channel.position,
        "permission_overwrites": [], "topic": None, "nsfw": False, "parent_id": None,
        "rate_limit_per_user": 0, "last_message_id": None,
    }
    if channel.is_forum:
        data |= {"available_tags": [], "default_reaction_emoji": None,
                 "default_sort_order": None, "default_forum_layout": 0,
                 "default_thread_rate_limit_per_user": 0, "flags": 0,
                 "default_auto_archive_duration": THREAD_ARCHIVE_MINUTES}
    return data


def thread_payload(thread: FakeChannel, *, newly_created: bool = False,
                   message_count: int = 0) -> Json:
    """A public thread (type 11), as GUILD_CREATE's ``threads``, THREAD_CREATE and
    ``GET /channels/{id}`` carry it. discord.py's ``Thread`` reads ``parent_id``,
    ``owner_id``, ``message_count``, ``member_count`` and ``thread_metadata`` with ``[...]``.
    THREAD_CREATE adds ``newly_created`` for a thread just made (``on_thread_create``;
    without it discord.py fires ``on_thread_join``)."""
    created = now_iso()
    data: Json = {
        "id": str(thread.id), "type": thread.type, "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id), "owner_id": str(thread.owner_id),
        "name": thread.name, "last_message_id": None, "rate_limit_per_user": 0,
        "message_count": message_count, "total_message_sent": message_count,
        "member_count": 1, "flags": 0, "applied_tags": [],
        "thread_metadata": {
            "archived": False, "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
            "archive_timestamp": created, "locked": False, "create_timestamp": created,
        },
    }
    if newly_created:
        data["newly_created"] = True
    return data


def guild_payload(guild: FakeGuild) -> Json:
    """A full GUILD_CREATE: channels, active threads, roles and members (including the bot's
    own member, which discord.py uses as ``guild.me`` for permission checks)."""
    return {
        "id": str(guild.id), "name": guild.name, "icon": None, "splash": None,
        "discovery_splash": None, "owner_id": str(guild.owner_id), "afk_channel_id": None,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
        "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
        "public_updates_channel_id": None, "preferred_locale": "en-US", "features": [],
        "roles": [role_payload(r) for r in guild.roles],
        "channels": [channel_payload(c) for c in guild.channels],
        "threads": [thread_payload(t) for t in guild.threads],
        "members": [member_payload(m) for m in guild.members],
        "member_count": len(guild.members), "large": False, "unavailable": False,
        "joined_at": now_iso(), "emojis": [], "stickers": [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def ready_payload(world: World, *, session_id: str, resume_gateway_url: str) -> Json:
    """READY lists guilds as unavailable; their GUILD_CREATE follows (READY clears the cache)."""
    return {
        "v": 10, "user": user_payload(world.bot) | {"verified": True, "mfa_enabled": False},
        "guilds": [{"id": str(g.id), "unavailable": True} for g in world.guilds],
        "session_id": session_id, "resume_gateway_url": resume_gateway_url,
        "application": {"id": str(world.application_id), "flags": 0},
        "private_channels": [], "relationships": [], "presences": [], "shard": [0, 1],
    }


def application_payload(world: World, owner: FakeUser) -> Json:
    """``GET /oauth2/applications/@me``, read by ``Client.login``."""
    return {
        "id": str(world.application_id), "name": world.bot.name, "description": "",
        "icon": None, "bot_public": False, "bot_require_code_grant": False,
        "owner": user_payload(owner), "verify_key": "0" * 64, "flags": 0,
        "rpc_origins": [], "team": None, "summary": "", "interactions_endpoint_url": None,
    }


def message_payload(
    *,
    channel: FakeChannel,
    author: FakeUser,
    content: str = "",
    message_id: int | None = None,
    mentions: list[FakeUser] | None = None,
    reference: Json | None = None,
    embeds: list[Json] | None = None,
    components: list[Json] | None = None,
    attachments: list[Json] | None = None,
    flags: int = 0,
    **extra: Any,
) -> Json:
    """A message as Discord sends it in MESSAGE_CREATE or a REST response.

    A reply carries ``message_reference`` and the full ``referenced_message`` and has type 19.
    In a guild the author's ``member`` comes along (without its ``user``)."""
    data: Json = {
        "id": str(message_id or new_id()), "channel_id": str(channel.id), "type":
        MessageType.REPLY if reference else MessageType.DEFAULT,
        "author": user_payload(author), "content": content, "timestamp": now_iso(),
        "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [user_payload(u) for u in mentions or []], "mention_roles": [],
        "attachments": attachments or [], "embeds": embeds or [], "pinned": False,
        "flags": flags, "components": components or [],
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
        data["member"] = member_payload(author, with_user=False)
    if reference:
        data["message_reference"] = {
            "type": 0, "message_id": reference["id"], "channel_id": reference["channel_id"],
            **({"guild_id": reference["guild_id"]} if "guild_id" in reference else {}),
        }
        data["referenced_message"] = reference
    return data | extra


def interaction_payload(
    world: World, *, type: int, user: FakeUser, channel: FakeChannel, data: Json | None,
    message: Json | None = None, interaction_id: int | None = None, token: str | None = None,
) -> Json:
    """The common INTERACTION_CREATE envelope.

    discord.py raises ``KeyError`` without ``id, type, token, version, application_id,
    attachment_size_limit``. In a guild the invoker is ``member`` (with ``permissions``, read
    by permission checks); in a DM it is ``user``. ``app_permissions`` are the bot's
    permissions in the channel. ``context`` 0 = guild, 1 = bot DM."""
    interaction_id = interaction_id or new_id()
    in_guild = channel.guild_id is not None
    payload: Json = {
        "id": str(interaction_id), "type": type, "token": token or f"itoken-{interaction_id}",
        "version": INTERACTION_VERSION, "application_id": str(world.application_id),
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT, "channel_id": str(channel.id),
        "channel": channel_payload(channel), "app_permissions": str(world.bot.permissions),
        "entitlements": [], "locale": "en-US", "context": 0 if in_guild else 1,
        "authorizing_integration_owners": (
            {"0": str(channel.guild_id)} if in_guild else {"1": str(user.id)}
        ),
    }
    if data is not None:
        payload["data"] = data
    if in_guild:
        payload["guild_id"] = str(channel.guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member_payload(user, with_permissions=True)
    else:
        payload["user"] = user_payload(user)
    if message is not None:
        payload["message"] = message
    return payload


def command_data(command: Json, options: list[Json], *, target: Json | None = None,
                 resolved: Json | None = None) -> Json:
    """``data`` of an application-command interaction. ``command`` is the registered command
    (its ``guild_id`` tells discord.py's ``CommandTree`` where to look it up)."""
    data: Json = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    if options:
        data["options"] = options
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if target is not None:
        data["target_id"] = target["id"]
    if resolved:
        data["resolved"] = resolved
    return data


def walk_components(components: list[Json]) -> Iterator[Json]:
    """Every component, depth first: action rows (1), labels (18), sections' accessories..."""
    for component in components or []:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


def component_data(component: Json, values: list[str] | None = None) -> Json:
    """``data`` of a component interaction: ``custom_id`` + ``component_type`` are the key of
    discord.py's ``ViewStore`` (with the message id); selects add ``values``."""
    data: Json = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if component["type"] != 2:
        data["values"] = list(values or [])
    return data


def modal_submit_data(modal: Json, values: dict[str, str]) -> Json:
    """``data`` of a modal submit: the modal's layout with each text input's ``value``.

    Text inputs (type 4) sit in action rows (type 1) or labels (type 18); the submitted
    layout mirrors what the bot sent."""

    def fill(component: Json) -> Json:
        if component["type"] == 1:
            return {"type": 1, "components": [fill(c) for c in component["components"]]}
        if component["type"] == 18:
            return {"type": 18, "component": fill(component["component"])}
        submitted: Json = {"type": component["type"], "custom_id": component.get("custom_id")}
        if component["type"] == 4:
            submitted["value"] = values.get(component["custom_id"], component.get("value") or "")
        elif component["type"] in SELECT_TYPES:
            submitted["values"] = []  # selects in modals are submitted empty
        return submitted

    return {"custom_id": modal["custom_id"], "components": [fill(c) for c in modal["components"]]}
