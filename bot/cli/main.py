"""The offline front: `ask`, `chat`, `validate` and `fingerprint` (registered by `bot.entry`).

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
from bot.cli.console import VIA, Console
from bot.cli.render import render_answers, render_overlaps
from bot.core.knowledge.fingerprint_build import build_fingerprints
from bot.core.knowledge.loader import load_report
from bot.core.knowledge.quotes import check_quotes, stale_fingerprints, unverified_sources
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
        print(render_answers(answer, service.knowledge))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    """The offline console (`bot.cli.console`): each line a question."""
    console = Console(open_service(knowledge_or_exit(args.knowledge)))
    interactive = sys.stdin.isatty()
    if interactive:
        print(texts.CONSOLE_BANNER.format(facts=len(console.service.knowledge.facts)))
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
        print(console.reply(question))
        print()
    return EXIT_OK


def _documents_or_exit(documents: Path) -> Path:
    if not documents.is_dir():
        print(f"error: documents folder not found: {documents}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    return documents


def cmd_validate(args: argparse.Namespace) -> int:
    folder = args.knowledge or settings_or_exit().knowledge_dir
    documents = _documents_or_exit(args.documents) if args.documents else None
    report = load_report(folder)
    issues = list(report.issues)
    if report.knowledge is not None:
        issues += check_quotes(report.knowledge, documents)
        if documents is not None:
            issues += stale_fingerprints(report.knowledge, documents)
    if issues:
        print(f"{len(issues)} problem(s) in {folder}:")
        for issue in issues:
            print(f"  {issue}")
        return EXIT_INVALID
    kb = report.knowledge
    where = "its document" if documents else "its source's fingerprint"
    print(f"OK: {len(kb.facts)} facts in {len(kb.topics)} topics, "
          f"{len(kb.sources)} sources, every checkable quote found in {where}.")
    unverified = unverified_sources(kb)
    if unverified:
        names = ", ".join(s.id for s in unverified)
        print(f"Note: quotes of {len(unverified)} source(s) without a fingerprint are not "
              f"checked (answers citing them are marked unverified): {names}")
    if args.overlaps:
        print(render_overlaps(find_overlaps(open_service(kb).matcher)))
    return EXIT_OK


def cmd_fingerprint(args: argparse.Namespace) -> int:
    folder = args.knowledge or settings_or_exit().knowledge_dir
    built, issues = build_fingerprints(folder, _documents_or_exit(args.documents))
    for item in built:
        state = "written" if item.changed else "unchanged"
        print(f"{item.file}: {state} ({item.source_id})")
        if not item.named:
            print(f"  add `fingerprint: {item.file}` to source '{item.source_id}' in "
                  "sources.yaml, or its quotes stay unverified")
    if issues:
        print(f"{len(issues)} problem(s):")
        for issue in issues:
            print(f"  {issue}")
        return EXIT_INVALID
    print(f"OK: {len(built)} fingerprint(s) in {folder}; "
          "check the quotes with `python -m bot validate`.")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add `ask`, `chat`, `validate` and `fingerprint` to the command line's sub-commands."""
    ask = with_knowledge(sub.add_parser("ask", help="answer one question"))
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("question", help="the question, or - to read one per line from stdin (JSON)")
    ask.set_defaults(func=cmd_ask)

    chat = with_knowledge(sub.add_parser("chat", help="an interactive console conversation"))
    chat.set_defaults(func=cmd_chat)

    val = with_knowledge(sub.add_parser("validate", help="check the knowledge files"))
    val.add_argument("--documents", type=Path, metavar="DIR",
                     help="check quotes against the source documents in DIR (not only their "
                          "fingerprints), and the fingerprints against a fresh build")
    val.add_argument("--overlaps", action="store_true",
                     help="also list phrasings that read more like another fact (warnings)")
    val.set_defaults(func=cmd_validate)

    build = with_knowledge(sub.add_parser(
        "fingerprint", help="(re)build the quote fingerprints from the source documents"))
    build.add_argument("--documents", type=Path, metavar="DIR", required=True,
                       help="the folder of the source documents' text")
    build.set_defaults(func=cmd_fingerprint)
