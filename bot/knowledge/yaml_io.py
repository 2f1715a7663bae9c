"""Reading YAML safely: size limits, no aliases (YAML bombs), UTF-8 only, line numbers kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.errors import Issue

MAX_FILE_BYTES = 1_000_000
"""A knowledge file larger than this is refused unread (a topic file is a few kilobytes)."""


class LineDict(dict):
    """A mapping that remembers the line it starts on and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses aliases and keeps line numbers on mappings."""

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        # An alias is the same node met twice: refuse it (a "billion laughs" YAML bomb is
        # nothing but aliases of aliases).
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in knowledge files", node.start_mark
            )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key.value): key.start_mark.line + 1 for key, _ in node.value
        }
        return mapping


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping
)


class YamlError(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(str(issue))


MAX_NESTING = 40
"""Knowledge files nest four or five levels deep; far deeper is an attack on the parser."""
_FLOW = re.compile(r"[\[\]{}]")
_BLOCK_INDICATORS = re.compile(r"^(?:[ \t]*[-?:][ \t]+)+", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]*", re.MULTILINE)


def nesting_depth(text: str) -> int:
    """An upper bound of how deeply `text` nests (brackets, "- - -" runs, indentation)."""
    depth = deepest = 0
    for bracket in _FLOW.finditer(text):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    runs = max((m.group().count("-") + m.group().count("?") + m.group().count(":")
                for m in _BLOCK_INDICATORS.finditer(text)), default=0)
    indent = max((len(m.group()) for m in _INDENT.finditer(text)), default=0)
    return max(deepest, runs, indent // 2)


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document with the safe loader; any failure becomes a YamlError."""
    if nesting_depth(text) > MAX_NESTING:
        # libyaml recurses once per level and would crash the process on a deep enough file.
        raise YamlError(Issue(name, f"invalid YAML: nested more than {MAX_NESTING} levels deep"))
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(Issue(name, f"invalid YAML: {problem}", line)) from None
    except yaml.YAMLError as exc:
        raise YamlError(Issue(name, f"invalid YAML: {exc}")) from None
    except RecursionError:
        raise YamlError(Issue(name, "invalid YAML: nested too deeply")) from None


def read_yaml_file(path: Path, name: str | None = None) -> Any:
    """Read and parse a YAML file, refusing huge, non-UTF-8 or unreadable files clearly."""
    name = name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlError(
                Issue(name, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
            )
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(Issue(name, f"cannot read file: {exc.strerror or exc}")) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(
            Issue(name, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line)
        ) from None
    return parse_yaml(text.removeprefix("\ufeff"), name)
