"""The YAML loader builds documents exactly as PyYAML builds them, and fails where it fails."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml

from bot.core.knowledge import yaml_io
from bot.core.knowledge.loader import bundled_knowledge_dir

# -- YAML ------------------------------------------------------------------------------------

YAML_DOCUMENTS = [
    "a: 1\nb: [1, 2.5, true, null, ~, 2024-01-02, 0x1f, .inf, '', \"x\"]\n",
    "<<: {a: 1}\nb: 2\n", "= : 3\n", "!!set {a, b}\n", "a: !!binary aGVsbG8=\n",
    "1: a\n1: b\ntrue: c\n", "", "just a scalar", "a: !!str 12\nb: !!int '7'\n",
    "a: {b: {c: [d, {e: f}]}}\n", "k: '**bold** * star'\nl: [x, '*']\n",
    "topic: t\nfacts:\n  - id: x\n    question: q?\n    alternates: [a, b]\n",
]
BAD_YAML = [
    "a: &x 1\nb: *x\n", "- &a [x]\n- *a\n", "&a [*a]\n", "a: !!map [1]\n", "k: !custom x\n",
    "? [1]\n: 2\n",
    "x: !!python/object/apply:os.system ['echo']\n", "--- a\n--- b\n", "a: [1\n",
]


class _PlainLoader(yaml_io._Loader):
    """The same loader, building every document with PyYAML's constructor."""

    def construct_document(self, node):  # type: ignore[no-untyped-def]
        return super(yaml_io._Loader, self).construct_document(node)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return (type(a) is type(b) and list(a) == list(b)
                and getattr(a, "line", None) == getattr(b, "line", None)
                and getattr(a, "key_lines", None) == getattr(b, "key_lines", None)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_yaml_documents_are_built_as_pyyaml_builds_them(text):
    assert _same(yaml.load(text, Loader=yaml_io._Loader), yaml.load(text, Loader=_PlainLoader))


def test_knowledge_files_are_built_as_pyyaml_builds_them():
    for path in sorted(Path(bundled_knowledge_dir()).rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert _same(yaml.load(text, Loader=yaml_io._Loader),
                     yaml.load(text, Loader=_PlainLoader)), path


@pytest.mark.parametrize("text", BAD_YAML)
def test_bad_yaml_fails_as_before(text):
    errors = []
    for loader in (yaml_io._Loader, _PlainLoader):
        try:
            yaml.load(text, Loader=loader)
            errors.append(None)
        except yaml.YAMLError as exc:
            errors.append(str(exc))
    assert errors[0] == errors[1]
    if "*" in text:
        assert "aliases" in errors[0]


def test_resolver_shortcut_agrees_with_pyyaml():
    loader = yaml_io._Loader("")
    plain = yaml.resolver.Resolver()
    values = ["", "x", "yes", "No", "~", "null", "1", "-1", "0x1f", "1.5", ".inf", "2024-01-02",
              "<<", "=", "Show off", "syn-000001", "true story", "on", "*a", "&a", "!x", "+1"]
    for value in values:
        for implicit in itertools.product((False, True), repeat=2):
            assert loader.resolve(yaml.ScalarNode, value, implicit) == plain.resolve(
                yaml.ScalarNode, value, implicit), (value, implicit)
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert loader.resolve(kind, None, (True, False)) == plain.resolve(kind, None, (True, False))


def test_depth_check_agrees_with_nesting_depth():
    rng = random.Random(7)
    pieces = ["- ", "-\t", "? ", ": ", "[", "]", "{", "}", "  ", "\t", "\n", "a", "-", ":", " "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 300))) for _ in range(3000)]
    texts += [
        "- " * 41 + "x", "- " * 40 + "x", "[" * 41, "[" * 40, "{a: " * 41, "? " * 41,
        " " * 82 + "x", " " * 81 + "x", "-    " * 40 + "x",
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 42)),
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 41)),
    ]
    for text in texts:
        assert yaml_io._too_deep(text) == (yaml_io.nesting_depth(text) > yaml_io.MAX_NESTING)
