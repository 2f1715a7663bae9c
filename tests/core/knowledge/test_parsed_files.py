"""Parsed YAML kept on disk (`bot.core.knowledge.parsed_files`): a restart parses only the
files that changed, gives the very same knowledge base and issues, and rebuilds whatever
cache it can not trust."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import logging
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.knowledge import parsed_files
from bot.core.knowledge.loader import bundled_knowledge_dir, load_report
from bot.core.knowledge.parsed_files import PARSED_DIR, decoded, encoded
from bot.core.knowledge.yaml_io import LineDict, parse_yaml
from tests.kb_samples import PATH, PAY, SOURCES, write_kb

# -- the encoding --------------------------------------------------------------------------


def line_dict(items, line, key_lines):
    mapping = LineDict(items)
    mapping.line, mapping.key_lines = line, key_lines
    return mapping


offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)))
"""What a YAML timestamp carries: a fixed offset from UTC, never a named zone (a named zone's
time in a daylight-saving gap equals no fixed-offset time: PEP 495)."""
scalars = st.one_of(
    st.text(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.none(), st.dates(), st.datetimes(timezones=st.one_of(st.none(), offsets)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.builds(line_dict,
              st.dictionaries(st.one_of(st.text(), st.integers()), inner, max_size=4),
              st.integers(1, 10_000),
              st.dictionaries(st.text(), st.integers(1, 10_000), max_size=4)),
), max_leaves=20)


def same(a, b) -> bool:
    """Equal, of the same types all the way down, with the same lines."""
    if type(a) is not type(b):
        return False
    if isinstance(a, LineDict):
        return (a.line == b.line and a.key_lines == b.key_lines and list(a) == list(b)
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


@given(values)
def test_what_parsing_gives_comes_back_the_same(value):
    assert same(decoded(json.dumps(encoded(value))), value)


def test_a_real_file_comes_back_with_its_lines():
    path = bundled_knowledge_dir() / "topics" / "pay.yaml"
    value = parse_yaml(path.read_text(encoding="utf-8"), "pay.yaml")
    again = decoded(json.dumps(encoded(value)))
    assert same(again, value)
    assert again["facts"][1].line == value["facts"][1].line > 1


@pytest.mark.parametrize("text", ['{"x": 1}', '{"m": [1, [], [[1, 2], [1, 3]]]}',
                                  '{"d": "not a date"}', '{"m": ["1", [], []]}'])
def test_what_the_cache_never_writes_is_refused(text):
    with pytest.raises(ValueError, match=r"cache does not write|repeated keys|isoformat"):
        decoded(text)


# -- loading with it -----------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    return write_kb(tmp_path / "knowledge", {
        "sources.yaml": SOURCES, "topics/pay.yaml": PAY, "topics/path.yaml": PATH})


def count_parses(monkeypatch) -> list[str]:
    """The names of the files parsed from here on (not read from the cache)."""
    parsed: list[str] = []
    real = parsed_files.parse_yaml_bytes

    def counting(data, name):
        parsed.append(name)
        return real(data, name)

    monkeypatch.setattr(parsed_files, "parse_yaml_bytes", counting)
    return parsed


def test_a_restart_parses_nothing_and_loads_the_same(folder, tmp_path, monkeypatch):
    cache = tmp_path / "data" / PARSED_DIR
    first = load_report(folder, parsed=cache)
    assert first.knowledge is not None and len(list(cache.glob("yaml-*.json"))) == 1
    parsed = count_parses(monkeypatch)
    again = load_report(folder, parsed=cache)
    assert parsed == []
    assert again.knowledge == first.knowledge == load_report(folder).knowledge


def test_the_shipped_knowledge_base_loads_the_same_from_the_cache(tmp_path, monkeypatch):
    root = shutil.copytree(bundled_knowledge_dir(), tmp_path / "knowledge")
    load_report(root, parsed=tmp_path / PARSED_DIR)
    parsed = count_parses(monkeypatch)
    kept = load_report(root, parsed=tmp_path / PARSED_DIR)
    assert parsed == [] and kept.issues == ()
    assert kept.knowledge == load_report(root).knowledge


def test_only_a_changed_file_is_parsed_again(folder, tmp_path, monkeypatch):
    cache = tmp_path / PARSED_DIR
    load_report(folder, parsed=cache)
    pay = folder / "topics" / "pay.yaml"
    pay.write_text(pay.read_text(encoding="utf-8").replace("ml engineer salary",
                                                           "ml engineer wages"), "utf-8")
    parsed = count_parses(monkeypatch)
    report = load_report(folder, parsed=cache)
    assert parsed == ["knowledge/topics/pay.yaml"]
    assert "ml engineer wages" in report.knowledge.facts["average-pay"].alternates
    parsed.clear()
    load_report(folder, parsed=cache)  # and the change was kept
    assert parsed == []


def test_issues_and_their_lines_are_the_same_from_the_cache(folder, tmp_path, monkeypatch):
    pay = folder / "topics" / "pay.yaml"
    pay.write_text(pay.read_text(encoding="utf-8").replace("    keywords: [salary]\n",
                                                           "    keywords: [salary]\n    x: 1\n"),
                   "utf-8")
    cache = tmp_path / PARSED_DIR
    plain = load_report(folder)
    assert plain.knowledge is None and any(i.line for i in plain.issues)
    load_report(folder, parsed=cache)
    parsed = count_parses(monkeypatch)
    assert load_report(folder, parsed=cache).issues == plain.issues
    assert parsed == []


def test_a_yaml_error_is_reported_as_without_a_cache_and_not_kept(folder, tmp_path,
                                                                  monkeypatch):
    (folder / "topics" / "path.yaml").write_text("facts: [oops\n", encoding="utf-8")
    cache = tmp_path / PARSED_DIR
    assert load_report(folder, parsed=cache).issues == load_report(folder).issues
    parsed = count_parses(monkeypatch)
    load_report(folder, parsed=cache)
    assert parsed == ["knowledge/topics/path.yaml"]


def test_a_file_json_can_not_hold_is_parsed_every_time(folder, tmp_path, monkeypatch):
    (folder / "topics" / "odd.yaml").write_text(
        "topic: odd\ntitle: Odd\nfacts: []\nextra: !!set {a, b}\n", encoding="utf-8")
    cache = tmp_path / PARSED_DIR
    first = load_report(folder, parsed=cache)
    parsed = count_parses(monkeypatch)
    again = load_report(folder, parsed=cache)
    assert parsed == ["knowledge/topics/odd.yaml"] and again.issues == first.issues
    assert again.issues == load_report(folder).issues


def with_header(fmt, parser, body: bytes) -> bytes:
    """A cache file: its header line (with the body's checksum), then the body."""
    return json.dumps([fmt, parser, hashlib.sha256(body).hexdigest()]).encode() + b"\n" + body


@pytest.mark.parametrize("damage", ["garbage", "cut short", "a flipped letter",
                                    "other parsing code", "a line without a value",
                                    "a foreign object", "nested too deeply"])
def test_a_damaged_cache_is_logged_and_rebuilt(folder, tmp_path, monkeypatch, caplog, damage):
    cache = tmp_path / PARSED_DIR
    expected = load_report(folder, parsed=cache).knowledge
    (path,) = cache.glob("yaml-*.json")
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    fmt, parser, _checksum = json.loads(header)
    lines = body.splitlines()
    (pay,) = [line for line in lines if line.startswith(b'["topics/pay.yaml"')]
    others = [line for line in lines if line is not pay]

    def pay_as(value: bytes) -> bytes:  # pay.yaml's name and (right) digest, another value
        return with_header(fmt, parser, b"\n".join([*others, pay.partition(b"\t")[0]
                                                     + b"\t" + value]))

    assert b"ml engineer salary" in pay
    path.write_bytes({
        "garbage": b"\x00\x01 not json",
        "cut short": data[: len(data) // 2],
        # still JSON, still a knowledge base: only the checksum tells
        "a flipped letter": data.replace(b"ml engineer salary", b"ml engineer salarx"),
        "other parsing code": with_header(fmt, "0" * 64, body),
        "a line without a value": with_header(fmt, parser, b'["a", "b"]'),
        "a foreign object": pay_as(b'{"evil": 1}'),
        "nested too deeply": pay_as(b"[" * 200_000),
    }[damage])
    with caplog.at_level(logging.WARNING, logger="bot.core.knowledge.parsed_files"):
        assert load_report(folder, parsed=cache).knowledge == expected
    assert "ignored and" in caplog.text
    parsed = count_parses(monkeypatch)
    assert load_report(folder, parsed=cache).knowledge == expected
    assert parsed == []  # written again, whole


def test_a_full_disk_is_logged_and_the_load_is_whole(folder, tmp_path, monkeypatch, caplog):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(parsed_files, "replace_whole", full)
    with caplog.at_level(logging.WARNING, logger="bot.core.knowledge.parsed_files"):
        report = load_report(folder, parsed=tmp_path / PARSED_DIR)
    assert report.knowledge == load_report(folder).knowledge
    assert "not saved" in caplog.text and "No space left" in caplog.text


def test_only_the_most_recently_used_folders_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(parsed_files, "KEEP_ON_DISK", 2)
    cache = tmp_path / PARSED_DIR
    folders = [write_kb(tmp_path / f"kb{i}", {"sources.yaml": SOURCES, "topics/pay.yaml": PAY,
                                              "topics/path.yaml": PATH}) for i in range(3)]
    for root in folders:
        load_report(root, parsed=cache)
    assert len(list(cache.glob("yaml-*.json"))) == 2
    parsed = count_parses(monkeypatch)
    load_report(folders[0], parsed=cache)  # the oldest was pruned: parsed again
    assert len(parsed) == 4


def test_dates_in_sources_survive(folder, tmp_path):
    (folder / "sources.yaml").write_text(SOURCES.replace('"2024-04-26"', "2024-04-26"), "utf-8")
    cache = tmp_path / PARSED_DIR
    load_report(folder, parsed=cache)
    kept = load_report(folder, parsed=cache).knowledge
    assert kept.sources["article"].published == dt.date(2024, 4, 26).isoformat()


WRITER = """
import logging, sys
from pathlib import Path
from bot.core.knowledge.loader import load_report
logging.basicConfig(level=logging.WARNING, stream=sys.stdout)
root, cache, toggle = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "toggle"
pay = root / "topics" / "pay.yaml"
text = pay.read_text(encoding="utf-8")
for n in range(40):
    if toggle:  # every other load parses a changed file, and writes the cache again
        pay.write_text(text.replace("ml engineer salary", f"ml engineer salary {n % 2}"),
                       encoding="utf-8")
    report = load_report(root, parsed=cache)
    assert report.knowledge is not None, report.issues
print("done")
"""


def test_two_processes_writing_at_once_never_read_half_a_file(folder, tmp_path):
    import subprocess
    import sys

    cache = tmp_path / PARSED_DIR
    runs = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(cache), mode],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for mode in ("toggle", "read")]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0 and output.strip().endswith("done"), output
        assert "ignored and rebuilt" not in output, output
    assert list(cache.glob(".*")) == []  # no temporary file left behind
