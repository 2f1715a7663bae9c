"""Checking that every quoted citation really appears in its source document's text."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.knowledge.errors import Issue
from bot.core.knowledge.models import KnowledgeBase

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Text with quote styles made straight and whitespace collapsed."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def check_quotes(knowledge: KnowledgeBase, documents: Path) -> list[Issue]:
    """One issue per quote not found (whitespace- and quote-style-insensitive) in its document."""
    issues: list[Issue] = []
    texts: dict[str, str | None] = {}
    for source in knowledge.sources.values():
        if source.document is None:
            continue
        path = documents / Path(source.document).name
        try:
            texts[source.id] = comparable(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            texts[source.id] = None
            issues.append(Issue(str(path), f"cannot read source document: {exc}"))
    for fact in knowledge.facts.values():
        where = f"topics/{fact.topic}.yaml"
        for citation in fact.citations:
            if citation.source not in texts:
                issues.append(
                    Issue(where, f"source '{citation.source}' names no document to check "
                          "the quote against (add 'document:' to it)", fact_id=fact.id)
                )
                continue
            text = texts[citation.source]
            if text is not None and comparable(citation.quote) not in text:
                issues.append(
                    Issue(where, f"quote not found in the text of '{citation.source}': "
                          f"{citation.quote[:80]!r}", fact_id=fact.id)
                )
    return issues
