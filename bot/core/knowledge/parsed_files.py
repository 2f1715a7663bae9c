"""Parsed YAML kept on disk, so that a restart reads a knowledge folder's files without
parsing them again.

Parsing is most of loading a large knowledge base (10,000 facts in 100 files: ~1.2 of 1.8 s,
though libyaml does the scanning), and a restart mostly finds the very same bytes. The data
directory keeps, per knowledge folder, one file (`parsed/yaml-<folder digest>.json`: a JSON
header line with the format, the parsing code's digest and the body's SHA-256, then a line
per knowledge file) with each file's name, the SHA-256 of its bytes and what parsing them
gave, line numbers included (`LineDict`). A file whose bytes hash the same is not parsed again; any
other is, and the cache written anew after the load. Everything else of a load (validation,
fingerprints, duplicates) runs as before on the data, so a kept file gives the very same
knowledge base and the very same issues.

JSON cannot hold every value YAML can (sets, bytes, tuples from `!!omap`): a file with one is
simply parsed every time. A cache file that does not parse, holds something this code does
not write, fails its checksum (a flipped bit in a string would still be JSON), or was written
by other parsing code (another version of this module, `yaml_io` or PyYAML) is logged and
rebuilt, never trusted, never a crash; a full disk leaves the load as it is. Two processes
writing at once each leave a whole file (`replace_whole`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from bot.core.knowledge import yaml_io
from bot.core.knowledge.yaml_io import LineDict, parse_yaml_bytes, read_yaml_bytes
from bot.core.whole_files import keep_newest, replace_whole

log = logging.getLogger(__name__)

FORMAT = 1
PARSED_DIR = "parsed"
"""The folder of the data directory that keeps them."""
KEEP_ON_DISK = 8
"""Folders whose parsed files are kept (the most recently used): the bot's, and the few a
benchmark or an operator's tools loaded."""


class _NotKept(Exception):
    """A value JSON cannot hold exactly: its file is parsed every time."""


def encoded(value: Any) -> Any:
    """`value` (as `parse_yaml` gives it) in JSON's shapes: a mapping as
    {"m": [line, [[key, line], ...], [[key, value], ...]]}, a date {"d": iso}, a date and
    time {"t": iso}; lists, strings, numbers, booleans and null as they are."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _NotKept  # JSON has no NaN or infinity
        return value
    if kind is list:
        return [encoded(item) for item in value]
    if kind is LineDict:
        return {"m": [value.line, list(value.key_lines.items()),
                      [[encoded(k), encoded(v)] for k, v in value.items()]]}
    if kind is dt.date:
        return {"d": value.isoformat()}
    if kind is dt.datetime:
        return {"t": value.isoformat()}
    raise _NotKept


def _decoded_object(obj: dict[str, Any]) -> Any:
    """json.loads' object_hook: the value an `encoded` mapping or date stands for."""
    if len(obj) == 1:
        ((tag, value),) = obj.items()
        if tag == "m":
            line, key_lines, items = value
            mapping = LineDict(items)
            if len(mapping) != len(items) or type(line) is not int:
                raise ValueError("a mapping with repeated keys or no line")
            mapping.line = line
            mapping.key_lines = dict(key_lines)
            return mapping
        if tag == "d":
            return dt.date.fromisoformat(value)
        if tag == "t":
            return dt.datetime.fromisoformat(value)
    raise ValueError("an object this cache does not write")


def decoded(text: str) -> Any:
    return json.loads(text, object_hook=_decoded_object)


@cache
def _parser_fingerprint() -> str:
    """What parsing depends on beside the bytes: this module, `yaml_io` and PyYAML."""
    digest = hashlib.sha256(f"{FORMAT} {yaml.__version__} {yaml_io._BaseLoader}".encode())
    for module in (__file__, yaml_io.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()


class ParsedFiles:
    """The parsed files of one knowledge folder (`root`), kept in `directory`. `read` is
    `read_yaml_file` that parses only what changed; `save` writes what the load read.
    `folder`: the folder whose cache this is, when `root` is a private copy of it (an edit's
    workspace: the same files under the same names, one or two of them changed).

    One line per file: its name and digest as a JSON list, a tab, the parsed value as JSON. A
    value is decoded when its file is read; a save writes the lines of unchanged files back
    as they were read, so after an edit only the edited file is encoded again."""

    def __init__(self, directory: Path, root: Path, folder: Path | None = None) -> None:
        self.root = root
        where = str((folder or root).resolve()).encode("utf-8", "surrogatepass")
        self.path = directory / f"yaml-{hashlib.sha256(where).hexdigest()[:16]}.json"
        self._kept: dict[str, tuple[str, bytes]] | None = None
        self._read: dict[str, tuple[str, bytes]] = {}
        self._parsed = 0
        """Files this load had to parse (not kept, or changed)."""

    def _entries(self) -> dict[str, tuple[str, bytes]]:
        """name -> (digest of the file's bytes, its value as JSON), as the file keeps them."""
        if self._kept is None:
            self._kept = {}
            if self.path.exists():
                try:
                    self._kept = self._lines(self.path.read_bytes())
                except (OSError, ValueError, TypeError, RecursionError) as exc:
                    log.warning("parsed YAML cache %s ignored and rebuilt: %s", self.path, exc)
        return self._kept

    @staticmethod
    def _lines(data: bytes) -> dict[str, tuple[str, bytes]]:
        header, _, body = data.partition(b"\n")
        fmt, parser, checksum = json.loads(header)
        if fmt != FORMAT or parser != _parser_fingerprint():
            raise ValueError("written by other parsing code")
        if hashlib.sha256(body).hexdigest() != checksum:
            raise ValueError("its checksum does not match (corrupt or cut short)")
        entries: dict[str, tuple[str, bytes]] = {}
        for line in body.splitlines():
            head, tab, value = line.partition(b"\t")
            name, digest = json.loads(head)
            if not tab or type(name) is not str or type(digest) is not str:
                raise ValueError("an entry without a name, digest or value")
            entries[name] = (digest, value)
        return entries

    def read(self, path: Path, name: str | None = None) -> Any:
        name = name or str(path)
        data = read_yaml_bytes(path, name)
        digest = hashlib.sha256(data).hexdigest()
        key = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) \
            else str(path)
        kept = self._entries().get(key)
        if kept is not None and kept[0] == digest:
            try:
                value = decoded(kept[1].decode("ascii"))
            except (ValueError, TypeError, RecursionError) as exc:
                log.warning("parsed YAML cache %s: %s ignored and parsed again: %s",
                            self.path, key, exc)
            else:
                self._read[key] = kept
                return value
        value = parse_yaml_bytes(data, name)  # a YamlError is the load's, as without a cache
        try:
            text = json.dumps(encoded(value), separators=(",", ":"))
        except _NotKept:
            return value  # parsed every time
        self._read[key] = (digest, text.encode("ascii"))
        self._parsed += 1
        return value

    def save(self) -> None:
        """Keep what this load read, if anything differs from the file (a full disk: logged)."""
        if not self._parsed and self._read.keys() == self._entries().keys():
            with contextlib.suppress(OSError):
                os.utime(self.path)  # used: not among the oldest, which are pruned
            return
        body = b"\n".join(json.dumps([name, digest]).encode("ascii") + b"\t" + value
                          for name, (digest, value) in self._read.items())
        header = json.dumps([FORMAT, _parser_fingerprint(), hashlib.sha256(body).hexdigest()])

        def write(handle: BinaryIO) -> None:
            handle.write(header.encode("ascii") + b"\n")
            handle.write(body)

        try:
            replace_whole(self.path, write)
            keep_newest(self.path.parent, "yaml-*.json", KEEP_ON_DISK)
        except OSError as exc:
            log.warning("parsed YAML cache not saved to %s: %s", self.path, exc.strerror or exc)
