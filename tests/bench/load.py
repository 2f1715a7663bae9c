"""Load: many people asking CareerBot at once, over the wire of the local Discord server.

    python -m tests.bench.load [--questions 10000] [--users 500] [--facts 10000]
                               [--concurrency 50] [--timeout 30] [--max-seconds 900]
                               [--processes 1] [--database-url postgresql://...]
                               [--cache DIR | --cold] [--no-gc-freeze] [--in-process] [--json]

Two processes, as in production (Discord is another machine): this one runs the test harness's
``FakeDiscord`` on 127.0.0.1 and the load driver; the real CareerBot runs in a child process
(``tests.bench.load_bot``), pointed at the server the way a production bot is pointed at a
proxy, answering from a synthetic knowledge base of ``--facts`` facts (10 phrasings each,
``bot.devtools.bench.synthetic``) written as a knowledge folder, built as ``bot/app.py`` builds
it (``build_bot``) from settings given as environment variables. ``--users`` guild members then
send ``--questions`` mentions (perturbed phrasings of the synthetic facts and unrelated
questions), at most ``--concurrency`` waiting for their reply at a time. The same run is then
repeated against the same bot process, to see whether its memory keeps growing.
``--in-process`` runs the bot on this process's event loop instead, beside the server and the
driver (as the e2e tests do): then every figure below is of that one shared process and loop.

The database is SQLite (a file in the bot's data directory) unless ``--database-url`` names a
PostgreSQL server: the bench then creates a database of its own there
(``careerbot_bench_<random>``, dropped at the end whatever happens) and the bot uses it as in
production: its knowledge folder is brought together with the database's knowledge base at
start (``KnowledgeStore.reconcile``; the first process seeds it), questions are recorded
there and cooldowns shared through it. ``--processes N`` (N > 1, PostgreSQL required) runs N
bot processes sharing that database, as N machines would: each has its own data directory and
its own copy of the knowledge folder and runs shard i of N (``CAREERBOT_SHARD_COUNT``,
``CAREERBOT_SHARD_IDS``); they start one after the other (the first seeds the database).
Discord routes guild g to shard ``(g >> 22) % N``: the world then has a guild on every shard
(the same members in each), and the questions go round the guilds, so each process answers
about 1/N of them. (One process has no shard settings, as a single production bot.)

The phrasing vectors (embedding the 100,000 phrasings of 10,000 facts takes a quarter of an hour
on two cores) are kept across bench runs in ``--cache`` (default: ``careerbot-load-cache`` in
the system's temporary folder; a subfolder per ``--facts``): each bot process's
``<data dir>/embeddings`` starts as a copy of it, as a machine restarting keeps its data
directory, and what a process had to embed goes back into it before the next process starts,
so nothing is embedded twice. ``--cold`` uses no cache (every process embeds everything).

Measured in this (the driver's) process, per run: answered / declined / rate-limited /
refused (the bot's send failed) / dropped (no reply within ``--timeout``), and reply latency
p50 / p99 / max (from sending the gateway event to the bot's REST reply reaching the server);
with several processes, overall and per process (the questions asked in its guilds). The
``--concurrency`` questions in flight are one window for all processes, sent in turn: the
questions of a process that falls behind fill it, so its latencies are the longer ones.

Measured inside each bot process and sent back over a pipe (one JSON line per command on the
child's stdout; the driver asks between runs and at the end), per run: the longest event-loop
stall (a monitor task sleeps 5 ms in a loop and records how late it wakes up), the longest
single loop step (one callback, as opposed to many short ones run in the same loop iteration),
the garbage collector's pauses, how long ``AnswerService.ask`` took (the matching; the bot runs
it on a thread of its own, off the event loop), ERROR log records of the bot and discord.py,
the database writes still queued at the end of the run (and how long flushing them took); and
the bot process's resident memory (``/proc/self/statm`` after ``gc.collect()``) before run 1,
after run 1 and after run 2; and how many phrasings it embedded at start (0: a warm cache).
Like ``bot/app.py`` in production, the bot freezes what its start-up built (``gc.collect()``
then ``gc.freeze()``: the knowledge base and its index are no longer scanned by the collector);
``--no-gc-freeze`` does not, to show how much of the stalls full collections over those objects
cost. "bot setup" is how long the bot took to build its knowledge base and client (summed over
the processes, which start one after the other).

Targets (issue 5): 0 dropped, longest stall under 100 ms, memory growth from after run 1 to
after run 2 under 10 % (in every process). Everything runs on loopback and stops by itself:
each run sends a bounded number of questions and stops sending after ``--max-seconds``; the bot
processes are told to quit at the end (and killed if they do not).

What the harness remembers is trimmed as the run goes (requests are not logged, answered
messages are forgotten, the gateway's replay history is cleared between runs), which matters
for the memory figures only with ``--in-process``. The report is ``load_report``; the world,
the processes' homes and the database are set up by ``load_setup``.
A benchmark, not a test: pytest does not collect it, and it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.core.knowledge.models import Fact
from bot.devtools.bench.synthetic import generate_facts, generate_queries
from tests.bench.load_bots import Bot, BotProcess, InProcessBot
from tests.bench.load_report import RunReport, print_report, summary
from tests.bench.load_setup import (
    DEFAULT_CACHE,
    SEED,
    bot_environment,
    cache_folder,
    cache_is_warm,
    describe_database,
    fresh_database,
    keep_in_cache,
    load_world,
    make_home,
    shard_of,
    write_knowledge,
)
from tests.discord_harness import FakeDiscord, RecordedRequest, payloads
from tests.discord_harness.gateway import message_as_delivered
from tests.discord_harness.world import FakeChannel, FakeUser

RETRIED = {429, 500, 502, 503, 504, 524}
RATE_LIMITED_TEXT = "try again in"


class Replies:
    """Takes the place of the fake server's request log: instead of keeping every request,
    it hands each reply of the bot to whoever waits for the message it replies to."""

    def __init__(self, server: FakeDiscord) -> None:
        self.server = server
        self.waiting: dict[str, asyncio.Future] = {}
        self.other_requests = 0
        server.recorder.add_request = self._add_request  # type: ignore[method-assign]

    async def _add_request(self, **fields: Any) -> RecordedRequest:
        record = RecordedRequest(index=-1, **fields)
        body = record.body if isinstance(record.body, dict) else {}
        reference = body.get("message_reference") or {}
        future = None
        if (record.method == "POST" and fnmatch.fnmatchcase(record.path, "/channels/*/messages")
                and reference.get("message_id") and record.status not in RETRIED):
            future = self.waiting.pop(str(reference["message_id"]), None)
        if future is None:
            self.other_requests += 1
        elif not future.done():
            future.set_result((record, time.perf_counter()))
        return record

    def expect(self, message_id: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        return future


def vote_fact(body: dict[str, Any]) -> str | None:
    """The fact an answer is about, from its vote buttons (declines have none)."""
    for row in body.get("components") or []:
        for component in row.get("components") or []:
            custom_id = component.get("custom_id") or ""
            if custom_id.startswith("cb:vote:"):
                return custom_id.split(":")[2]
    return None


class LoadRun:
    """Question i is asked by ``users[i % len(users)]`` in guild ``i % len(guilds)`` (its
    channels in turn), which the bot process of that guild's shard answers."""

    def __init__(self, server: FakeDiscord, bots: list[Bot], replies: Replies,
                 users: list[FakeUser], guilds: list[list[FakeChannel]], queries: list, *,
                 concurrency: int, timeout: float, max_seconds: float) -> None:
        self.server = server
        self.bots = bots
        self.replies = replies
        self.users = users
        self.guilds = guilds
        self.shards = [shard_of(channels[0].guild_id or 0, len(bots)) for channels in guilds]
        self.queries = queries
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_seconds = max_seconds

    def where(self, index: int) -> tuple[FakeChannel, int]:
        """The channel question ``index`` is asked in, and the bot process answering it."""
        guild = index % len(self.guilds)
        channels = self.guilds[guild]
        return channels[index // len(self.guilds) % len(channels)], self.shards[guild]

    async def one(self, index: int, reports: tuple[RunReport, RunReport]) -> None:
        query = self.queries[index]
        user = self.users[index % len(self.users)]
        channel, _ = self.where(index)
        server = self.server
        store = server.store
        bot = server.world.bot
        trigger = payloads.message_payload(channel=channel, author=user,
                                           content=f"{bot.mention} {query.text}",
                                           mentions=[bot])
        store.add(trigger)
        future = self.replies.expect(trigger["id"])  # before dispatching: no reply is missed
        started = time.perf_counter()
        await server.dispatch("MESSAGE_CREATE", lambda intents: message_as_delivered(
            trigger, intents, bot_id=bot.id))
        try:
            record, at = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.replies.waiting.pop(trigger["id"], None)
            for report in reports:
                report.count("dropped")
            return
        finally:
            store.messages.pop(int(trigger["id"]), None)
        if isinstance(record.response, dict) and record.response.get("id"):
            store.messages.pop(int(record.response["id"]), None)
        body = record.body if isinstance(record.body, dict) else {}
        fact = None
        if record.status >= 300:
            outcome = "refused"
        elif RATE_LIMITED_TEXT in (body.get("content") or ""):
            outcome = "rate_limited"
        elif (fact := vote_fact(body)) is not None:
            outcome = "answered"
        else:
            outcome = "declined"
        for report in reports:
            report.count(outcome, latency_ms=(at - started) * 1000,
                          related=query.expected is not None, right=fact == query.expected)

    async def send_all(self, report: RunReport, shares: list[RunReport], *,
                       deadline: float) -> None:
        """Every question, at most ``concurrency`` waiting for their reply at a time."""
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task] = set()
        for index in range(len(self.queries)):
            await slots.acquire()
            if time.perf_counter() > deadline:
                slots.release()
                report.not_sent = len(self.queries) - index
                for rest in range(index, len(self.queries)):
                    shares[self.where(rest)[1]].not_sent += 1
                break
            share = shares[self.where(index)[1]]
            task = asyncio.create_task(self.one(index, (report, share)))
            report.sent += 1
            share.sent += 1
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            task.add_done_callback(lambda _: slots.release())
        if tasks:
            await asyncio.gather(*tasks)

    async def run(self) -> tuple[RunReport, list[RunReport]]:
        """One run: the overall figures, and each bot process's (its guilds' questions)."""
        report, shares = RunReport(), [RunReport() for _ in self.bots]
        # the bots' probes: stall, steps, GC, ask, errors
        await asyncio.gather(*(bot.begin() for bot in self.bots))
        others = self.replies.other_requests
        started = time.perf_counter()
        try:
            await self.send_all(report, shares, deadline=started + self.max_seconds)
        finally:
            seconds = time.perf_counter() - started
            figures = await asyncio.gather(*(bot.end() for bot in self.bots))
        for share, measured in zip(shares, figures, strict=True):
            share.take(measured)
            share.finish(seconds)
        report.finish(seconds)
        report.other_requests = self.replies.other_requests - others
        if len(shares) > 1:
            report.take_worst(shares)
        else:
            report.take(figures[0])
        return report, shares


def forget_gateway_history(server: FakeDiscord) -> None:
    """Between runs (nothing in flight): the gateway keeps every event for RESUME replays."""
    for session in server.gateway.sessions.values():
        session.history.clear()


async def start_bots(server: FakeDiscord, tmp: Path, facts: list[Fact],
                     args: argparse.Namespace, database_url: str | None, bots: list[Bot],
                     ) -> list[float]:
    """The bot processes (appended to ``bots`` as they start, to be closed whatever happens),
    one after the other (the first seeds a shared database), each from a home of its own;
    what one embedded at start goes into the cache before the next one starts. Returns how
    long each took to build."""
    knowledge = tmp / "knowledge"
    write_knowledge(facts, knowledge)
    cache = cache_folder(args)
    setups: list[float] = []
    for shard in range(args.processes):
        home = tmp / f"bot-{shard + 1}"
        data = make_home(home, knowledge, cache)
        env = bot_environment(server, home, args, shard=shard, database_url=database_url)
        bot: Bot = (InProcessBot(env, args, shard) if args.in_process
                    else BotProcess(env, args, shard))
        bots.append(bot)
        if not cache_is_warm(cache):
            print(f"bot process {shard + 1}: no phrasing vectors cached"
                  f"{' (--cold)' if cache is None else ''}, it embeds every phrasing at start "
                  "(a quarter of an hour at 10,000 facts on two cores)",
                  file=sys.stderr, flush=True)
        setups.append(await bot.start(server))
        keep_in_cache(data, cache)
    return setups


async def run(args: argparse.Namespace) -> dict[str, Any]:
    world, users, guilds = load_world(args.users, args.processes)
    facts = generate_facts(args.facts, seed=SEED)
    queries = generate_queries(facts, args.questions, seed=SEED, stream="load")
    bots: list[Bot] = []
    with fresh_database(args.database_url) as url, \
            tempfile.TemporaryDirectory(prefix="careerbot-load-") as tmp:
        server = await FakeDiscord(world).start()
        replies = Replies(server)
        try:
            setups = await start_bots(server, Path(tmp), facts, args, url, bots)
            del facts
            load = LoadRun(server, bots, replies, users, guilds, queries,
                           concurrency=args.concurrency, timeout=args.timeout,
                           max_seconds=args.max_seconds)
            rss = [[await bot.rss()] for bot in bots]
            runs, shares = [], []
            for _ in range(2):
                report, per_bot = await load.run()
                forget_gateway_history(server)
                for share, memory, bot in zip(per_bot, rss, bots, strict=True):
                    memory.append(await bot.rss())
                    share.rss_after_mb = memory[-1]
                report.rss_after_mb = sum(memory[-1] for memory in rss)
                runs.append(report)
                shares.append(per_bot)
                if args.cooldown_seconds:
                    # the next run starts with fresh cooldown windows, as the first did
                    await asyncio.sleep(min(args.cooldown_seconds, 5))
        finally:
            for bot in reversed(bots):
                await bot.close()
            await server.stop()
        database = describe_database(url, args.processes)
    args.driver_pid = os.getpid()
    args.cache_folder = str(cache_folder(args) or "")
    return summary(args, bots, setups, rss, runs, shares, database, len(guilds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for a reply before counting it dropped")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="stop sending new questions in a run after this long")
    parser.add_argument("--cooldown-questions", type=int, default=1000,
                        help="the bot's per-person cooldown (high: measure load, not limits)")
    parser.add_argument("--cooldown-seconds", type=int, default=1)
    parser.add_argument("--gc-freeze", action=argparse.BooleanOptionalAction, default=True,
                        help="gc.freeze() after the bot's start-up, as bot/app.py does (default;"
                             " --no-gc-freeze shows how much of the stalls is the collector "
                             "scanning the knowledge base's index)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the bot on this process's event loop, beside the server and "
                             "the driver (all figures are then of that shared loop)")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="bot processes (shards 0..N-1 of N) sharing the PostgreSQL "
                             "database, as on N machines (above 1 needs --database-url)")
    parser.add_argument("--database-url", metavar="URL",
                        help="a PostgreSQL server (postgresql://...) to create this run's "
                             "database on (dropped at the end); without it, SQLite")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                        help="keep the phrasing vectors here across bench runs (default: "
                             "%(default)s)")
    parser.add_argument("--cold", action="store_true",
                        help="no cache: every bot process embeds every phrasing at start")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if min(args.questions, args.users, args.facts, args.concurrency, args.processes) < 1:
        parser.error("--questions, --users, --facts, --concurrency and --processes must be "
                     "at least 1")
    if args.processes > 1 and not args.database_url:
        parser.error("--processes above 1 needs --database-url (the processes share it)")
    if args.processes > 1 and args.in_process:
        parser.error("--in-process runs one bot: not with --processes above 1")
    if args.database_url and not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be a postgresql:// URL")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
