"""Latency of CareerBot over the wire: mention-to-reply and slash-to-response.

    python -m tests.bench.discord_latency [--questions 1000] [--json]

Starts the local Discord-compatible server of the test harness and the real bot in this process
(one event loop, as in a test), then times N mentions and N `/ask` commands from the moment the
gateway event is sent to the moment the bot's REST answer reaches the server. Reports p50, p99,
max and the process's memory afterwards. A benchmark, not a test: it asserts nothing.
Target (issue 3): p99 under 20 ms locally.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import discord
import yarl

from tests.discord_harness import FakeDiscord, Harness, World
from tests.e2e.careerbot import make_bot, make_settings

QUESTIONS = (
    "how much do ml engineers earn?", "what degree do i need to become an mle",
    "what skills does a machine learning engineer need", "is ml engineering entry level?",
    "what is machine learning", "where do i start learning ml", "what does an ml engineer do",
    "what is the job outlook for ml engineers", "how much does a nurse make",
    "what careers use machine learning skills",
)
TARGET_P99_MS = 20.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, millis: list[float]) -> dict:
    return {"name": name, "n": len(millis), "p50_ms": round(statistics.median(millis), 3),
            "p99_ms": round(percentile(millis, 0.99), 3), "max_ms": round(max(millis), 3)}


async def run(count: int) -> dict:
    server = await FakeDiscord(World.default()).start()
    discord.http.Route.BASE = server.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), cooldown_questions=1000, cooldown_seconds=1)
        bot = make_bot(settings)
        await bot.login(server.token)
        connection = asyncio.create_task(bot.connect(reconnect=True))
        await bot.wait_until_ready()
        h = Harness(server, bot, timeout=10)
        users = [h.user("alice"), h.user("bob")]
        general = h.channel("general")
        mention, slash = [], []
        for i in range(count):
            question = QUESTIONS[i % len(QUESTIONS)]
            start = time.perf_counter()
            await h.say(users[i % 2], general, question, mention_bot=True)
            mention.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await h.slash(users[i % 2], general, "ask", question=question)
            slash.append((time.perf_counter() - start) * 1000)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await bot.close()
        connection.cancel()
    await server.stop()
    results = [summary("mention -> reply", mention), summary("/ask -> response", slash)]
    return {"questions": count, "results": results, "peak_rss_mb": round(rss_mb, 1),
            "target_p99_ms": TARGET_P99_MS,
            "met": all(r["p99_ms"] < TARGET_P99_MS for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(run(args.questions))
    if args.json:
        print(json.dumps(report))
        return
    print(f"{report['questions']} questions of each kind through the local Discord server")
    print(f"{'path':<20}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for r in report["results"]:
        print(f"{r['name']:<20}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['max_ms']:>10.2f}")
    print(f"peak RSS after: {report['peak_rss_mb']} MB")
    verdict = "met" if report["met"] else "MISSED"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
