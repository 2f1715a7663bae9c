"""One typed settings object, read from the environment and `.env`, checked at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.core.knowledge.loader import bundled_knowledge_dir
from bot.core.server_settings import ServerSettings


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it (never its secret value)."""


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a comma-separated list of numeric ids") from None


def _one_id(env: Mapping[str, str], name: str) -> int | None:
    ids = _ids(env, name)
    if len(ids) > 1:
        raise SettingsError(f"{name} takes one channel id")
    return next(iter(ids), None)


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(schemes):
        raise SettingsError(f"{name} must start with {' or '.join(schemes)}")
    return value.rstrip("/")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}")
    return value


def _database_url(env: Mapping[str, str], name: str) -> Secret:
    value = env.get(name, "").strip()
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{name} must be a postgresql:// URL")
    return Secret(value)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false")


@dataclass(frozen=True, slots=True)
class Settings:
    token: Secret = field(default_factory=lambda: Secret(""))
    knowledge_dir: Path = field(default_factory=bundled_knowledge_dir)
    data_dir: Path = Path("data")
    qa_channels: frozenset[int] = frozenset()
    dev_guilds: frozenset[int] = frozenset()
    admin_guilds: frozenset[int] = frozenset()
    moderator_roles: frozenset[int] = frozenset()
    modlog_channel: int | None = None
    watch_interval: float = 2.0
    knowledge_recheck: float = 10.0
    """With PostgreSQL: how often every knowledge base's version is re-read, in case a
    notification of another process's edit was missed."""
    api_base_url: str | None = None
    gateway_url: str | None = None
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"
    log_file: Path | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    cooldown_questions: int = 5
    cooldown_seconds: int = 30
    log_level: str = "INFO"
    embedding_model: str | None = None
    """A path to the model file, "off", or None for the installed package's."""
    database_url: Secret = field(default_factory=lambda: Secret(""))
    """PostgreSQL (`postgresql://user:password@host/db`) shared by every process; empty: the
    SQLite file in the data directory."""
    message_content: bool = False
    """Ask Discord for message content (a privileged intent): needed to answer unprompted in
    Q&A channels, whether set here or by a server's `/settings`."""

    def server_defaults(self) -> ServerSettings:
        """What a server has until its admins set their own (`/settings`)."""
        return ServerSettings(
            qa_channels=self.qa_channels, moderator_roles=self.moderator_roles,
            cooldown_questions=self.cooldown_questions, cooldown_seconds=self.cooldown_seconds,
            modlog_channel=self.modlog_channel)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Settings from `environ` (default: os.environ), with `.env` filling in what is unset."""
        env: dict[str, str] = {}
        if dotenv:
            env.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
        env.update(os.environ if environ is None else environ)
        knowledge = env.get("CAREERBOT_KNOWLEDGE", "").strip()
        level = env.get("CAREERBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError("CAREERBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        metrics_port = env.get("CAREERBOT_METRICS_PORT", "").strip()
        log_file = env.get("CAREERBOT_LOG_FILE", "").strip()
        shard_count = env.get("CAREERBOT_SHARD_COUNT", "").strip()
        shard_ids = tuple(sorted(_ids(env, "CAREERBOT_SHARD_IDS"))) or None
        count = _int(env, "CAREERBOT_SHARD_COUNT", 1, 1, 10000) if shard_count else None
        if shard_ids and count is None:
            raise SettingsError("CAREERBOT_SHARD_IDS needs CAREERBOT_SHARD_COUNT")
        if shard_ids and count is not None and max(shard_ids) >= count:
            raise SettingsError("CAREERBOT_SHARD_IDS must be below CAREERBOT_SHARD_COUNT")
        return cls(
            metrics_port=_int(env, "CAREERBOT_METRICS_PORT", 0, 1, 65535) if metrics_port
            else None,
            metrics_address=env.get("CAREERBOT_METRICS_ADDRESS", "").strip() or "127.0.0.1",
            log_file=Path(log_file) if log_file else None,
            shard_count=count,
            shard_ids=shard_ids,
            token=Secret(env.get("DISCORD_TOKEN", "").strip()),
            knowledge_dir=Path(knowledge) if knowledge else bundled_knowledge_dir(),
            data_dir=Path(env.get("CAREERBOT_DATA_DIR", "").strip() or "data"),
            qa_channels=_ids(env, "CAREERBOT_QA_CHANNELS"),
            dev_guilds=_ids(env, "CAREERBOT_DEV_GUILDS"),
            admin_guilds=_ids(env, "CAREERBOT_ADMIN_GUILDS"),
            moderator_roles=_ids(env, "CAREERBOT_MODERATOR_ROLES"),
            modlog_channel=_one_id(env, "CAREERBOT_MODLOG_CHANNEL"),
            watch_interval=float(_int(env, "CAREERBOT_WATCH_SECONDS", 2, 0, 3600)),
            knowledge_recheck=float(_int(env, "CAREERBOT_KNOWLEDGE_RECHECK_SECONDS", 10, 1,
                                         3600)),
            api_base_url=_url(env, "DISCORD_API_BASE_URL", ("http://", "https://")),
            gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws://", "wss://")),
            cooldown_questions=_int(env, "CAREERBOT_COOLDOWN_QUESTIONS", 5, 1, 1000),
            cooldown_seconds=_int(env, "CAREERBOT_COOLDOWN_SECONDS", 30, 1, 86400),
            log_level=level,
            embedding_model=env.get("CAREERBOT_EMBEDDING_MODEL", "").strip() or None,
            database_url=_database_url(env, "CAREERBOT_DATABASE_URL"),
            message_content=_flag(env, "CAREERBOT_MESSAGE_CONTENT",
                                  default=bool(_ids(env, "CAREERBOT_QA_CHANNELS"))),
        )
