"""What the load benchmark (``tests.bench.load``) sets up around the bot processes: the world's
guilds (one per shard at least), each process's home (data directory, knowledge folder,
embeddings cache, settings) and a PostgreSQL database of its own for one bench run."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching.semantic import EMBEDDINGS_DIR
from bot.core.storage.backends import redacted
from bot.devtools.bench.synthetic import write_yaml
from tests.discord_harness import FakeDiscord, World
from tests.discord_harness.world import FakeChannel, FakeGuild, FakeRole, FakeUser, Perm, new_id

SEED = 5
CHANNELS = 10
"""Text channels per guild the questions are spread over."""
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "careerbot-load-cache"


# -- the world ---------------------------------------------------------------------------------

def shard_of(guild_id: int, shards: int) -> int:
    """The shard Discord routes a guild to."""
    return (guild_id >> 22) % shards


def guild_on_shard(world: World, shard: int, shards: int, number: int) -> FakeGuild:
    """A guild with the first guild's members (the load's users), on ``shard`` of ``shards``
    (as ``tests.e2e.test_scale_out.second_guild`` makes one, but for any shard), with
    ``CHANNELS`` text channels. Added before the bot connects."""
    guild_id = new_id()
    while shard_of(guild_id, shards) != shard:  # the id's high bits are milliseconds
        time.sleep(0.0005)
        guild_id = new_id()
    first = world.guild
    bot_role = FakeRole(new_id(), world.bot.name, Perm.BOT, position=1)
    channels = [FakeChannel(new_id(), f"load-{number}-{i}", guild_id, position=i)
                for i in range(CHANNELS)]
    members = [replace(m, role_ids=(bot_role.id,)) if m.id == world.bot.id else m
               for m in first.members]
    return FakeGuild(guild_id, f"Load Server {number}", owner_id=first.owner_id,
                     channels=channels, members=members,
                     roles=[FakeRole(guild_id, "@everyone", Perm.MEMBER), bot_role])


def load_world(users: int, shards: int) -> tuple[World, list[FakeUser], list[list[FakeChannel]]]:
    """The default world, ``users`` members and ``CHANNELS`` channels in its guild and, with
    several shards, one more guild (the same members) on each shard it is not on. Returns the
    world, the users and each guild's channels (the first guild's first)."""
    world = World.default()
    people = [world.add_user(f"user{i:04d}") for i in range(users)]
    channels = [world.channel("general"), world.channel("careers")]
    channels += [world.add_channel(f"load-{i}") for i in range(CHANNELS - len(channels))]
    covered = {shard_of(world.guild.id, shards)}
    for shard in range(shards):
        if shard not in covered:
            world.guilds.append(guild_on_shard(world, shard, shards, len(world.guilds) + 1))
    return world, people, [channels] + [g.channels for g in world.guilds[1:]]


# -- each bot process's home ---------------------------------------------------------------------

def write_knowledge(facts: list[Fact], root: Path) -> None:
    """The synthetic knowledge base as a knowledge folder (what every process copies)."""
    write_yaml(KnowledgeBase.from_facts(facts), root)


def cache_folder(args: argparse.Namespace) -> Path | None:
    """Where the phrasing vectors of this knowledge base are kept across bench runs (None with
    ``--cold``): one folder per size, as the cache keeps only the vectors of one base."""
    if args.cold:
        return None
    return Path(args.cache) / f"facts-{args.facts}-seed-{SEED}"


def make_home(home: Path, knowledge: Path, cache: Path | None) -> Path:
    """A bot process's own data directory and its own copy of the knowledge folder, its
    embeddings folder a copy of the cache (as a machine restarting with its data directory
    has it). Returns the data directory."""
    data = home / "data"
    data.mkdir(parents=True)
    shutil.copytree(knowledge, home / "knowledge")
    if cache is not None and cache.is_dir():
        shutil.copytree(cache, data / EMBEDDINGS_DIR)
    return data


def cache_is_warm(cache: Path | None) -> bool:
    return cache is not None and any(cache.glob("embeddings-*.npz"))


def keep_in_cache(data: Path, cache: Path | None) -> None:
    """What a process embedded or calibrated at start (a cold cache) goes back into the cache,
    for the next process and the next bench run (files it left unchanged are not copied)."""
    source = data / EMBEDDINGS_DIR
    if cache is None or not source.is_dir():
        return
    cache.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        target = cache / file.name
        if not file.is_file() or file.name.startswith("."):
            continue
        mine = file.stat()
        with contextlib.suppress(FileNotFoundError):
            theirs = target.stat()
            if (theirs.st_size, theirs.st_mtime) == (mine.st_size, mine.st_mtime):
                continue
        partial = cache / f".{file.name}.{os.getpid()}.tmp"
        shutil.copy2(file, partial)
        os.replace(partial, target)  # another bench run reading the cache sees a whole file


def bot_environment(server: FakeDiscord, home: Path, args: argparse.Namespace, *,
                    shard: int, database_url: str | None) -> dict[str, str]:
    """The settings of bot process ``shard`` as production gives them (environment variables,
    read by ``Settings.from_env``): its own data directory and knowledge folder, the shared
    database, and with several processes its shard."""
    env = {
        "DISCORD_TOKEN": server.token,
        "DISCORD_API_BASE_URL": server.api_url,
        "DISCORD_GATEWAY_URL": server.gateway_url,
        "CAREERBOT_DATA_DIR": str(home / "data"),
        "CAREERBOT_KNOWLEDGE": str(home / "knowledge"),
        "CAREERBOT_WATCH_SECONDS": "0",
        "CAREERBOT_COOLDOWN_QUESTIONS": str(args.cooldown_questions),
        "CAREERBOT_COOLDOWN_SECONDS": str(args.cooldown_seconds),
    }
    if database_url:
        env["CAREERBOT_DATABASE_URL"] = database_url
    if args.processes > 1:
        env["CAREERBOT_SHARD_COUNT"] = str(args.processes)
        env["CAREERBOT_SHARD_IDS"] = str(shard)
    return env


# -- the database -------------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_database(server_url: str | None) -> Iterator[str | None]:
    """A new, empty database ``careerbot_bench_<random>`` on the server of ``server_url``,
    dropped afterwards (as ``tests/postgres.py`` makes one per test); None without a URL."""
    if not server_url:
        yield None
        return
    import psycopg

    name = f"careerbot_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def describe_database(url: str | None, processes: int) -> str:
    if not url:
        return "SQLite (a file in the bot's data directory)"
    shared = "shared by the bot processes" if processes > 1 else "one bot process"
    return f"PostgreSQL {redacted(url)} (fresh for this run, dropped after; {shared})"
