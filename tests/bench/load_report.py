"""The load benchmark's figures (``tests.bench.load``): one run's, per bot process and overall,
and the report printed at the end."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.bench.load_bot import percentile

TARGET_STALL_MS = 100.0
TARGET_GROWTH = 0.10

WORST = ("ask_p50_ms", "ask_p99_ms", "ask_max_ms", "longest_stall_ms", "longest_step_ms",
         "longest_gen2_ms", "longest_gen01_ms", "db_flush_s")
"""Bot figures of several processes: the worst process's."""
SUMMED = ("asks", "stalls_over_50ms", "stalls_over_100ms", "gen2_collections", "error_logs",
          "db_queue_at_end", "rss_after_mb")
"""Bot figures of several processes: their sum."""


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
    other_requests: int = 0  # the bots' other requests: retried or late replies, duplicates
    seconds: float = 0.0
    questions_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    asks: int = 0  # questions the bot matched (AnswerService.ask calls)
    ask_p50_ms: float = 0.0  # the bot's matching of one question (on its matching thread)
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

    def count(self, outcome: str, *, latency_ms: float = 0.0, related: bool = False,
              right: bool = False) -> None:
        """One question's outcome: dropped, refused, rate_limited, answered or declined."""
        if outcome == "dropped":
            self.dropped += 1
            return
        self.latencies.append(latency_ms)
        self.related_asked += related
        if outcome == "refused":
            self.refused += 1
        elif outcome == "rate_limited":
            self.rate_limited += 1
        elif outcome == "answered":
            self.answered += 1
            self.right_fact += right
        else:
            self.declined += 1
            self.unrelated_declined += not related

    def finish(self, seconds: float) -> None:
        self.seconds = seconds
        self.questions_per_s = self.sent / seconds if seconds else 0.0
        self.p50_ms = statistics.median(self.latencies) if self.latencies else 0.0
        self.p99_ms = percentile(self.latencies, 0.99)
        self.max_ms = max(self.latencies, default=0.0)

    def take(self, figures: dict[str, Any]) -> None:
        """The figures measured inside a bot process (``BotProbes.end``)."""
        for name, value in figures.items():
            setattr(self, name, value)

    def take_worst(self, shares: list[RunReport]) -> None:
        """With several bot processes: the worst process's figures, or their sum."""
        for name in WORST:
            setattr(self, name, max(getattr(s, name) for s in shares))
        for name in SUMMED:
            setattr(self, name, sum(getattr(s, name) for s in shares))
        worst = max(range(len(shares)), key=lambda i: shares[i].longest_step_ms)
        self.longest_step = f"{shares[worst].longest_step} (process {worst + 1})"

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("latencies")
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in data.items()}


def growth(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def process_summary(bot: Any, setup_s: float, rss: list[float], runs: list[RunReport]
                    ) -> dict[str, Any]:
    """One bot process: ``rss`` before run 1, after run 1, after run 2."""
    return {
        "process": bot.shard + 1, "shard": bot.shard, "pid": bot.pid,
        "setup_s": round(setup_s, 2), "embedded_at_start": bot.embedded,
        "runs": [r.public() for r in runs],
        "rss_before_mb": round(rss[0], 1), "rss_after_run1_mb": round(rss[1], 1),
        "rss_after_run2_mb": round(rss[2], 1), "growth_run1_to_run2": round(growth(*rss[1:]), 4),
        "first_errors": bot.first_errors,
    }


def summary(args: Any, bots: list[Any], setups: list[float], rss: list[list[float]],
            runs: list[RunReport], shares: list[list[RunReport]], database: str,
            guilds: int) -> dict[str, Any]:
    """The whole report: ``runs`` the overall figures of runs 1 and 2, ``shares[i]`` those of
    bot process i (the questions of its guilds, its own probes), ``rss[i]`` its memory."""
    processes = [process_summary(bot, setup, memory, [run[i] for run in shares])
                 for i, (bot, setup, memory) in enumerate(zip(bots, setups, rss, strict=True))]
    total = [sum(memory[k] for memory in rss) for k in range(3)]
    dropped = sum(r.dropped for r in runs)
    stall = max(r.longest_stall_ms for r in runs)
    worst_growth = max(p["growth_run1_to_run2"] for p in processes)
    return {
        "questions": args.questions, "users": args.users, "facts": args.facts,
        "concurrency": args.concurrency, "timeout_s": args.timeout,
        "cooldown": f"{args.cooldown_questions} per {args.cooldown_seconds} s",
        "processes": len(bots), "guilds": guilds, "database": database,
        "bot": bots[0].where, "bot_pid": bots[0].pid, "driver_pid": args.driver_pid,
        "setup_s": round(sum(setups), 2), "gc_freeze": args.gc_freeze,
        "embeddings_cache": args.cache_folder,
        "runs": [r.public() for r in runs],
        "rss_before_mb": round(total[0], 1),
        "rss_after_run1_mb": round(total[1], 1),
        "rss_after_run2_mb": round(total[2], 1),
        "growth_run1_to_run2": round(growth(*total[1:]), 4),
        "first_errors": [e for p in processes for e in p["first_errors"]],
        "bots": processes,
        "targets": {
            "dropped == 0": dropped == 0,
            f"longest stall < {TARGET_STALL_MS:.0f} ms": stall < TARGET_STALL_MS,
            f"memory growth < {TARGET_GROWTH:.0%}": worst_growth < TARGET_GROWTH,
        },
    }


DRIVER_ROWS = [
    ("sent", "sent"), ("answered", "answered"), ("  with the right fact", "right_fact"),
    ("declined", "declined"), ("  unrelated, declined", "unrelated_declined"),
    ("rate-limited", "rate_limited"), ("refused (send failed)", "refused"),
    ("dropped (no reply)", "dropped"), ("not sent (time budget)", "not_sent"),
    ("other bot requests", "other_requests"),
    ("seconds", "seconds"), ("questions / s", "questions_per_s"),
    ("latency p50 ms", "p50_ms"), ("latency p99 ms", "p99_ms"), ("latency max ms", "max_ms"),
]
BOT_ROWS = [
    ("service.ask calls", "asks"), ("service.ask p50 ms", "ask_p50_ms"),
    ("service.ask p99 ms", "ask_p99_ms"), ("service.ask max ms", "ask_max_ms"),
    ("longest loop stall ms", "longest_stall_ms"), ("longest single step ms", "longest_step_ms"),
    ("stalls > 50 ms", "stalls_over_50ms"), ("stalls > 100 ms", "stalls_over_100ms"),
    ("full GC collections", "gen2_collections"), ("longest full GC ms", "longest_gen2_ms"),
    ("longest young GC ms", "longest_gen01_ms"),
    ("ERROR log records", "error_logs"), ("db writes queued at end", "db_queue_at_end"),
    ("db flush s", "db_flush_s"), ("bot RSS after run MB", "rss_after_mb"),
]


def print_table(runs: list[dict[str, Any]], rows: list[tuple[str, str]]) -> None:
    run1, run2 = runs
    print(f"{'':<26}{'run 1':>12}{'run 2':>12}")
    for label, key in rows:
        print(f"{label:<26}{run1[key]!s:>12}{run2[key]!s:>12}")


def print_memory(what: str, figures: dict[str, Any]) -> None:
    print(f"{what} before {figures['rss_before_mb']} MB, "
          f"after run 1 {figures['rss_after_run1_mb']} MB, "
          f"after run 2 {figures['rss_after_run2_mb']} MB "
          f"(growth {figures['growth_run1_to_run2']:+.1%})")


def print_report(report: dict[str, Any]) -> None:
    several = report["processes"] > 1
    print(f"{report['questions']:,} mentions from {report['users']} users, "
          f"{report['concurrency']} in flight, synthetic knowledge base of "
          f"{report['facts']:,} facts; cooldown {report['cooldown']}; "
          f"bot setup {report['setup_s']} s"
          + ("; gc.freeze() after start-up" if report["gc_freeze"] else "; no gc.freeze()"))
    print(f"database: {report['database']}; phrasing vectors: "
          + (f"cache {report['embeddings_cache']}" if report["embeddings_cache"]
             else "no cache (--cold)"))
    if report["bot"] == "in-process":
        print(f"the bot ran in-process (pid {report['bot_pid']}), on one event loop with the "
              "server and the driver: every figure is of that shared loop")
    elif several:
        print(f"{report['processes']} bot processes (shards 0-{report['processes'] - 1} of "
              f"{report['processes']}, each with its own data directory and knowledge folder; "
              f"server and driver: pid {report['driver_pid']}), questions spread over "
              f"{report['guilds']} guilds, one or more on each shard; latencies and reply counts "
              "measured by the driver, loop stalls, steps, GC, service.ask, ERROR records, db "
              "writes and RSS inside each bot process")
    else:
        print(f"the bot ran in its own process (pid {report['bot_pid']}; server and driver: "
              f"pid {report['driver_pid']}); latencies and reply counts measured by the "
              "driver, loop stalls, steps, GC, service.ask, ERROR records, db writes and RSS "
              "inside the bot's process")
    for bot in report["bots"]:
        print(f"process {bot['process']}: pid {bot['pid']}, setup {bot['setup_s']} s, "
              f"{bot['embedded_at_start']:,} phrasings embedded at start "
              + ("(every vector from the cache)" if not bot["embedded_at_start"] else "(cold)"))
    if several:
        print("all processes (in the JSON, the bot figures of all processes are the worst "
              "process's, counts and RSS summed)")
    print_table(report["runs"], DRIVER_ROWS + ([] if several else BOT_ROWS))
    if several:
        for bot in report["bots"]:
            print(f"process {bot['process']} (shard {bot['shard']}, pid {bot['pid']}): the "
                  "questions asked in its guilds")
            print_table(bot["runs"], DRIVER_ROWS + BOT_ROWS)
    for bot in report["bots"] if several else []:
        print_memory(f"process {bot['process']} RSS", bot)
    print_memory("bot RSS" + (", all processes," if several else ""), report)
    for bot in report["bots"]:
        for number, run in enumerate(bot["runs"], 1):
            where = f"process {bot['process']}, " if several else ""
            print(f"{where}run {number}: the longest single step was {run['longest_step']}")
        which = f" (process {bot['process']})" if several else ""
        for error in bot["first_errors"]:
            print(f"  error{which}: {error}")
    for target, met in report["targets"].items():
        print(f"target {target}: {'met' if met else 'MISSED'}")
