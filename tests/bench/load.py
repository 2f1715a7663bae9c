"""Load: many people asking CareerBot at once, over the wire of the local Discord server.

    python -m tests.bench.load [--questions 10000] [--users 500] [--facts 10000]
                               [--concurrency 50] [--timeout 30] [--max-seconds 900]
                               [--no-gc-freeze] [--in-process] [--json]

Two processes, as in production (Discord is another machine): this one runs the test harness's
``FakeDiscord`` on 127.0.0.1 and the load driver; the real CareerBot runs in a child process
(``tests.bench.load_bot``), pointed at the server the way a production bot is pointed at a
proxy, answering from a synthetic knowledge base of ``--facts`` facts (10 phrasings each,
``bot.devtools.bench.synthetic``). ``--users`` guild members then send ``--questions`` mentions
(perturbed phrasings of the synthetic facts and unrelated questions), at most
``--concurrency`` waiting for their reply at a time. The same run is then repeated against the
same bot process, to see whether its memory keeps growing. ``--in-process`` runs the bot on
this process's event loop instead, beside the server and the driver (as the e2e tests do):
then every figure below is of that one shared process and loop.

Measured in this (the driver's) process, per run: answered / declined / rate-limited /
refused (the bot's send failed) / dropped (no reply within ``--timeout``), and reply latency
p50 / p99 / max (from sending the gateway event to the bot's REST reply reaching the server).

Measured inside the bot's process and sent back over a pipe (one JSON line per command on the
child's stdout; the driver asks between runs and at the end), per run: the longest event-loop
stall (a monitor task sleeps 5 ms in a loop and records how late it wakes up), the longest
single loop step (one callback, as opposed to many short ones run in the same loop iteration),
the garbage collector's pauses, how long ``AnswerService.ask`` took (the matching; the bot runs
it on a thread of its own, off the event loop), ERROR log records of the bot and discord.py,
the database writes still queued at the end of the run (and how long flushing them took); and
the bot process's resident memory (``/proc/self/statm`` after ``gc.collect()``) before run 1,
after run 1 and after run 2.
Like ``bot/app.py`` in production, the bot freezes what its start-up built (``gc.collect()``
then ``gc.freeze()``: the knowledge base and its index are no longer scanned by the collector);
``--no-gc-freeze`` does not, to show how much of the stalls full collections over those objects
cost. "bot setup" is how long the bot took to build its knowledge base and client.

Targets (issue 5): 0 dropped, longest stall under 100 ms, memory growth from after run 1 to
after run 2 under 10 %. Everything runs on loopback and stops by itself: each run sends a
bounded number of questions and stops sending after ``--max-seconds``; the bot process is told
to quit at the end (and killed if it does not).

What the harness remembers is trimmed as the run goes (requests are not logged, answered
messages are forgotten, the gateway's replay history is cleared between runs), which matters
for the memory figures only with ``--in-process``.
A benchmark, not a test: pytest does not collect it, and it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.devtools.bench.synthetic import generate_facts, generate_queries
from tests.bench.load_bot import (
    SEED,
    percentile,
)
from tests.bench.load_bots import Bot, BotProcess, InProcessBot
from tests.discord_harness import FakeDiscord, RecordedRequest, World, payloads
from tests.discord_harness.gateway import message_as_delivered

TARGET_STALL_MS = 100.0
TARGET_GROWTH = 0.10
CHANNELS = 10
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


@dataclass
class RunReport:
    sent: int = 0
    answered: int = 0
    right_fact: int = 0  # answered with the fact the phrasing was made from
    related_asked: int = 0  # phrasings of a fact (the rest are unrelated questions)
    declined: int = 0
    unrelated_declined: int = 0
    rate_limited: int = 0
    refused: int = 0  # the bot's reply got an error status from the server
    dropped: int = 0  # no reply within the timeout
    not_sent: int = 0  # the time budget ran out first
    seconds: float = 0.0
    questions_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    ask_p50_ms: float = 0.0  # the bot's matching of one question, on the event loop
    ask_p99_ms: float = 0.0
    ask_max_ms: float = 0.0
    longest_stall_ms: float = 0.0
    longest_step_ms: float = 0.0
    longest_step: str = ""
    stalls_over_50ms: int = 0
    stalls_over_100ms: int = 0
    gen2_collections: int = 0
    longest_gen2_ms: float = 0.0
    longest_gen01_ms: float = 0.0
    error_logs: int = 0
    db_queue_at_end: int = 0
    db_flush_s: float = 0.0
    rss_after_mb: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("latencies")
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in data.items()}


def vote_fact(body: dict[str, Any]) -> str | None:
    """The fact an answer is about, from its vote buttons (declines have none)."""
    for row in body.get("components") or []:
        for component in row.get("components") or []:
            custom_id = component.get("custom_id") or ""
            if custom_id.startswith("cb:vote:"):
                return custom_id.split(":")[2]
    return None


class LoadRun:
    def __init__(self, server: FakeDiscord, bot: Bot, replies: Replies, users: list,
                 channels: list, queries: list, *, concurrency: int, timeout: float,
                 max_seconds: float) -> None:
        self.server = server
        self.bot = bot
        self.replies = replies
        self.users = users
        self.channels = channels
        self.queries = queries
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_seconds = max_seconds

    async def one(self, index: int, report: RunReport) -> None:
        query = self.queries[index]
        user = self.users[index % len(self.users)]
        channel = self.channels[index % len(self.channels)]
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
            report.dropped += 1
            return
        finally:
            store.messages.pop(int(trigger["id"]), None)
        if isinstance(record.response, dict) and record.response.get("id"):
            store.messages.pop(int(record.response["id"]), None)
        report.latencies.append((at - started) * 1000)
        body = record.body if isinstance(record.body, dict) else {}
        related = query.expected is not None
        report.related_asked += related
        if record.status >= 300:
            report.refused += 1
        elif RATE_LIMITED_TEXT in (body.get("content") or ""):
            report.rate_limited += 1
        elif (fact := vote_fact(body)) is not None:
            report.answered += 1
            report.right_fact += fact == query.expected
        else:
            report.declined += 1
            report.unrelated_declined += not related

    async def send_all(self, report: RunReport, *, deadline: float) -> None:
        """Every question, at most ``concurrency`` waiting for their reply at a time."""
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task] = set()
        for index in range(len(self.queries)):
            await slots.acquire()
            if time.perf_counter() > deadline:
                slots.release()
                report.not_sent = len(self.queries) - index
                break
            task = asyncio.create_task(self.one(index, report))
            report.sent += 1
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            task.add_done_callback(lambda _: slots.release())
        if tasks:
            await asyncio.gather(*tasks)

    async def run(self) -> RunReport:
        report = RunReport()
        await self.bot.begin()  # the bot's probes: stall, steps, GC, ask, errors
        started = time.perf_counter()
        try:
            await self.send_all(report, deadline=started + self.max_seconds)
        finally:
            report.seconds = time.perf_counter() - started
            figures = await self.bot.end()
        for name, value in figures.items():
            setattr(report, name, value)
        report.questions_per_s = report.sent / report.seconds if report.seconds else 0.0
        report.p50_ms = statistics.median(report.latencies) if report.latencies else 0.0
        report.p99_ms = percentile(report.latencies, 0.99)
        report.max_ms = max(report.latencies, default=0.0)
        return report


def forget_gateway_history(server: FakeDiscord) -> None:
    """Between runs (nothing in flight): the gateway keeps every event for RESUME replays."""
    for session in server.gateway.sessions.values():
        session.history.clear()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    world = World.default()
    users = [world.add_user(f"user{i:04d}") for i in range(args.users)]
    channels = [world.channel("general"), world.channel("careers")]
    channels += [world.add_channel(f"load-{i}") for i in range(CHANNELS - len(channels))]
    facts = generate_facts(args.facts, seed=SEED)
    queries = generate_queries(facts, args.questions, seed=SEED, stream="load")
    server = await FakeDiscord(world).start()
    replies = Replies(server)
    with tempfile.TemporaryDirectory(prefix="careerbot-load-") as tmp:
        data_dir = Path(tmp) / "data"
        bot: Bot = (InProcessBot(facts, data_dir, args) if args.in_process
                    else BotProcess(data_dir, args))
        del facts
        try:
            build_s = await bot.start(server)
            load = LoadRun(server, bot, replies, users, channels, queries,
                           concurrency=args.concurrency, timeout=args.timeout,
                           max_seconds=args.max_seconds)
            rss_before = await bot.rss()
            runs = []
            for _ in range(2):
                report = await load.run()
                forget_gateway_history(server)
                report.rss_after_mb = await bot.rss()
                runs.append(report)
                if args.cooldown_seconds:
                    # the next run starts with fresh cooldown windows, as the first did
                    await asyncio.sleep(min(args.cooldown_seconds, 5))
        finally:
            await bot.close()
            await server.stop()
    growth = (runs[1].rss_after_mb - runs[0].rss_after_mb) / runs[0].rss_after_mb \
        if runs[0].rss_after_mb else 0.0
    dropped = sum(r.dropped for r in runs)
    stall = max(r.longest_stall_ms for r in runs)
    return {
        "questions": args.questions, "users": args.users, "facts": args.facts,
        "concurrency": args.concurrency, "timeout_s": args.timeout,
        "cooldown": f"{args.cooldown_questions} per {args.cooldown_seconds} s",
        "bot": bot.where, "bot_pid": bot.pid, "driver_pid": os.getpid(),
        "setup_s": round(build_s, 2), "gc_freeze": args.gc_freeze,
        "runs": [r.public() for r in runs],
        "rss_before_mb": round(rss_before, 1),
        "rss_after_run1_mb": round(runs[0].rss_after_mb, 1),
        "rss_after_run2_mb": round(runs[1].rss_after_mb, 1),
        "growth_run1_to_run2": round(growth, 4),
        "first_errors": bot.first_errors,
        "targets": {
            "dropped == 0": dropped == 0,
            f"longest stall < {TARGET_STALL_MS:.0f} ms": stall < TARGET_STALL_MS,
            f"memory growth < {TARGET_GROWTH:.0%}": growth < TARGET_GROWTH,
        },
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"{report['questions']:,} mentions from {report['users']} users, "
          f"{report['concurrency']} in flight, synthetic knowledge base of "
          f"{report['facts']:,} facts; cooldown {report['cooldown']}; "
          f"bot setup {report['setup_s']} s"
          + ("; gc.freeze() after start-up" if report["gc_freeze"] else "; no gc.freeze()"))
    if report["bot"] == "in-process":
        print(f"the bot ran in-process (pid {report['bot_pid']}), on one event loop with the "
              "server and the driver: every figure is of that shared loop")
    else:
        print(f"the bot ran in its own process (pid {report['bot_pid']}; server and driver: "
              f"pid {report['driver_pid']}); latencies and reply counts measured by the "
              "driver, loop stalls, steps, GC, service.ask, ERROR records, db writes and RSS "
              "inside the bot's process")
    rows = [
        ("sent", "sent"), ("answered", "answered"), ("  with the right fact", "right_fact"),
        ("declined", "declined"), ("  unrelated, declined", "unrelated_declined"),
        ("rate-limited", "rate_limited"), ("refused (send failed)", "refused"),
        ("dropped (no reply)", "dropped"), ("not sent (time budget)", "not_sent"),
        ("seconds", "seconds"), ("questions / s", "questions_per_s"),
        ("latency p50 ms", "p50_ms"), ("latency p99 ms", "p99_ms"),
        ("latency max ms", "max_ms"), ("service.ask p50 ms", "ask_p50_ms"),
        ("service.ask p99 ms", "ask_p99_ms"), ("service.ask max ms", "ask_max_ms"),
        ("longest loop stall ms", "longest_stall_ms"),
        ("longest single step ms", "longest_step_ms"),
        ("stalls > 50 ms", "stalls_over_50ms"), ("stalls > 100 ms", "stalls_over_100ms"),
        ("full GC collections", "gen2_collections"), ("longest full GC ms", "longest_gen2_ms"),
        ("longest young GC ms", "longest_gen01_ms"),
        ("ERROR log records", "error_logs"), ("db writes queued at end", "db_queue_at_end"),
        ("db flush s", "db_flush_s"), ("bot RSS after run MB", "rss_after_mb"),
    ]
    run1, run2 = report["runs"]
    print(f"{'':<26}{'run 1':>12}{'run 2':>12}")
    for label, key in rows:
        print(f"{label:<26}{run1[key]!s:>12}{run2[key]!s:>12}")
    print(f"bot RSS before {report['rss_before_mb']} MB, "
          f"after run 1 {report['rss_after_run1_mb']} MB, "
          f"after run 2 {report['rss_after_run2_mb']} MB "
          f"(growth {report['growth_run1_to_run2']:+.1%})")
    for number, run in enumerate(report["runs"], 1):
        print(f"run {number}: the longest single step was {run['longest_step']}")
    for error in report["first_errors"]:
        print(f"  error: {error}")
    for target, met in report["targets"].items():
        print(f"target {target}: {'met' if met else 'MISSED'}")


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
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if min(args.questions, args.users, args.facts, args.concurrency) < 1:
        parser.error("--questions, --users, --facts and --concurrency must be at least 1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
