"""The bot under load (`tests.bench.load`): in this process, or in its own (`load_bot`).

Either way it is given its settings as environment variables (``load_setup.bot_environment``)
and built as ``bot/app.py`` builds it (``load_bot.start_bot``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from tests.bench.load_bot import (
    MARKER,
    BotProbes,
    embedded_at_start,
    rss_mb,
    start_bot,
    stop_bot,
)
from tests.discord_harness import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
ANSWER_WAIT = 120.0  # seconds for the bot process to answer a command (end flushes the db)
START_WAIT = 3600.0
"""Seconds for a bot process to build and connect: a cold start embeds every phrasing (at
10,000 facts, 100,000 of them: a quarter of an hour on two cores)."""


class InProcessBot:
    """``--in-process``: the bot on this process's event loop, beside the server and driver."""

    where = "in-process"

    def __init__(self, env: dict[str, str], args: argparse.Namespace, shard: int = 0) -> None:
        self.env = env
        self.args = args
        self.shard = shard
        self.pid = os.getpid()
        self.embedded = 0
        self.first_errors: list[str] = []
        self._bot: Any = None
        self._connection: asyncio.Task | None = None
        self._probes: BotProbes | None = None

    async def start(self, server: FakeDiscord) -> float:
        settings = Settings.from_env(self.env, dotenv=False)
        self._bot, self._connection, self._probes, build_s = await start_bot(
            settings, gc_freeze=self.args.gc_freeze)
        self.embedded = embedded_at_start(self._bot)
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

    def __init__(self, env: dict[str, str], args: argparse.Namespace, shard: int = 0) -> None:
        self.env = env
        self.args = args
        self.shard = shard
        self.pid = 0
        self.embedded = 0
        self.first_errors: list[str] = []
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, server: FakeDiscord) -> float:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DISCORD_", "CAREERBOT_"))}
        env.update(self.env, PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "tests.bench.load_bot",
                   "--gc-freeze" if self.args.gc_freeze else "--no-gc-freeze"]
        self._process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)  # stderr (its log) goes to ours
        ready = await self._answer(START_WAIT)
        self.pid = ready["pid"]
        self.embedded = ready.get("embedded", 0)
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
