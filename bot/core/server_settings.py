"""Each server's own settings, set from Discord (`/settings`), over the operator's defaults.

The environment gives the defaults (`bot.settings`); a server's admins override any of them for
their server; `/settings reset` goes back to the default. Stored in the database
(`bot.core.storage.server_settings`), kept in memory here: the bot reads them on every message,
so reading never waits for the database. No Discord here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

MAX_QA_CHANNELS = 25
MAX_MODERATOR_ROLES = 25
COOLDOWN_QUESTIONS = (1, 1000)
COOLDOWN_SECONDS = (1, 86_400)


class BadSetting(ValueError):
    """A value a setting can not take (the message says why, for the person who set it)."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What one server has set, or the defaults where it has not."""

    qa_channels: frozenset[int] = frozenset()
    moderator_roles: frozenset[int] = frozenset()
    cooldown_questions: int = 5
    cooldown_seconds: int = 30
    ask_private: bool = False
    """`/ask` answers only the asker sees (ephemeral) instead of the channel."""
    modlog_channel: int | None = None
    overridden: frozenset[str] = field(default=frozenset(), compare=False)
    """The names this server set itself (the rest are the defaults)."""


NAMES = tuple(f.name for f in fields(ServerSettings) if f.name != "overridden")


def _ids(value: Any, name: str, most: int) -> frozenset[int]:
    if not isinstance(value, list | tuple | set | frozenset) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise BadSetting(f"{name} must be a list of ids")
    if len(value) > most:
        raise BadSetting(f"at most {most} {name.replace('_', ' ')}")
    return frozenset(value)


def _whole(value: Any, name: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadSetting(f"{name.replace('_', ' ')} must be a whole number from {low} to {high}")
    return value


def _unknown(name: str) -> BadSetting:
    return BadSetting(f"no setting named {name!r} (known: {', '.join(NAMES)})")


def checked(name: str, value: Any) -> Any:
    """`value` as setting `name` holds it; BadSetting when it can not be."""
    if name == "qa_channels":
        return _ids(value, name, MAX_QA_CHANNELS)
    if name == "moderator_roles":
        return _ids(value, name, MAX_MODERATOR_ROLES)
    if name == "cooldown_questions":
        return _whole(value, name, COOLDOWN_QUESTIONS)
    if name == "cooldown_seconds":
        return _whole(value, name, COOLDOWN_SECONDS)
    if name == "ask_private":
        if not isinstance(value, bool):
            raise BadSetting("ask_private must be true or false")
        return value
    if name == "modlog_channel":
        if value is None:
            return None
        return _whole(value, name, (1, 2**63 - 1))
    raise _unknown(name)


def stored_form(name: str, value: Any) -> Any:
    """How a checked value is stored (JSON): id sets as sorted lists."""
    return sorted(value) if isinstance(value, frozenset) else value


class ServerSettingsRegistry:
    """Every server's settings over the defaults (thread-safe; updated only after storing)."""

    def __init__(self, defaults: ServerSettings,
                 stored: Mapping[int, Mapping[str, Any]] | None = None) -> None:
        self.defaults = replace(defaults, overridden=frozenset())
        self._lock = threading.Lock()
        self._own: dict[int, dict[str, Any]] = {}
        self._effective: dict[int, ServerSettings] = {}
        self.skipped: list[str] = []
        """Stored values that were not valid any more (left out, named here for the log)."""
        for guild_id, values in (stored or {}).items():
            for name, value in values.items():
                try:
                    self._own.setdefault(guild_id, {})[name] = checked(name, value)
                except BadSetting as exc:
                    self.skipped.append(f"server {guild_id}: {exc}")

    def of(self, guild_id: int | None) -> ServerSettings:
        """The settings in force in a server (the defaults in DMs and unconfigured servers)."""
        if guild_id is None:
            return self.defaults
        with self._lock:
            found = self._effective.get(guild_id)
            if found is None:
                own = self._own.get(guild_id, {})
                found = replace(self.defaults, **own, overridden=frozenset(own))
                self._effective[guild_id] = found
            return found

    def set(self, guild_id: int, name: str, value: Any) -> ServerSettings:
        """Record a value already stored; the server's settings now in force."""
        value = checked(name, value)
        with self._lock:
            self._own.setdefault(guild_id, {})[name] = value
            self._effective.pop(guild_id, None)
        return self.of(guild_id)

    def reset(self, guild_id: int, name: str) -> ServerSettings:
        if name not in NAMES:
            raise _unknown(name)
        with self._lock:
            self._own.get(guild_id, {}).pop(name, None)
            self._effective.pop(guild_id, None)
        return self.of(guild_id)
