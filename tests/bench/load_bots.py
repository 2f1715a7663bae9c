"""The bot under load (`tests.bench.load`): in this process, or in its own (`load_bot`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import discord
import yarl

from bot.core.knowledge.models import Fact
from tests.bench.load_bot import (
    MARKER,
    READY_WAIT,
    BotProbes,
    rss_mb,
    start_bot,
    stop_bot,
)
from tests.discord_harness import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
ANSWER_WAIT = 120.0  # seconds for the bot process to answer a command (end flushes the db)


class InProcessBot:
    """``--in-process``: the bot on this process's event loop, beside the server and driver."""

    where = "in-process"

    def __init__(self, facts: list[Fact], data_dir: Path, args: argparse.Namespace) -> None:
        self.facts = facts
        self.data_dir = data_dir
        self.args = args
        self.pid = os.getpid()
        self.first_errors: list[str] = []
        self._bot: Any = None
        self._connection: asyncio.Task | None = None
        self._probes: BotProbes | None = None

    async def start(self, server: FakeDiscord) -> float:
        discord.http.Route.BASE = server.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
        self._bot, self._connection, self._probes, build_s = await start_bot(
            self.facts, self.data_dir, server.token,
            cooldown_questions=self.args.cooldown_questions,
            cooldown_seconds=self.args.cooldown_seconds, gc_freeze=self.args.gc_freeze)
        self.first_errors = self._probes.errors.first
        return build_s

    async def rss(self) -> float:
        return rss_mb()

    async def begin(self) -> None:
        assert self._probes is not None
        self._probes.begin()

    async def end(self) -> dict[str, Any]:
        assert self._probes is not None
        return await self._probes.end()

    async def close(self) -> None:
        if self._bot is not None:
            assert self._connection is not None
            await stop_bot(self._bot, self._connection)
            self._bot = None
        if self._probes is not None:
            self._probes.detach()


class BotProcess:
    """The bot in its own process (``tests.bench.load_bot``), driven over its stdin/stdout."""

    where = "separate process"

    def __init__(self, data_dir: Path, args: argparse.Namespace) -> None:
        self.data_dir = data_dir
        self.args = args
        self.pid = 0
        self.first_errors: list[str] = []
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, server: FakeDiscord) -> float:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DISCORD_", "CAREERBOT_"))}
        env.update(DISCORD_TOKEN=server.token, PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "tests.bench.load_bot",
                   "--api-url", server.api_url, "--gateway-url", server.gateway_url,
                   "--data-dir", str(self.data_dir), "--facts", str(self.args.facts),
                   "--cooldown-questions", str(self.args.cooldown_questions),
                   "--cooldown-seconds", str(self.args.cooldown_seconds)]
        command.append("--gc-freeze" if self.args.gc_freeze else "--no-gc-freeze")
        self._process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)  # stderr (its log) goes to ours
        ready = await self._answer(READY_WAIT + 60)
        self.pid = ready["pid"]
        return ready["setup_s"]

    async def _answer(self, timeout: float = ANSWER_WAIT) -> dict[str, Any]:
        """The next line the bot process writes for us (its other output goes to stderr)."""
        assert self._process is not None and self._process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self._process.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("the bot process exited "
                                       f"(status {await self._process.wait()})")
                if line.startswith(MARKER):
                    answer = json.loads(line[len(MARKER):])
                    if "error" in answer:
                        raise RuntimeError(f"the bot process: {answer['error']}")
                    self.first_errors = answer.get("first_errors", self.first_errors)
                    return answer
                sys.stderr.write(line)

    async def _ask(self, command: str) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(command.encode() + b"\n")
        await self._process.stdin.drain()
        return await self._answer()

    async def rss(self) -> float:
        return (await self._ask("rss"))["rss_mb"]

    async def begin(self) -> None:
        await self._ask("begin")

    async def end(self) -> dict[str, Any]:
        return (await self._ask("end"))["figures"]

    async def close(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            with contextlib.suppress(ConnectionError):
                await self._ask("quit")
            await asyncio.wait_for(process.wait(), 20)
        except (TimeoutError, RuntimeError):
            pass
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


Bot = InProcessBot | BotProcess
