"""Checking all the facts of a topic file at once, field by field, for the common case: all valid.

`schema.parse_fact` checks one fact at a time, each field in a Python call or two: at the speed
bench's size (ten thousand facts, a hundred thousand phrasings) the calls cost more than the
checks. Here each check runs over one field of every fact of the file together, as a builtin
mapped over the values (their types, emptiness, lengths, the id's slug), and the facts are built
only when every check passes. Any doubt gives None, and the caller then parses the file fact by
fact with `parse_fact`, which finds and locates every problem: this is never more than a faster
way to the very facts `parse_fact` would build.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice, repeat
from typing import Any

from bot.knowledge.models import Citation, Fact
from bot.knowledge.schema import (
    CITATION_KEYS,
    FACT_KEYS,
    MAX_ANSWER,
    MAX_ID,
    MAX_ITEMS,
    MAX_KEYWORD,
    MAX_PHRASING,
    MAX_QUESTION,
    MAX_QUOTE,
    MAX_SHORT_TEXT,
    SLUG,
    Located,
    parse_fact,
)

_FACT_KEYS = frozenset(FACT_KEYS)
_CITATION_KEYS = frozenset(CITATION_KEYS)
_TEXT = frozenset({str})
_TEXT_OR_NONE = frozenset({str, type(None)})
_LIST = frozenset({list})
_LIST_OR_NONE = frozenset({list, type(None)})


def parse_facts(loc: Located, nodes: list, topic: str) -> list[tuple[Fact, Any]]:
    """Each valid fact of a topic file's `facts:` list, with its node; issues go to `loc`."""
    valid = valid_facts(nodes, topic)
    if valid is not None:
        return list(zip(valid, nodes, strict=True))
    parsed = ((parse_fact(loc, node, topic), node) for node in nodes)
    return [(fact, node) for fact, node in parsed if fact is not None]


def valid_facts(nodes: list, topic: str) -> list[Fact] | None:
    """The facts of `nodes` if every one of them is valid (as `parse_fact` sees it), else None.

    Exact types are asked for (a str, not a subclass of str): anything unusual takes the slow
    path, which accepts what it accepts."""
    if not all(map(isinstance, nodes, repeat(dict))) or not all(
        map(_FACT_KEYS.issuperset, nodes)
    ):
        return None
    ids = _field(nodes, "id")
    if not _TEXT.issuperset(map(type, ids)) or not all(map(SLUG.match, ids)):
        return None
    questions = _texts(_field(nodes, "question"), MAX_QUESTION)
    answers = _texts(_field(nodes, "answer"), MAX_ANSWER)
    alternates = _text_lists(_field(nodes, "alternates"), MAX_PHRASING)
    keywords = _text_lists(_field(nodes, "keywords"), MAX_KEYWORD)
    related = _text_lists(_field(nodes, "related"), MAX_ID)
    citations = _citations(_field(nodes, "citations"))
    columns = (questions, answers, alternates, keywords, related, citations)
    if any(column is None for column in columns):
        return None
    return [
        Fact(id=i, topic=topic, question=q, answer=a, alternates=alt, keywords=k,
             citations=c, related=r)
        for i, q, a, alt, k, r, c in zip(ids, *columns, strict=True)
    ]


def _field(nodes: list[dict], key: str) -> list[Any]:
    """`node.get(key)` of every node."""
    return list(map(dict.get, nodes, repeat(key)))


def _texts(values: list[Any], limit: int) -> list[str] | None:
    """The values stripped, if each is text, not blank, and at most `limit` characters."""
    if not _TEXT.issuperset(map(type, values)):
        return None
    stripped = list(map(str.strip, values))
    if not all(stripped) or max(map(len, stripped), default=0) > limit:
        return None
    return stripped


def _optional_texts(values: list[Any], limit: int) -> list[str | None] | None:
    """As `_texts`, but a missing value (None) is allowed and stays None."""
    if not _TEXT_OR_NONE.issuperset(map(type, values)):
        return None
    given = _texts([v for v in values if v is not None], limit)
    if given is None:
        return None
    it = iter(given)
    return [None if value is None else next(it) for value in values]


def _text_lists(values: list[Any], limit: int) -> list[tuple[str, ...]] | None:
    """Each value (a list of texts, or None for none) as a tuple of its stripped texts."""
    if not _LIST_OR_NONE.issuperset(map(type, values)):
        return None
    lists = [value or () for value in values]
    if max(map(len, lists), default=0) > MAX_ITEMS:
        return None
    items = _texts(list(chain.from_iterable(lists)), limit)
    return None if items is None else _regrouped(items, lists)


def _citations(values: list[Any]) -> list[tuple[Citation, ...]] | None:
    """Each fact's citations: a non-empty list of mappings with a source, a quote, maybe via."""
    if not _LIST.issuperset(map(type, values)) or not all(values):
        return None
    items = list(chain.from_iterable(values))
    if not all(map(isinstance, items, repeat(dict))) or not all(
        map(_CITATION_KEYS.issuperset, items)
    ):
        return None
    sources = _texts(_field(items, "source"), MAX_ID)
    quotes = _texts(_field(items, "quote"), MAX_QUOTE)
    vias = _optional_texts(_field(items, "via"), MAX_SHORT_TEXT)
    if sources is None or quotes is None or vias is None:
        return None
    citations = list(map(Citation, sources, quotes, vias))
    return _regrouped(citations, values)


def _regrouped(flat: list, groups: Iterable[Any]) -> list[tuple]:
    """`flat` cut back into tuples as long as each of `groups`, in order."""
    it = iter(flat)
    return [tuple(islice(it, len(group))) for group in groups]
