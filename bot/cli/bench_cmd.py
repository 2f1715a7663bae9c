"""`bench quality` and `bench speed`: the matcher against public data sets and at scale."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_SEED = 0
DEFAULT_QUERIES = 1000


def _error(message: str) -> int:
    print(f"careerbot bench: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _dump(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_quality(args: argparse.Namespace) -> int:
    """Score CareerBot and the lexical baselines on one benchmark file."""
    from bot.bench.datasets import DatasetError, load_dataset
    from bot.bench.quality import format_report, run_quality

    if args.limit is not None and args.limit < 1:
        return _error(f"--limit must be at least 1, not {args.limit}")
    try:
        dataset = load_dataset(args.dataset).limited(args.limit)
    except DatasetError as exc:
        return _error(str(exc))
    report = run_quality(dataset)
    if args.json:
        _dump(report.to_json())
    else:
        print(format_report(report))
    return EXIT_OK


def cmd_speed(args: argparse.Namespace) -> int:
    """Time loading, matching and autocomplete on a synthetic knowledge base."""
    from bot.bench.speed import format_speed, run_speed
    from bot.bench.synthetic import max_facts

    if not 1 <= args.facts <= max_facts():
        return _error(f"--facts must be between 1 and {max_facts():,}, not {args.facts}")
    if args.queries < 1:
        return _error(f"--queries must be at least 1, not {args.queries}")
    report = run_speed(args.facts, seed=args.seed, queries=args.queries, cache=args.cache)
    if args.json:
        _dump(report.to_json())
    else:
        print(format_speed(report))
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add `bench quality` and `bench speed` to the main parser's sub-commands."""
    bench = subparsers.add_parser("bench", help="benchmark the matcher (quality, speed)")
    bench.set_defaults(func=lambda _args: _error("choose `bench quality` or `bench speed`"))
    kinds = bench.add_subparsers(dest="bench_command")

    quality = kinds.add_parser(
        "quality", help="CareerBot vs lexical baselines on a benchmark JSON file"
    )
    quality.add_argument("--dataset", required=True, metavar="FILE", help="benchmark JSON file")
    quality.add_argument("--json", action="store_true", help="print the figures as JSON")
    quality.add_argument(
        "--limit", type=int, metavar="N", help="use N queries, spread evenly over the file"
    )
    quality.set_defaults(func=cmd_quality)

    speed = kinds.add_parser("speed", help="latency, load time and memory at N synthetic facts")
    speed.add_argument("--facts", type=int, required=True, metavar="N", help="facts to generate")
    speed.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help="data seed")
    speed.add_argument(
        "--queries", type=int, default=DEFAULT_QUERIES, metavar="Q", help="questions to time"
    )
    speed.add_argument("--json", action="store_true", help="print the figures as JSON")
    speed.add_argument(
        "--cache", type=Path, metavar="DIR",
        help="keep the phrasing vectors in DIR: the first run times a cold build, the next a "
             "warm start (without it, every run is cold)")
    speed.set_defaults(func=cmd_speed)
