"""The command line: `python -m bot [ask|chat|validate|eval|run|bench]`.

With no sub-command: the Discord bot when DISCORD_TOKEN is set, the offline console otherwise.
Each front registers its own sub-commands: the console (`bot.cli`), the developer tools
(`bot.devtools.commands`); `run` starts the Discord front (`bot.app`, imported only then).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace

from bot.cli import knowledge as knowledge_files
from bot.cli import main as console
from bot.devtools import commands as devtools
from bot.startup import EXIT_OK, EXIT_USAGE, settings_or_exit, with_knowledge


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
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
    console.register(sub)
    devtools.register_eval(sub)
    knowledge_files.register(sub)
    run = with_knowledge(sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)"))
    run.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR")
    run.set_defaults(func=cmd_run)
    devtools.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if settings_or_exit().token:
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
