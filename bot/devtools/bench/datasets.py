"""Benchmark data sets: one JSON shape, loaded into frozen dataclasses and checked on the way in.

Shape: ``{"name", "source", "license", "how_built",
"entries": [{"id", "question", "alternates"?, "answer"}], "queries": [{"text", "expected"}]}``;
a query with ``expected == []`` is out of scope (the engine should decline it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.knowledge.models import Fact, KnowledgeBase


class DatasetError(Exception):
    """A benchmark file that cannot be used; the message names the file and what is wrong."""


_Fail = Callable[[str, str], DatasetError]


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    expected: tuple[str, ...] = ()

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    entries: tuple[Entry, ...]
    queries: tuple[Query, ...]
    source: str = ""
    license: str = ""
    how_built: str = ""

    def knowledge_base(self) -> KnowledgeBase:
        """The entries as bare facts, as the matcher sees them."""
        return KnowledgeBase.from_facts(
            [
                Fact(id=e.id, question=e.question, alternates=e.alternates, answer=e.answer)
                for e in self.entries
            ]
        )

    def limited(self, limit: int | None) -> Dataset:
        """At most ``limit`` queries, spread evenly over the file (keeps in- and out-of-scope)."""
        if limit is None or limit >= len(self.queries):
            return self
        if limit < 1:
            raise DatasetError(f"--limit must be at least 1, not {limit}")
        step = len(self.queries) / limit
        picked = tuple(self.queries[int(i * step)] for i in range(limit))
        return Dataset(self.name, self.entries, picked, self.source, self.license, self.how_built)


def load_dataset(path: str | Path) -> Dataset:
    """Read and check a benchmark file; raises DatasetError with the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return parse_dataset(data, origin=str(path))


def parse_dataset(data: Any, *, origin: str = "<data>") -> Dataset:
    """Check the decoded JSON against the benchmark shape and build a Dataset."""

    def fail(where: str, problem: str) -> DatasetError:
        return DatasetError(f"{origin}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("top level", f"expected a JSON object, found {_kind(data)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail('"name"', "missing or not a non-empty string")
    extra = {}
    for key in ("source", "license", "how_built"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise fail(f'"{key}"', f"expected a string, found {_kind(value)}")
        extra[key] = value
    entries = _entries(data.get("entries"), fail)
    ids = {e.id for e in entries}
    queries = _queries(data.get("queries"), ids, fail)
    return Dataset(name=name, entries=entries, queries=queries, **extra)


def _entries(raw: Any, fail: _Fail) -> tuple[Entry, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail('"entries"', "missing or not a non-empty list")
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"entries[{i}]"
        if not isinstance(item, dict):
            raise fail(where, f"expected an object, found {_kind(item)}")
        for key in ("id", "question", "answer"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise fail(where, f'"{key}" missing or not a non-empty string')
        if item["id"] in seen:
            raise fail(where, f'duplicate id "{item["id"]}"')
        seen.add(item["id"])
        alternates = item.get("alternates", [])
        if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
            raise fail(where, '"alternates" must be a list of strings')
        entries.append(Entry(item["id"], item["question"], item["answer"], tuple(alternates)))
    return tuple(entries)


def _queries(raw: Any, ids: set[str], fail: _Fail) -> tuple[Query, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail('"queries"', "missing or not a non-empty list")
    queries: list[Query] = []
    for i, item in enumerate(raw):
        where = f"queries[{i}]"
        if not isinstance(item, dict):
            raise fail(where, f"expected an object, found {_kind(item)}")
        text, expected = item.get("text"), item.get("expected")
        if not isinstance(text, str) or not text.strip():
            raise fail(where, '"text" missing or not a non-empty string')
        if not isinstance(expected, list) or not all(isinstance(x, str) for x in expected):
            raise fail(where, '"expected" must be a list of entry ids ([] = should decline)')
        unknown = [x for x in expected if x not in ids]
        if unknown:
            raise fail(where, f'"expected" names unknown entry id(s): {", ".join(unknown)}')
        queries.append(Query(text, tuple(expected)))
    return tuple(queries)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
