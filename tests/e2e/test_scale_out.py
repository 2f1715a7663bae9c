"""Scale-out: two bot processes (shards 0 and 1 of 2) share one knowledge directory.

An edit made through one process is answered by the other within seconds (it watches the
files), and concurrent edits through both processes all land (a file lock around each
read-modify-write)."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from tests.discord_harness import BotMessage, FakeChannel, FakeGuild, FakeRole, Harness, Perm, World
from tests.e2e.test_process import START_TIMEOUT, bot_env, read_until, start_process

PAY = "average-salary"


def second_guild(world: World) -> FakeGuild:
    """A guild on the other shard: Discord routes guild g to shard (g >> 22) % shard_count."""
    first = world.guild
    guild_id = (((first.id >> 22) + 1) << 22) | 7
    everyone = FakeRole(guild_id, "@everyone", Perm.MEMBER)
    bot_role = FakeRole(guild_id + 1, world.bot.name, Perm.BOT, position=1)
    channel = FakeChannel(guild_id + 2, "lobby", guild_id)
    members = [m for m in first.members]
    return FakeGuild(guild_id, "Second Server", owner_id=first.owner_id, channels=[channel],
                     roles=[everyone, bot_role], members=members)


@pytest.fixture
def discord_world() -> World:
    world = World.default()
    world.guilds.append(second_guild(world))
    return world


async def ask_in(h: Harness, channel: FakeChannel, question: str) -> BotMessage:
    since = h.server.mark()
    trigger = await h.post(h.user("alice"), channel, question, mention_bot=True)
    request = await h.server.wait_for_request("POST", f"/channels/{channel.id}/messages",
                                              since=since, timeout=10)
    return BotMessage(request, h.server.store.get(request.response["id"]), trigger=trigger)


def fact_of(reply: BotMessage) -> str | None:
    votes = [c for c in reply.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def test_two_processes_share_one_knowledge_directory(fake_discord, tmp_path):
    world = fake_discord.world
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    guilds = {g.id: g for g in world.guilds}
    shared = {
        "CAREERBOT_KNOWLEDGE": str(knowledge),
        "CAREERBOT_ADMIN_GUILDS": ",".join(str(g) for g in guilds),
        "CAREERBOT_SHARD_COUNT": "2",
        "CAREERBOT_WATCH_SECONDS": "1",
        "CAREERBOT_COOLDOWN_QUESTIONS": "1000",
    }
    processes, logs = [], []
    try:
        for shard in (0, 1):
            env = bot_env(fake_discord, tmp_path / "data", CAREERBOT_SHARD_IDS=str(shard),
                          **shared)
            processes.append(await start_process(env, "run"))
            logs.append([])
        for process, lines in zip(processes, logs, strict=True):
            await asyncio.wait_for(read_until(process, "connected as", lines), START_TIMEOUT)

        h = Harness(fake_discord)
        on_shard = {(g.id >> 22) % 2: g for g in world.guilds}
        first, second = on_shard[0].channels[0], on_shard[1].channels[0]
        phrasing = "what kind of dosh do ml folks pull in"

        # An edit through shard 0's process...
        result = await h.slash(h.user("mod"), first, "kb alias", fact=PAY, phrasing=phrasing)
        assert "now also answers" in result.content
        # ...is answered by shard 1's process within seconds (it watches the files).
        for _ in range(20):
            if fact_of(await ask_in(h, second, phrasing)) == PAY:
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError("the other process never picked up the edit")

        # Concurrent edits through both processes all land.
        facts = [f for f in load_knowledge_base(knowledge).facts if f != PAY][:10]
        calls = [h.slash(h.user("mod"), channel, "kb alias", fact=fact,
                         phrasing=f"scale out phrasing {channel.guild_id % 97} {i}")
                 for i, fact in enumerate(facts) for channel in (first, second)]
        results = await asyncio.gather(*calls)
        assert all("now also answers" in r.content for r in results), [r.content for r in results]
        phrasings = {p for f in load_knowledge_base(knowledge).facts.values() for p in f.alternates}
        for i in range(len(facts)):
            for channel in (first, second):
                assert f"scale out phrasing {channel.guild_id % 97} {i}" in phrasings
        assert phrasing in phrasings
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), timeout=20)
    assert [p.returncode for p in processes] == [0, 0]
