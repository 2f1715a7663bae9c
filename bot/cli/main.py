"""The command line: `python -m bot [ask|chat|validate|eval|bench|run]`.

With no sub-command: the Discord bot when DISCORD_TOKEN is set, the offline console otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bot.cli.render import render_answer, render_overlaps
from bot.core.answers import answer_question
from bot.core.knowledge.errors import KnowledgeBaseError
from bot.core.knowledge.loader import load_report
from bot.core.knowledge.models import KnowledgeBase
from bot.core.knowledge.quotes import check_quotes
from bot.core.knowledge.yaml_io import YamlError
from bot.core.matching import Matcher
from bot.core.matching.overlaps import find_overlaps
from bot.core.matching.semantic import EMBEDDINGS_DIR, SemanticModel, semantic_model
from bot.devtools import commands as bench_cmd
from bot.devtools.evaluation import (
    DEFAULT_GOLD,
    TARGET_CORRECT,
    TARGET_OUT_OF_SCOPE_DECLINED,
    TARGET_WRONG,
    evaluate,
    load_gold,
    questions_only,
)
from bot.settings import Settings, SettingsError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def _matcher(args: argparse.Namespace) -> Matcher:
    return Matcher(_matcher_knowledge(args), semantic=_semantic())


def _matcher_knowledge(args: argparse.Namespace) -> KnowledgeBase:
    folder = args.knowledge or _settings().knowledge_dir
    report = load_report(folder)
    if report.knowledge is None:
        print(f"error: the knowledge base in {folder} is not valid:", file=sys.stderr)
        for issue in report.issues:
            print(f"  {issue}", file=sys.stderr)
        print("Run `python -m bot validate` for the full list.", file=sys.stderr)
        raise SystemExit(EXIT_INVALID)
    return report.knowledge


def _semantic() -> SemanticModel | None:
    """The model of meaning, its vectors cached in the data directory (as the bot's)."""
    settings = _settings()
    return semantic_model(settings.data_dir / EMBEDDINGS_DIR, settings.embedding_model)


def cmd_ask(args: argparse.Namespace) -> int:
    matcher = _matcher(args)
    if args.question == "-":
        for line in sys.stdin:
            question = line.rstrip("\n")
            print(json.dumps(answer_question(matcher, question).to_json(), ensure_ascii=False))
            sys.stdout.flush()
        return EXIT_OK
    answer = answer_question(matcher, args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(render_answer(answer))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    matcher = _matcher(args)
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"CareerBot offline console: {len(matcher.facts)} facts loaded. "
              "Ask about becoming a machine learning engineer; Ctrl-D or 'quit' to leave.")
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
        print(render_answer(answer_question(matcher, question)))
        print()
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    folder = args.knowledge or _settings().knowledge_dir
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
        print(render_overlaps(find_overlaps(Matcher(kb))))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    knowledge = _matcher_knowledge(args)
    if args.questions_only:
        knowledge = questions_only(knowledge)
    matcher = Matcher(knowledge, semantic=None if args.lexical else _semantic())
    try:
        questions = load_gold(args.file)
    except (YamlError, KnowledgeBaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = evaluate(matcher, questions)
    if args.verbose:
        for miss in report.misses:
            expected = ", ".join(miss.question.expect) or "(decline)"
            print(f"  {miss.question.text!r}: expected {expected}, "
                  f"got {miss.got or '(declined)'} at {miss.confidence:.2f}")
    met = "met" if report.targets_met else "MISSED"
    mode = "meaning + lexical" if matcher.semantic is not None else "lexical only"
    cut = ", each fact's canonical question only" if args.questions_only else ""
    print(f"gold set: {args.file} ({report.answerable} answerable, "
          f"{report.out_of_scope} out of scope; {mode}{cut})")
    print(f"  answered correctly      {report.correct_share:6.1%}   target >= {TARGET_CORRECT:.0%}")
    print(f"  answered wrongly        {report.wrong_share:6.1%}   target <= {TARGET_WRONG:.0%}")
    print(f"  declined, had an answer {report.declined_share:6.1%}")
    print(f"    right fact suggested  {report.declined_suggested_share:6.1%}   "
          "(one click away: offered under \"did you mean\")")
    print(f"  out of scope declined   {report.out_of_scope_declined_share:6.1%}   "
          f"target >= {TARGET_OUT_OF_SCOPE_DECLINED:.0%}")
    print(f"  targets: {met}")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.token:
        print("error: DISCORD_TOKEN is not set (see .env.example)", file=sys.stderr)
        return EXIT_USAGE
    if args.knowledge:
        settings = replace(settings, knowledge_dir=args.knowledge)
    from bot.app import run_bot  # Discord is imported only when the bot runs

    return run_bot(settings, log_level=args.log_level)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot", description="Answers questions about becoming an ML engineer."
    )
    sub = parser.add_subparsers(dest="command")

    def with_knowledge(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--knowledge", type=Path, metavar="DIR",
                       help="knowledge directory (default: CAREERBOT_KNOWLEDGE or the bundled one)")
        return p

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

    ev = with_knowledge(sub.add_parser("eval", help="score the matcher on the gold set"))
    ev.add_argument("file", nargs="?", type=Path, default=DEFAULT_GOLD, help="gold set YAML")
    ev.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    ev.add_argument("--questions-only", action="store_true",
                    help="the knowledge base cut to each fact's canonical question")
    ev.add_argument("--lexical", action="store_true",
                    help="without the meaning signal (as when the model can not be loaded)")
    ev.set_defaults(func=cmd_eval)

    run = with_knowledge(sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)"))
    run.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR")
    run.set_defaults(func=cmd_run)

    bench_cmd.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if _settings().token:
            args = parser.parse_args(["run"])
        else:
            print("No DISCORD_TOKEN set: starting the offline console instead of the Discord bot.",
                  file=sys.stderr)
            args = parser.parse_args(["chat"])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
