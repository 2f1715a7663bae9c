"""Three-way merge of a fact edit, so an edit made from a stale form loses nobody's change."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from bot.core.editing.errors import EditConflict
from bot.core.knowledge.models import Fact

_LISTS = ("alternates", "keywords", "citations", "related")
_IGNORED = ("topic",)


def _merge_list(base: tuple, current: tuple, new: tuple) -> tuple:
    """The user's list, minus what others removed meanwhile, plus what others added."""
    dropped = {item for item in base if item not in current}
    added = [item for item in current if item not in base and item not in new]
    return (*[item for item in new if item not in dropped], *added)


def merge_edit(base: Fact, current: Fact, new: Fact) -> Fact:
    """`new` (edited from `base`) applied on top of `current`.

    A field only the user changed takes their value; one only others changed keeps theirs;
    lists (alternates, keywords, citations, related) merge item by item; a text field both
    changed differently raises EditConflict.
    """
    values: dict[str, Any] = {}
    conflicts = []
    for field in fields(Fact):
        name = field.name
        if name in _IGNORED:
            continue
        b, c, n = getattr(base, name), getattr(current, name), getattr(new, name)
        if n == b:
            values[name] = c
        elif c in (b, n):
            values[name] = n
        elif name in _LISTS:
            values[name] = _merge_list(b, c, n)
        else:
            conflicts.append(name)
    if conflicts:
        raise EditConflict(current.id, tuple(conflicts))
    return replace(current, **values)


def stripped(fact: Fact) -> Fact:
    """The fact with surrounding spaces removed, as the loader would read it back."""

    def clean(text: str | None) -> str | None:
        return text.strip() if isinstance(text, str) else text

    return replace(
        fact,
        id=fact.id.strip(),
        question=fact.question.strip(),
        answer=fact.answer.strip(),
        alternates=tuple(a.strip() for a in fact.alternates),
        keywords=tuple(k.strip() for k in fact.keywords),
        related=tuple(r.strip() for r in fact.related),
        citations=tuple(
            replace(c, source=c.source.strip(), quote=c.quote.strip(), via=clean(c.via))
            for c in fact.citations
        ),
    )
