"""Reading YAML safely: size limits, no aliases (YAML bombs), UTF-8 only, line numbers kept.

Speed (a knowledge base of ten thousand facts is a hundred files and a quarter of a million
nodes): libyaml parses and composes the node tree in C, but PyYAML then builds the Python
objects node by node through several Python calls each (`construct_object`, the tag lookup,
generators for lists and mappings). `_Loader` builds the plain shapes knowledge files are made
of (mappings with scalar keys, lists, scalars with the standard tags) in one recursive
function, and hands anything else (merge keys, sets, unknown or unsafe tags, odd keys) back to
PyYAML's own constructor, which then builds the whole document the usual way: both refuse
aliases and give the same data, line numbers included. The resolver answers "a string" at
once for the scalars that can only be one, the depth check searches for one line nesting too
deeply instead of measuring every line, and the cyclic garbage collector is paused while a
document is built (nothing built is a cycle).
"""

from __future__ import annotations

import re
from itertools import repeat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.core.gc_pause import collector_paused
from bot.core.knowledge.errors import Issue

MAX_FILE_BYTES = 1_000_000
"""A knowledge file larger than this is refused unread (a topic file is a few kilobytes)."""


class LineDict(dict):
    """A mapping that remembers the line it starts on and the line of each key (1-based).

    Slots rather than an attribute dict: one dict less to make for each of the tens of
    thousands of mappings of a large knowledge base."""

    __slots__ = ("key_lines", "line")
    line: int
    key_lines: dict[str, int]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_PLAIN_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
"""Scalar tags whose safe constructors are plain functions of the node (no generators)."""


class _Unusual(Exception):
    """A node the fast path does not build: the document is built by PyYAML's constructor."""


def _alias_error(node: yaml.Node) -> yaml.MarkedYAMLError:
    # An alias is the same node met twice: refuse it (a "billion laughs" YAML bomb is
    # nothing but aliases of aliases).
    return yaml.MarkedYAMLError(
        None, None, "aliases (*name) are not allowed in knowledge files", node.start_mark
    )


_RESOLVER_FIRSTS = frozenset(_BaseLoader.yaml_implicit_resolvers)
_NO_PATH_RESOLVERS = not _BaseLoader.yaml_path_resolvers
_PLAIN_IS_STR = None not in _RESOLVER_FIRSTS and _NO_PATH_RESOLVERS
"""Whether a scalar whose first character starts no implicit resolver is a string."""
_base_resolve = _BaseLoader.resolve


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses aliases and keeps line numbers on mappings."""

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        # An alias is written "*name": without a "*" in the text, no node can be met twice.
        if isinstance(stream, str):
            self._may_alias = "*" in stream
        else:
            self._may_alias = not isinstance(stream, bytes) or b"*" in stream

    def resolve(self, kind, value, implicit):  # type: ignore[no-untyped-def]
        # Called by libyaml's composer for every node. Most scalars are quoted or start with
        # a character no implicit resolver (null, bool, int, float, ...) starts with: they are
        # strings, which is what the generic method would conclude more slowly. (Module
        # constants rather than attributes: a quarter of a million calls at the bench's size.)
        if (
            kind is ScalarNode
            and _PLAIN_IS_STR
            and (not implicit[0] or (value and value[0] not in _RESOLVER_FIRSTS))
        ):
            return _STR_TAG
        return _base_resolve(self, kind, value, implicit)

    def descend_resolver(self, current_node, current_index):  # type: ignore[no-untyped-def]
        # Called by libyaml's composer on entering every node, to follow path resolvers: the
        # safe loader has none, and a call that returns at once is cheaper than the check.
        if not _NO_PATH_RESOLVERS:
            _BaseLoader.descend_resolver(self, current_node, current_index)

    def ascend_resolver(self):  # type: ignore[no-untyped-def]
        if not _NO_PATH_RESOLVERS:  # as descend_resolver, on leaving every node
            _BaseLoader.ascend_resolver(self)

    def construct_document(self, node):  # type: ignore[no-untyped-def]
        seen: set[yaml.Node] | None = set() if self._may_alias else None
        try:
            return self._build(node, seen)
        except _Unusual:
            return super().construct_document(node)

    def _build(self, node: yaml.Node, seen: set[yaml.Node] | None) -> Any:
        """The Python value of `node`, for the usual shapes only (else _Unusual).

        `seen`: the nodes built so far, to refuse aliases; None when the text has none (then a
        string, most nodes of a knowledge file, is read in place rather than by a call)."""
        if seen is not None:
            if node in seen:
                raise _alias_error(node)
            seen.add(node)
        tag, kind = node.tag, type(node)
        if kind is ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag in _PLAIN_SCALAR_TAGS:
                return self.yaml_constructors[tag](self, node)
        elif kind is SequenceNode and tag == _SEQ_TAG:
            if seen is None:
                return [
                    item.value if item.tag == _STR_TAG and type(item) is ScalarNode
                    else self._build(item, seen)
                    for item in node.value
                ]
            return [self._build(item, seen) for item in node.value]
        elif kind is MappingNode and tag == _MAP_TAG:
            mapping = LineDict()
            key_lines: dict[str, int] = {}
            plain = seen is None
            for key_node, value_node in node.value:
                if type(key_node) is not ScalarNode:
                    raise _Unusual  # unhashable keys, and their error, are PyYAML's
                # Merge ("<<") and value ("=") keys have tags of their own: not built here.
                text = key_node.value  # a scalar's value is its text
                key = text if plain and key_node.tag == _STR_TAG else self._build(key_node, seen)
                if plain and value_node.tag == _STR_TAG and type(value_node) is ScalarNode:
                    mapping[key] = value_node.value
                else:
                    mapping[key] = self._build(value_node, seen)
                key_lines[text] = key_node.start_mark.line + 1
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = key_lines
            return mapping
        raise _Unusual

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _alias_error(node)
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
# Both read "\n" + text: a pattern that starts with a plain character is found by a fast scan
# for that character, where "^" in MULTILINE mode is tried at every position of the text.
_BLOCK_INDICATORS = re.compile(r"\n(?:[ \t]*[-?:][ \t]+)+")
_INDENT = re.compile(r"\n[ \t]*")
_NOT_INDICATORS = str.maketrans("", "", " \t\n")


def nesting_depth(text: str) -> int:
    """An upper bound of how deeply `text` nests (brackets, "- - -" runs, indentation)."""
    depth = deepest = 0
    if "[" in text or "{" in text:
        for bracket in _FLOW.findall(text):
            depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
            deepest = max(deepest, depth)
    lines = "\n" + text
    # A run holds one indicator ("-", "?" or ":") per level: its length without blanks.
    runs = max(
        map(len, map(str.translate, _BLOCK_INDICATORS.findall(lines), repeat(_NOT_INDICATORS))),
        default=0,
    )
    indent = max(map(len, _INDENT.findall(lines))) - 1  # without the "\n"
    return max(deepest, runs, indent // 2)


_TOO_DEEP_LINE = re.compile(
    rf"\n(?:[ \t]{{{2 * MAX_NESTING + 2}}}"  # indented deeper than the limit allows
    rf"|[ \t]*(?:[-?:][ \t]+){{{MAX_NESTING + 1}}})"  # more "- " / "? " / ": " than that
)
"""A line that nests too deeply by itself (no two parts can match the same blanks, so a
search that fails is linear)."""


def _too_deep(text: str) -> bool:
    """`nesting_depth(text) > MAX_NESTING`, answered by searching rather than measuring every
    line: a run of more indicators, or a deeper indentation, than the limit allows."""
    if _TOO_DEEP_LINE.search("\n" + text):
        return True
    depth = 0
    if "[" in text or "{" in text:
        for bracket in _FLOW.findall(text):
            depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
            if depth > MAX_NESTING:
                return True
    return False


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document with the safe loader; any failure becomes a YamlError."""
    if _too_deep(text):
        # libyaml recurses once per level and would crash the process on a deep enough file.
        raise YamlError(Issue(name, f"invalid YAML: nested more than {MAX_NESTING} levels deep"))
    try:
        with collector_paused():
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
    return parse_yaml_bytes(read_yaml_bytes(path, name), name)


def read_yaml_bytes(path: Path, name: str) -> bytes:
    """A YAML file's bytes, refusing huge or unreadable files clearly."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlError(
                Issue(name, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
            )
        return path.read_bytes()
    except OSError as exc:
        raise YamlError(Issue(name, f"cannot read file: {exc.strerror or exc}")) from None


def parse_yaml_bytes(data: bytes, name: str) -> Any:
    """Parse a YAML file's bytes, refusing non-UTF-8 text clearly."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(
            Issue(name, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line)
        ) from None
    return parse_yaml(text.removeprefix("\ufeff"), name)
