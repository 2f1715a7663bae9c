"""A separate process making aliases on a knowledge directory (for the multi-process tests).

Usage: python -m tests.core.editing._worker ROOT DATABASE PREFIX COUNT [GO_FILE]
(DATABASE: a SQLite file, or a postgresql:// URL: the files then live in the database.)
Prints "READY", waits for GO_FILE when given, then one "ACK <phrasing>" line per saved alias.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.core.editing import ChangeHistory, KnowledgeStore
from bot.core.editing.postgres import PostgresHistory


def main(argv: list[str]) -> None:
    root, database, prefix, count = Path(argv[0]), argv[1], argv[2], int(argv[3])
    go = Path(argv[4]) if len(argv) > 4 else None
    history = (PostgresHistory(database) if database.startswith("postgresql://")
               else ChangeHistory(Path(database)))
    store = KnowledgeStore(root, history)
    store.reconcile()
    fact_ids = sorted(store.load().knowledge.facts)
    print("READY", flush=True)
    while go is not None and not go.exists():
        time.sleep(0.005)
    for n in range(count):
        phrasing = f"{prefix} asks question number {n}"
        store.add_alias(fact_ids[n % len(fact_ids)], phrasing, actor=prefix)
        print(f"ACK {phrasing}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
