"""The developer tools' sub-commands: `eval` (the gold sets) and `bench quality`, `bench speed`,
`bench embedding`, `bench ablation`, `bench conversation`, `bench compound`, `bench servers`
(public data sets, scale, the model's cost, each hand rule off, follow-ups, several questions
in one message, server layers).
Their modules are imported only when the command runs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
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


def _show(args: argparse.Namespace, data: Callable[[], Any], text: Callable[[], str]) -> int:
    """Print a report: as JSON with `--json`, else as text."""
    if args.json:
        _dump(data())
    else:
        print(text())
    return EXIT_OK


def cmd_quality(args: argparse.Namespace) -> int:
    """Score CareerBot and the lexical baselines on one benchmark file."""
    from bot.devtools.bench.datasets import DatasetError, load_dataset
    from bot.devtools.bench.quality import format_report, run_quality

    if args.limit is not None and args.limit < 1:
        return _error(f"--limit must be at least 1, not {args.limit}")
    try:
        dataset = load_dataset(args.dataset).limited(args.limit)
    except DatasetError as exc:
        return _error(str(exc))
    report = run_quality(dataset)
    return _show(args, report.to_json, lambda: format_report(report))


def cmd_speed(args: argparse.Namespace) -> int:
    """Time loading, matching and autocomplete on a synthetic knowledge base."""
    from bot.devtools.bench.speed import format_speed, run_speed
    from bot.devtools.bench.synthetic import max_facts

    if args.shipped:
        return _shipped_speed(args)
    if args.facts is None:
        return _error("choose --facts N (a generated knowledge base) or --shipped")
    if not 1 <= args.facts <= max_facts():
        return _error(f"--facts must be between 1 and {max_facts():,}, not {args.facts}")
    if args.queries < 1:
        return _error(f"--queries must be at least 1, not {args.queries}")
    report = run_speed(args.facts, seed=args.seed, queries=args.queries, cache=args.cache)
    return _show(args, report.to_json, lambda: format_speed(report))


def _shipped_speed(args: argparse.Namespace) -> int:
    """`bench speed --shipped`: the knowledge base the bot answers from, started in fresh
    processes (cold, then warm) and timed on the gold set's questions."""
    from bot.devtools.bench.shipped import format_shipped, run_shipped
    from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
    from bot.startup import knowledge_or_exit, settings_or_exit

    if args.facts is not None:
        return _error("--shipped times the knowledge base as it is: leave out --facts")
    folder = args.knowledge or settings_or_exit().knowledge_dir
    knowledge = knowledge_or_exit(folder)  # an invalid one is listed, and ends the command
    questions = [q.text for q in load_gold(DEFAULT_GOLD)]
    try:
        report = run_shipped(folder, knowledge, questions)
    except RuntimeError as exc:
        return _error(str(exc))
    return _show(args, report.to_json, lambda: format_shipped(report))


def cmd_embedding(args: argparse.Namespace) -> int:
    """Where a question's embedding time goes: by length, and by onnxruntime operator."""
    from bot.core.matching.embedding import (
        EmbeddingUnavailable,
        default_model_path,
        load_embedder,
    )
    from bot.devtools.bench.embedding import format_embedding, run_embedding
    from bot.startup import settings_or_exit

    if args.runs < 1 or args.threads < 1:
        return _error("--runs and --threads must be at least 1")
    try:
        embedder = load_embedder(default_model_path(settings_or_exit().embedding_model),
                                 threads=args.threads)
    except EmbeddingUnavailable as exc:
        return _error(str(exc))
    report = run_embedding(embedder, threads=args.threads, runs=args.runs)
    return _show(args, lambda: asdict(report), lambda: format_embedding(report))


def cmd_ablation(args: argparse.Namespace) -> int:
    """Every data set with all hand rules on, then with each off in turn."""
    from bot.core.knowledge.errors import KnowledgeBaseError
    from bot.core.knowledge.loader import load_report
    from bot.core.knowledge.yaml_io import YamlError
    from bot.core.matching.rules import RULES
    from bot.devtools.bench.ablation import GoldSet, format_ablation, run_ablation
    from bot.devtools.bench.datasets import DatasetError, load_dataset
    from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
    from bot.settings import Settings, SettingsError

    rules = [r for r in (args.rules or ",".join(RULES)).split(",") if r]
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        return _error(f"unknown rule(s): {', '.join(unknown)} (known: {', '.join(RULES)})")
    try:
        folder = args.knowledge or Settings.from_env().knowledge_dir
    except SettingsError as exc:
        return _error(str(exc))
    report = load_report(folder)
    if report.knowledge is None:
        return _error(f"the knowledge base in {folder} is not valid (run `python -m bot validate`)")
    try:
        gold = [GoldSet(str(path), load_gold(path)) for path in args.gold or [DEFAULT_GOLD]]
        datasets = [load_dataset(path) for path in args.dataset or []]
    except (YamlError, KnowledgeBaseError, DatasetError, OSError) as exc:
        return _error(str(exc))
    rows = run_ablation(report.knowledge, gold, datasets, rules=rules, lexical=args.lexical)
    names = [g.name for g in gold] + [d.name for d in datasets]
    if args.json:
        _dump([{"rule": row.rule, "sets": dict(zip(names, map(asdict, row.figures),
                                                   strict=True))} for row in rows])
    else:
        print(format_ablation(rows, names))
    return EXIT_OK


def cmd_conversation(args: argparse.Namespace) -> int:
    """Score follow-ups on a two-turn conversation set."""
    from bot.devtools.conversations import (
        DEFAULT_CONVERSATIONS,
        ConversationsError,
        evaluate_conversations,
        format_conversations,
        load_conversations,
    )
    from bot.startup import knowledge_or_exit, open_service

    knowledge = knowledge_or_exit(args.knowledge)
    file = args.file or DEFAULT_CONVERSATIONS
    try:
        exchanges = load_conversations(file, set(knowledge.facts))
    except ConversationsError as exc:
        return _error(str(exc))
    report = evaluate_conversations(open_service(knowledge, lexical=args.lexical), exchanges)
    print(format_conversations(report, str(file), args.verbose))
    return EXIT_OK


def cmd_compound(args: argparse.Namespace) -> int:
    """Score messages joining two questions of a gold set."""
    from bot.core.knowledge.errors import KnowledgeBaseError
    from bot.core.knowledge.yaml_io import YamlError
    from bot.devtools.compound import evaluate_compound, format_compound
    from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
    from bot.startup import knowledge_or_exit, open_service

    knowledge = knowledge_or_exit(args.knowledge)
    file = args.file or DEFAULT_GOLD
    try:
        questions = load_gold(file)
    except (YamlError, KnowledgeBaseError) as exc:
        return _error(str(exc))
    report = evaluate_compound(open_service(knowledge, lexical=args.lexical), questions,
                               pairs=args.pairs, seed=args.seed)
    print(format_compound(report, str(file), args.verbose))
    return EXIT_OK


def cmd_servers(args: argparse.Namespace) -> int:
    """Many servers with their own facts: latency of questions in them, build time, memory."""
    from bot.devtools.bench.servers import format_servers, run_servers
    from bot.devtools.bench.synthetic import max_facts
    from bot.devtools.evaluation import DEFAULT_GOLD, load_gold
    from bot.startup import knowledge_or_exit, semantic_of, settings_or_exit

    for name in ("servers", "facts", "queries", "phrasings"):
        if getattr(args, name) < 1:
            return _error(f"--{name} must be at least 1, not {getattr(args, name)}")
    if args.servers * args.facts > max_facts():
        return _error(f"--servers x --facts must be at most {max_facts():,}")
    if args.capacity is not None and args.capacity < 1:
        return _error(f"--capacity must be at least 1, not {args.capacity}")
    knowledge = knowledge_or_exit(args.knowledge)
    semantic = None if args.lexical else semantic_of(settings_or_exit())
    report = run_servers(
        knowledge, load_gold(DEFAULT_GOLD), semantic=semantic, servers=args.servers,
        facts=args.facts, queries=args.queries, phrasings=min(args.phrasings, 10),
        seed=args.seed, own_thresholds=args.own_thresholds, capacity=args.capacity)
    return _show(args, report.to_json, lambda: format_servers(report))


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the bot on a gold set."""
    from bot.core.knowledge.errors import KnowledgeBaseError
    from bot.core.knowledge.yaml_io import YamlError
    from bot.devtools.evaluation import (
        DEFAULT_GOLD,
        QUESTIONS_ONLY_TARGETS,
        SET_TARGETS,
        TYPO_COPIES,
        evaluate,
        frontier,
        load_gold,
        new_fact,
        questions_only,
        with_typos,
    )
    from bot.startup import knowledge_or_exit, open_service

    if args.own and args.new_fact is None:
        print("error: --own goes with --new-fact N", file=sys.stderr)
        return EXIT_USAGE
    knowledge = knowledge_or_exit(args.knowledge)
    if args.questions_only:
        knowledge = questions_only(knowledge)
    service = open_service(knowledge, lexical=args.lexical)
    file = args.file or DEFAULT_GOLD
    try:
        questions = load_gold(file)
    except (YamlError, KnowledgeBaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.typos is not None:
        questions = with_typos(questions, args.typos, args.seed)
    if args.frontier:
        return _print_frontier(file, service.matcher.thresholds.answer,
                               frontier(service.matcher, questions))
    if args.new_fact is not None:
        return _print_new_fact(file, args.new_fact, args.own,
                               new_fact(service.matcher, questions, args.new_fact, own=args.own))
    report = evaluate(service, questions)
    if args.verbose:
        for miss in report.misses:
            expected = ", ".join(miss.question.expect) or "(decline)"
            print(f"  {miss.question.text!r}: expected {expected}, "
                  f"got {miss.got or '(declined)'} at {miss.confidence:.2f}")
    targets = QUESTIONS_ONLY_TARGETS if args.questions_only else SET_TARGETS
    met = "met" if report.met(targets) else "MISSED"
    mode = "meaning + lexical" if service.matcher.semantic is not None else "lexical only"
    cut = ", each fact's canonical question only" if args.questions_only else ""
    if args.typos is not None:
        cut += (f"; {TYPO_COPIES} copies, words of 5+ letters mistyped at {args.typos:.0%}, "
                f"seeds {args.seed}-{args.seed + TYPO_COPIES - 1}")
    print(f"gold set: {file} ({report.answerable} answerable, "
          f"{report.out_of_scope} out of scope; {mode}{cut})")
    print(f"  answered correctly      {report.correct_share:6.1%}   "
          f"target >= {targets.correct:.0%}")
    print(f"  answered wrongly        {report.wrong_share:6.1%}   target <= {targets.wrong:.0%}")
    print(f"  declined, had an answer {report.declined_share:6.1%}")
    print(f"    right fact suggested  {report.declined_suggested_share:6.1%}   "
          "(one click away: offered under \"did you mean\")")
    print(f"  right fact ranked first {report.ranked_first_share:6.1%}   "
          "(answered or not: the most any decision could get right on this ranking)")
    goal = (f"target >= {targets.out_of_scope_declined:.0%}"
            if targets.out_of_scope_declined else "no target")
    print(f"  out of scope declined   {report.out_of_scope_declined_share:6.1%}   {goal}")
    print(f"  targets: {met}")
    return EXIT_OK


def _print_frontier(file: Path, answer: float, rows: list) -> int:
    print(f"gold set: {file}; the thresholds an answer must clear (answer, floor, strong) "
          "moved together")
    print("   shift   answer   correct   wrongly   out of scope declined")
    for shift, report in rows:
        mark = "   <- the bot's own" if shift == 0 else ""
        print(f"  {shift:+.2f}    {answer + shift:5.2f}    {report.correct_share:6.1%}    "
              f"{report.wrong_share:6.1%}    {report.out_of_scope_declined_share:6.1%}{mark}")
    return EXIT_OK


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a probability is between 0 and 1, not {value}")
    return value


def _phrasings(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"a fact has at least 1 phrasing, not {value}")
    return value


def _print_new_fact(file: Path, phrasings: int, own: bool, report: Any) -> int:
    where = ("a server's own, beside the shared base without it" if own
             else "in the knowledge base, the other facts as they are")
    print(f"gold set: {file}; each fact it asks about in turn cut to {phrasings} "
          f"phrasing{'s' if phrasings != 1 else ''}, {where} ({report.answerable} questions)")
    print(f"  answered correctly      {report.correct_share:6.1%}")
    print(f"  answered wrongly        {report.wrong_share:6.1%}")
    print(f"  declined                {report.declined_share:6.1%}")
    print(f"    right fact suggested  {report.declined_suggested_share:6.1%}")
    return EXIT_OK


def register_eval(subparsers: Any) -> None:
    """Add `eval` to the main parser's sub-commands."""
    from bot.startup import with_knowledge

    ev = with_knowledge(subparsers.add_parser("eval", help="score the matcher on the gold set"))
    ev.add_argument("file", nargs="?", type=Path, default=None,
                    help="gold set YAML (default: tests/data/gold.yaml of a checkout)")
    ev.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    ev.add_argument("--questions-only", action="store_true",
                    help="the knowledge base cut to each fact's canonical question")
    ev.add_argument("--lexical", action="store_true",
                    help="without the meaning signal (as when the model can not be loaded)")
    ev.add_argument("--new-fact", type=_phrasings, metavar="N", default=None,
                    help="how a just-added fact fares: each fact the set asks about in turn "
                         "cut to N phrasings, the rest as they are (answerable questions only)")
    ev.add_argument("--own", action="store_true",
                    help="with --new-fact: the fact is a server's own (a layer beside the base)")
    ev.add_argument("--typos", type=_rate, metavar="P", default=None,
                    help="the set mistyped: each word of 5+ letters with probability P "
                         "(0-1), in three copies (how well typos are read)")
    ev.add_argument("--seed", type=int, default=1, metavar="S",
                    help="with --typos: the first copy's seed")
    ev.add_argument("--frontier", action="store_true",
                    help="the same set with stricter and looser decisions (a diagnostic: "
                         "what moving the calibrated thresholds would trade)")
    ev.set_defaults(func=cmd_eval)


def register(subparsers: Any) -> None:
    """Add `bench quality` and `bench speed` to the main parser's sub-commands."""
    from bot.startup import with_knowledge

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

    speed = with_knowledge(
        kinds.add_parser("speed", help="latency, load time and memory at N synthetic facts"))
    speed.add_argument("--facts", type=int, metavar="N", help="facts to generate")
    speed.add_argument("--shipped", action="store_true",
                       help="the knowledge base the bot answers from instead (--knowledge DIR, "
                            "else the bundled one): start cold and warm, match on the gold set")
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

    embedding = kinds.add_parser(
        "embedding", help="a question's embedding time by length and by onnxruntime operator")
    embedding.add_argument("--runs", type=int, default=200, metavar="N",
                           help="timed runs for each length (default 200)")
    embedding.add_argument("--threads", type=int, default=1, metavar="N",
                           help="onnxruntime intra-op threads (the bot uses 1)")
    embedding.add_argument("--json", action="store_true", help="print the figures as JSON")
    embedding.set_defaults(func=cmd_embedding)

    ablation = with_knowledge(kinds.add_parser(
        "ablation", help="each hand rule of the matcher off in turn, on every data set given"))
    ablation.add_argument("--gold", type=Path, action="append", metavar="FILE",
                          help="a gold-style YAML set (repeatable; default: the gold set)")
    ablation.add_argument("--dataset", type=Path, action="append", metavar="FILE",
                          help="a benchmark JSON file (repeatable)")
    ablation.add_argument("--rules", metavar="A,B", help="only these rules (default: every one)")
    ablation.add_argument("--lexical", action="store_true",
                          help="without the meaning signal (as when the model can not be loaded)")
    ablation.add_argument("--json", action="store_true", help="print the figures as JSON")
    ablation.set_defaults(func=cmd_ablation)

    conversation = with_knowledge(kinds.add_parser(
        "conversation", help="follow-ups read in context, on a two-turn conversation set"))
    conversation.add_argument("file", nargs="?", type=Path, default=None,
                              help="conversation YAML (default: tests/data/conversations.yaml)")
    conversation.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    conversation.add_argument("--lexical", action="store_true",
                              help="without the meaning signal")
    conversation.set_defaults(func=cmd_conversation)

    compound = with_knowledge(kinds.add_parser(
        "compound", help="messages asking two questions, joined from a gold set's"))
    compound.add_argument("file", nargs="?", type=Path, default=None,
                          help="gold set YAML (default: tests/data/gold.yaml of a checkout)")
    compound.add_argument("--pairs", type=int, default=300, metavar="N",
                          help="messages joining two answerable questions (default 300)")
    compound.add_argument("--seed", type=int, default=7, metavar="S", help="pairing seed")
    compound.add_argument("-v", "--verbose", action="store_true",
                          help="list every pair not both answered right")
    compound.add_argument("--lexical", action="store_true", help="without the meaning signal")
    compound.set_defaults(func=cmd_compound)

    servers = with_knowledge(kinds.add_parser(
        "servers", help="questions in many servers, each with its own facts (server layers)"))
    servers.add_argument("--servers", type=int, default=100, metavar="N",
                         help="servers with a layer (default 100)")
    servers.add_argument("--facts", type=int, default=50, metavar="N",
                         help="facts in each server's layer (default 50)")
    servers.add_argument("--phrasings", type=int, default=3, metavar="N",
                         help="phrasings of each layer fact, 1 to 10 (default 3)")
    servers.add_argument("--queries", type=int, default=DEFAULT_QUERIES, metavar="Q",
                         help="questions to time, spread over the servers")
    servers.add_argument("--capacity", type=int, metavar="N",
                         help="layers kept in memory (default: every server's)")
    servers.add_argument("--own-thresholds", action="store_true",
                         help="each layer calibrates its own thresholds (default: the base's)")
    servers.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help="data seed")
    servers.add_argument("--lexical", action="store_true", help="without the meaning signal")
    servers.add_argument("--json", action="store_true", help="print the figures as JSON")
    servers.set_defaults(func=cmd_servers)
