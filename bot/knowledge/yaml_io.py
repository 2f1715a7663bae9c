"""Reading YAML safely: size limits, no aliases (YAML bombs), UTF-8 only, line numbers kept."""

from __future__ import annotations

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


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and keeps line numbers on mappings."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in knowledge files", event.start_mark
            )
        return super().compose_node(parent, index)

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


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document with the safe loader; any failure becomes a YamlError."""
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
