"""The bot's side of the load benchmark (``tests.bench.load``): CareerBot in its own process.

    python -m tests.bench.load_bot [--no-gc-freeze]

Started by ``tests.bench.load`` (not meant to be run by hand), with its settings in the
environment as a production bot has them (``bot.settings.Settings.from_env``, no ``.env``):
``DISCORD_TOKEN``, ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` (the local Discord
server, the two settings a production bot uses for a proxy), ``CAREERBOT_DATA_DIR`` and
``CAREERBOT_KNOWLEDGE`` (this process's own data directory and knowledge folder, which holds the
synthetic knowledge base as YAML), the cooldown, ``CAREERBOT_WATCH_SECONDS=0`` (no file
watcher) and, when the driver says so, ``CAREERBOT_DATABASE_URL`` (PostgreSQL shared with the
other bot processes) and ``CAREERBOT_SHARD_COUNT`` / ``CAREERBOT_SHARD_IDS``. It builds the
real CareerBot the way ``bot/app.py`` does (``bot.app.build_bot``, off the event loop: with
PostgreSQL the knowledge folder is first brought together with the database's knowledge base,
``KnowledgeStore.reconcile``, which seeds the database when it has none; the phrasing
vectors are cached in ``<data dir>/embeddings``), settles as ``bot/app.py`` does
(``settle_after_build``: the index frozen, the freed heap returned; not with
``--no-gc-freeze``), connects to the server and,
once it is ready, prints one line ``@@load-bot {"ready": true, "setup_s": ..., "pid": ...,
"embedded": ...}`` on stdout (``embedded``: the phrasings start-up had to embed, 0 when every
vector came from the cache).

It then answers commands, one a line on stdin, each with one ``@@load-bot {json}`` line:

    rss     resident memory of this process after ``gc.collect()`` -> {"rss_mb": ...}
    begin   reset the counters and start the probes (stall monitor, slowest loop step, GC
            pauses, ``AnswerService.ask`` timer) -> {"ok": true}
    end     stop the probes, flush the database, report what they saw -> {"figures": {...}}
    quit    close the bot (and its database) and exit -> {"ok": true}; so does end of input

Everything the probes measure is this process's: its event loop runs only the bot (discord.py's
gateway and HTTP client, the bot's handlers) and the command reader; the bot matches questions
on a thread of its own and writes to its database (SQLite or PostgreSQL) on another. Logging
goes to stderr; ERROR records of the ``bot`` and ``discord`` loggers are counted (from before
the build on).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bot.app import build_bot, point_discord_at, settle_after_build
from bot.core.service import AnswerService
from bot.core.storage.database import Database
from bot.discord.client import CareerBot
from bot.settings import Settings
from tests.e2e.careerbot import READY_TIMEOUT

MONITOR_INTERVAL = 0.005
MARKER = "@@load-bot "
READY_WAIT = 120.0


def rss_mb() -> float:
    """Current resident memory after a full collection (/proc/self/statm; 0 without /proc)."""
    gc.collect()
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class StallMonitor:
    """Sleeps ``interval`` in a loop on the event loop; the lateness of each wake-up is how
    long something else held the loop."""

    def __init__(self, interval: float = MONITOR_INTERVAL) -> None:
        self.interval = interval
        self.max_ms = 0.0
        self.over_50ms = 0
        self.over_100ms = 0
        self._task: asyncio.Task | None = None

    def start(self) -> StallMonitor:
        self._task = asyncio.create_task(self._run(), name="stall-monitor")
        return self

    async def _run(self) -> None:
        clock = time.perf_counter
        while True:
            before = clock()
            await asyncio.sleep(self.interval)
            late_ms = (clock() - before - self.interval) * 1000
            self.max_ms = max(self.max_ms, late_ms)
            self.over_50ms += late_ms > 50
            self.over_100ms += late_ms > 100

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class SlowestStep:
    """The longest single callback the event loop ran (a task step, an I/O callback): what
    held the loop by itself, as opposed to many short steps run in one loop iteration."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self.what = ""
        self._run: Any = None

    def __enter__(self) -> SlowestStep:
        self._run = original = asyncio.events.Handle._run
        clock = time.perf_counter

        def timed_run(handle: asyncio.Handle) -> None:
            started = clock()
            try:
                original(handle)
            finally:
                took = (clock() - started) * 1000
                if took > self.longest_ms:
                    self.longest_ms = took
                    self.what = describe_callback(handle)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._run  # type: ignore[method-assign]


def describe_callback(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        return f"task {task.get_name()!r} ({getattr(coro, '__qualname__', coro)})"
    return getattr(callback, "__qualname__", repr(callback))[:120]


class GcPauses:
    """How long the garbage collector held the loop: the longest collection per generation."""

    def __init__(self) -> None:
        self.longest_ms = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info.get("generation", 0)
        took = (time.perf_counter() - self._started) * 1000
        self.count[generation] += 1
        self.longest_ms[generation] = max(self.longest_ms[generation], took)


class AskTimer:
    """Times ``AnswerService.ask`` (matching, run on the event loop by the bot's handlers)."""

    def __init__(self, service: AnswerService) -> None:
        self.millis: list[float] = []
        self._ask = service.ask
        service.ask = self  # type: ignore[method-assign]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._ask(*args, **kwargs)
        finally:
            self.millis.append((time.perf_counter() - started) * 1000)


class ErrorCounter(logging.Handler):
    """Counts ERROR records from the bot and discord.py (and keeps the first few)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(f"{record.name}: {record.getMessage()[:300]}")


LOGGERS = ("bot", "discord")


class BotProbes:
    """What is measured inside the bot's process, one run at a time: ``begin()`` ...
    ``await end()``. Counts ERROR records of the bot and discord.py from construction on."""

    def __init__(self, service: AnswerService, database: Database | None,
                 errors: ErrorCounter | None = None) -> None:
        self.database = database
        self.errors = errors or ErrorCounter()
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self.errors)
        self.asks = AskTimer(service)
        self._errors_before = 0
        self._monitor: StallMonitor | None = None
        self._pauses: GcPauses | None = None
        self._steps: SlowestStep | None = None

    def detach(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(self.errors)

    def begin(self) -> None:
        self._errors_before = self.errors.count
        self.asks.millis.clear()
        self._monitor = StallMonitor().start()
        self._pauses = GcPauses().__enter__()
        self._steps = SlowestStep().__enter__()

    async def end(self) -> dict[str, Any]:
        """Stop the probes and return their figures (``RunReport`` field names)."""
        monitor, pauses, steps = self._monitor, self._pauses, self._steps
        assert monitor is not None and pauses is not None and steps is not None, "not begun"
        try:
            await monitor.stop()
        finally:
            steps.__exit__()
            pauses.__exit__()
            self._monitor = self._pauses = self._steps = None
        asks = self.asks.millis
        figures: dict[str, Any] = {
            "asks": len(asks),
            "ask_p50_ms": statistics.median(asks) if asks else 0.0,
            "ask_p99_ms": percentile(asks, 0.99),
            "ask_max_ms": max(asks, default=0.0),
            "longest_stall_ms": monitor.max_ms,
            "longest_step_ms": steps.longest_ms,
            "longest_step": steps.what,
            "stalls_over_50ms": monitor.over_50ms,
            "stalls_over_100ms": monitor.over_100ms,
            "gen2_collections": pauses.count[2],
            "longest_gen2_ms": pauses.longest_ms[2],
            "longest_gen01_ms": max(pauses.longest_ms[:2]),
        }
        database = self.database
        figures["db_queue_at_end"] = database._jobs.qsize() if database is not None else 0
        flushing = time.perf_counter()
        if database is not None:
            await database.flush()
        figures["db_flush_s"] = time.perf_counter() - flushing
        figures["error_logs"] = self.errors.count - self._errors_before
        return figures


async def start_bot(settings: Settings, *, gc_freeze: bool
                    ) -> tuple[CareerBot, asyncio.Task, BotProbes, float]:
    """The real CareerBot as ``bot/app.py`` builds it from ``settings`` (``build_bot``, on a
    thread), connected to the server they point at and ready. Returns the bot, its connection
    task, its probes and how long building it took (seconds: loading the knowledge folder, with
    PostgreSQL joining the database's knowledge base, the semantic index, the client)."""
    point_discord_at(settings)
    errors = ErrorCounter()  # counting from the build on (join_database logs its failures)
    for name in LOGGERS:
        logging.getLogger(name).addHandler(errors)
    building = time.perf_counter()
    bot = await asyncio.to_thread(build_bot, settings, guild_ready_timeout=READY_TIMEOUT)
    build_s = time.perf_counter() - building
    if gc_freeze:
        settle_after_build()  # as bot/app.py: the index frozen, the freed heap returned
    probes = BotProbes(bot.service, bot.database, errors)  # (adding a handler twice: once)
    await bot.login(settings.token.get())
    connection = asyncio.create_task(bot.connect(reconnect=True), name="bot.connect")
    await asyncio.wait_for(bot.wait_until_ready(), READY_WAIT)
    return bot, connection, probes, build_s


def embedded_at_start(bot: CareerBot) -> int:
    """How many phrasings start-up embedded (0: every vector came from the cache)."""
    return getattr(bot.service.semantic, "embedded", 0)


async def stop_bot(bot: CareerBot, connection: asyncio.Task) -> None:
    await bot.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(connection, 5)


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(MARKER + json.dumps(message) + "\n")
    sys.stdout.flush()


async def stdin_lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def serve(args: argparse.Namespace) -> None:
    settings = Settings.from_env(dotenv=False)
    bot, connection, probes, build_s = await start_bot(settings, gc_freeze=args.gc_freeze)
    commands = await stdin_lines()
    say({"ready": True, "setup_s": build_s, "pid": os.getpid(),
         "embedded": embedded_at_start(bot)})
    try:
        while line := (await commands.readline()).decode().strip():
            if line == "rss":
                say({"rss_mb": rss_mb()})
            elif line == "begin":
                probes.begin()
                say({"ok": True})
            elif line == "end":
                figures = await probes.end()
                say({"figures": figures, "first_errors": probes.errors.first})
            elif line == "quit":
                break
            else:
                say({"error": f"unknown command {line!r}"})
    finally:
        await stop_bot(bot, connection)
        probes.detach()
    say({"ok": True, "first_errors": probes.errors.first})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gc-freeze", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s [bot process]: %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
