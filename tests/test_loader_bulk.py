"""The loader's bulk paths give exactly what its per-fact and per-phrasing code gives."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import loader
from bot.knowledge.bulk import parse_facts, valid_facts
from bot.knowledge.loader import bundled_knowledge_dir, phrasing_key, phrasing_keys
from bot.knowledge.schema import Located, parse_fact
from bot.knowledge.yaml_io import LineDict, read_yaml_file

KEY_TEXT = st.text(alphabet="aB_ 9?!.,-\t\n\x1e\x1f'é€ß", max_size=20)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(KEY_TEXT, st.text(max_size=20)), max_size=12))
def test_phrasing_keys_are_those_of_each_text(texts: list[str]):
    assert phrasing_keys(texts) == [phrasing_key(t) for t in texts]


def test_phrasing_keys_across_batches(monkeypatch):
    texts = [f"Question {i}?!" if i % 7 else f"Quéstion  {i}\x1e" for i in range(50)]
    expected = [phrasing_key(t) for t in texts]
    monkeypatch.setattr(loader, "_KEYS_AT_A_TIME", 4)
    assert phrasing_keys(texts) == expected
    assert phrasing_keys([]) == []


def _fact(i: int) -> LineDict:
    node = LineDict(
        id=f"fact-{i}",
        question=f"  Question number {i}?  ",
        alternates=[f"alt {i} a", f" alt {i} b "],
        keywords=["pay"],
        answer=f"Answer {i}.",
        citations=[LineDict(source="article", quote=f"quote {i}")],
        related=["fact-0"],
    )
    node.line, node.key_lines = i * 10 + 1, {key: i * 10 + 2 for key in node}
    return node


ODD_VALUES = [
    None, "", "   ", "x" * 101, "y" * 1501, "z" * 201, 42, 1.5, True, [], ["ok", ""], ["ok", 3],
    [" "], ["w" * 51], ["v" * 65], {"a": 1}, ["a"] * 101, "Not A Slug", "ok-slug", [{}],
    [{"source": "s"}], [{"source": "s", "quote": "q", "via": ""}],
    [{"source": "s", "quote": "q", "via": 7}], [{"source": "s", "quote": "q", "extra": 1}],
    [{"source": "s", "quote": "q", "via": " v "}], ["not a mapping"], "text",
]


def _mutated(rng: random.Random, count: int) -> list:
    nodes: list = [_fact(i) for i in range(count)]
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(count)
        if not isinstance(nodes[i], dict):
            continue
        choice = rng.random()
        if choice < 0.1:
            nodes[i] = rng.choice(["a string", 7, None, ["list"]])
        elif choice < 0.2:
            nodes[i]["unknown"] = "x"
        elif choice < 0.3:
            citation = LineDict(source="article", quote="q")
            citation[rng.choice(["source", "quote", "via"])] = rng.choice(ODD_VALUES)
            nodes[i]["citations"] = [LineDict(source="article", quote="q"), citation]
        else:
            key = rng.choice(["id", "question", "alternates", "keywords", "answer",
                              "citations", "related"])
            if rng.random() < 0.2:
                nodes[i].pop(key, None)
            else:
                nodes[i][key] = rng.choice(ODD_VALUES)
    return nodes


def test_valid_facts_are_parse_fact_or_nothing():
    rng = random.Random(5)
    checked = fast = 0
    for _ in range(3000):
        nodes = _mutated(rng, rng.randint(1, 4))
        slow_loc = Located("t.yaml")
        slow = [(f, n) for n in nodes if (f := parse_fact(slow_loc, n, "topic")) is not None]
        bulk_loc = Located("t.yaml")
        assert parse_facts(bulk_loc, nodes, "topic") == slow
        assert bulk_loc.issues == slow_loc.issues
        valid = valid_facts(nodes, "topic")
        if valid is not None:  # only ever when parse_fact finds nothing wrong
            fast += 1
            assert not slow_loc.issues and valid == [f for f, _ in slow]
        checked += 1
    assert fast > checked // 4  # the fast path is taken whenever the file is valid


def test_shipped_topic_files_take_the_fast_path():
    for path in sorted((bundled_knowledge_dir() / "topics").glob("*.yaml")):
        nodes = read_yaml_file(path)["facts"]
        loc = Located(path.name)
        slow = [parse_fact(loc, node, path.stem) for node in nodes]
        assert not loc.issues
        assert valid_facts(nodes, path.stem) == slow, path
