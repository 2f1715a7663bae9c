"""The offline front: `ask`, `chat` and `validate` (registered by `bot.entry`).

It asks the same application service as the Discord front (`bot.core.service`), built the same
way (`bot.startup`), without a database: nothing is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot import texts
from bot.cli.render import render_answer, render_overlaps
from bot.core.knowledge.loader import load_report
from bot.core.knowledge.quotes import check_quotes
from bot.core.matching.overlaps import find_overlaps
from bot.startup import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    knowledge_or_exit,
    open_service,
    settings_or_exit,
    with_knowledge,
)

VIA = "cli"


def cmd_ask(args: argparse.Namespace) -> int:
    service = open_service(knowledge_or_exit(args.knowledge))
    if args.question == "-":
        for line in sys.stdin:
            answer = service.ask(line.rstrip("\n"), via=VIA, record=False)
            print(json.dumps(answer.to_json(), ensure_ascii=False))
            sys.stdout.flush()
        return EXIT_OK
    answer = service.ask(args.question, via=VIA, record=False)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(render_answer(answer, service.knowledge))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    service = open_service(knowledge_or_exit(args.knowledge))
    interactive = sys.stdin.isatty()
    if interactive:
        print(texts.CONSOLE_BANNER.format(facts=len(service.knowledge.facts)))
    while True:
        try:
            question = input("you> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            print()
            break
        if question.strip().lower() in {"quit", "exit"}:
            break
        if not question.strip():
            continue
        print(render_answer(service.ask(question, via=VIA, record=False), service.knowledge))
        print()
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    folder = args.knowledge or settings_or_exit().knowledge_dir
    report = load_report(folder)
    issues = list(report.issues)
    if report.knowledge is not None and args.documents:
        if not args.documents.is_dir():
            print(f"error: documents folder not found: {args.documents}", file=sys.stderr)
            return EXIT_USAGE
        issues += check_quotes(report.knowledge, args.documents)
    if issues:
        print(f"{len(issues)} problem(s) in {folder}:")
        for issue in issues:
            print(f"  {issue}")
        return EXIT_INVALID
    kb = report.knowledge
    checked = " and every quote found in its document" if args.documents else ""
    print(f"OK: {len(kb.facts)} facts in {len(kb.topics)} topics, "
          f"{len(kb.sources)} sources{checked}.")
    if args.overlaps:
        print(render_overlaps(find_overlaps(open_service(kb).matcher)))
    return EXIT_OK


def register(sub: Any) -> None:
    """Add `ask`, `chat` and `validate` to the command line's sub-commands."""
    ask = with_knowledge(sub.add_parser("ask", help="answer one question"))
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("question", help="the question, or - to read one per line from stdin (JSON)")
    ask.set_defaults(func=cmd_ask)

    chat = with_knowledge(sub.add_parser("chat", help="an interactive console conversation"))
    chat.set_defaults(func=cmd_chat)

    val = with_knowledge(sub.add_parser("validate", help="check the knowledge files"))
    val.add_argument("--documents", type=Path, metavar="DIR",
                     help="also check every quote against the source documents in DIR")
    val.add_argument("--overlaps", action="store_true",
                     help="also list phrasings that read more like another fact (warnings)")
    val.set_defaults(func=cmd_validate)

