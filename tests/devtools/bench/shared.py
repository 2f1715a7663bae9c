"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.devtools import commands as bench_cmd

SHARED_BENCHMARKS = Path(__file__).resolve().parents[4] / "shared" / "benchmarks"


TINY = {
    "name": "Tiny StackFAQ-like set",
    "source": "written for this test",
    "license": "CC0",
    "how_built": "by hand",
    "entries": [
        {"id": "salary", "question": "How much does an ML engineer earn?", "answer": "A lot."},
        {
            "id": "degree",
            "question": "Do I need a degree?",
            "alternates": ["Is a bachelor's degree required?"],
            "answer": "Usually.",
        },
        {"id": "python", "question": "Which language should I learn first?", "answer": "Python."},
    ],
    "queries": [
        {"text": "what is the pay of a machine learning engineer", "expected": ["salary"]},
        {"text": "is a degree required", "expected": ["degree"]},
        {"text": "first programming language to learn", "expected": ["python"]},
        {"text": "what is the weather in paris", "expected": []},
    ],
}


def write(tmp_path: Path, data: object, name: str = "set.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="careerbot")
    bench_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)
