"""The bot as it really runs: `python -m bot run` in its own process, configured only by its
environment, against the local Discord-compatible server; stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.discord_harness import FakeDiscord, Harness

ROOT = Path(__file__).resolve().parents[2]
SECRET_TOKEN = "process-test-token.Zx9Qw3Rt7Yu1Io5Pa"
START_TIMEOUT = 30.0


@pytest.fixture
def discord_world():
    from tests.discord_harness import World

    return World.default()


def bot_env(server: FakeDiscord, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CAREERBOT_"))}
    env.update(
        DISCORD_TOKEN=server.token,
        DISCORD_API_BASE_URL=server.api_url,
        DISCORD_GATEWAY_URL=server.gateway_url,
        CAREERBOT_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


async def start_process(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )


@pytest.fixture
async def secret_server(discord_world):
    import discord  # noqa: F401  (the server module imports it too)

    server = await FakeDiscord(discord_world, token=SECRET_TOKEN).start()
    yield server
    await server.stop()


async def read_until(process: asyncio.subprocess.Process, marker: str, lines: list[str]):
    """Collect the process's output lines until one contains `marker`."""
    assert process.stdout is not None
    while True:
        line = (await process.stdout.readline()).decode()
        if not line:
            raise AssertionError(f"the bot exited before {marker!r}:\n{''.join(lines)}")
        lines.append(line)
        if marker in line:
            return


async def test_runs_from_its_environment_and_stops_on_sigterm(secret_server, tmp_path):
    server = secret_server
    process = await start_process(bot_env(server, tmp_path / "data"), "run", "--log-level",
                                  "DEBUG")
    lines: list[str] = []
    try:
        await asyncio.wait_for(read_until(process, "connected as", lines), START_TIMEOUT)
        h = Harness(server)
        reply = await h.dm(h.user("alice"), "what skills do ml engineers need?", timeout=10)
        assert reply.ok and "skill" in reply.text.lower()
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = "".join(lines) + output.decode()
    assert process.returncode == 0, log
    assert "shutting down" in log
    assert "question via=dm answered=True" in log  # one INFO line per question
    assert SECRET_TOKEN not in log  # not even at DEBUG, where discord.py logs its HTTP calls
    assert "semantic index ready: " in log and "phrasings (built)" in log  # below snapshot size
    # its start kept the knowledge folder's parsed YAML for the next one
    assert len(list((tmp_path / "data" / "parsed").glob("yaml-*.json"))) == 1


async def test_invalid_token_exits_with_a_clear_message(secret_server, tmp_path):
    env = bot_env(secret_server, tmp_path / "data")
    env["DISCORD_TOKEN"] = "wrong-token-wrong-token"
    process = await start_process(env, "run")
    output, _ = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    log = output.decode()
    assert process.returncode == 1
    assert "Discord rejected DISCORD_TOKEN" in log
    assert "wrong-token-wrong-token" not in log


async def test_bad_setting_names_the_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CAREERBOT_"))}
    env.update(DISCORD_TOKEN="some-token-value", CAREERBOT_QA_CHANNELS="general")
    process = await start_process(env, "run")
    output, _ = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert "CAREERBOT_QA_CHANNELS must be a comma-separated list" in output.decode()
    assert "some-token-value" not in output.decode()


async def test_sigterm_during_a_burst_of_edits_loses_no_acknowledged_edit(secret_server,
                                                                          tmp_path):
    """SIGTERM while moderators' edits stream in: every edit the bot acknowledged is on disk,
    and the files load."""
    import shutil

    from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base

    server = secret_server
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    env = bot_env(server, tmp_path / "data", CAREERBOT_KNOWLEDGE=str(knowledge),
                  CAREERBOT_ADMIN_GUILDS=str(server.world.guild.id))
    process = await start_process(env, "run")
    lines: list[str] = []
    try:
        await asyncio.wait_for(read_until(process, "connected as", lines), START_TIMEOUT)
        h = Harness(server)
        facts = list(load_knowledge_base(knowledge).facts)
        first_acknowledged = asyncio.Event()

        async def edit(i: int) -> str | None:
            await asyncio.sleep(0.02 * i)  # a stream, not one burst
            try:
                result = await h.slash(h.user("mod"), h.channel("general"), "kb alias",
                                       fact=facts[i % len(facts)],
                                       phrasing=f"sigterm stream phrasing {i}", timeout=5)
            except AssertionError:
                return None  # no answer: the bot was stopping
            if "now also answers" not in result.content:
                return None
            first_acknowledged.set()
            return f"sigterm stream phrasing {i}"

        edits = [asyncio.create_task(edit(i)) for i in range(40)]
        # mid-stream: once an edit is acknowledged (a fixed delay raced a loaded machine)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_acknowledged.wait(), timeout=5)
        process.send_signal(signal.SIGTERM)
        acknowledged = [p for p in await asyncio.gather(*edits) if p]
        await asyncio.wait_for(process.wait(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert acknowledged, "no edit was acknowledged before the signal"
    assert len(acknowledged) < 40, "the signal came after the stream: nothing was interrupted"
    on_disk = {p for f in load_knowledge_base(knowledge).facts.values() for p in f.alternates}
    assert set(acknowledged) <= on_disk


async def test_load_benchmark_runs_the_bot_in_its_own_process(tmp_path):
    """The load benchmark at a tiny size: every question answered or declined, none dropped,
    and the figures the issue asks for come from the bot's process, not the driver's."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.load", "--questions", "40", "--users", "5",
        "--facts", "50", "--concurrency", "5", "--cache", str(tmp_path / "cache"), "--json",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()[-2000:]
    report = json.loads(out)
    assert report["bot"] == "separate process" and report["bot_pid"] != report["driver_pid"]
    assert len(report["runs"]) == 2
    for run in report["runs"]:
        assert run["sent"] == 40 and run["dropped"] == 0 and run["error_logs"] == 0
        assert run["answered"] + run["declined"] == 40
        assert run["rss_after_mb"] > 0 and run["longest_stall_ms"] >= 0


async def test_the_running_bot_serves_its_health_on_the_metrics_port(secret_server, tmp_path,
                                                                     unused_tcp_port):
    import aiohttp

    env = bot_env(secret_server, tmp_path / "data", CAREERBOT_METRICS_PORT=str(unused_tcp_port))
    process = await start_process(env, "run")
    lines: list[str] = []
    try:
        await asyncio.wait_for(read_until(process, "connected as", lines), START_TIMEOUT)
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{unused_tcp_port}"
            async with session.get(f"{base}/healthz") as alive:
                assert alive.status == 200
            async with session.get(f"{base}/readyz") as ready:
                body = await ready.json()
                assert ready.status == 200 and body["ready"], body
            async with session.get(f"{base}/metrics") as metrics:
                assert "careerbot_knowledge_facts" in await metrics.text()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 20)  # drains its output meanwhile
