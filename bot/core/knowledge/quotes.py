"""Checking that every quoted citation really appears in its source's text.

Wherever a quote is written (the command line, `/kb add` in the running bot), it is checked
against its source's fingerprint (`bot.core.knowledge.fingerprint`): no documents needed. Where
the documents themselves are at hand (`validate --documents DIR`) a source naming one is checked
against its full text instead, and its fingerprint against a fresh build (`stale_fingerprints`).
A quote of a source with neither is not wrong but unverified (`Source.verified`).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.knowledge.errors import Issue
from bot.core.knowledge.fingerprint import BUILD_COMMAND, STRAIGHT_QUOTES, Fingerprint, tokens
from bot.core.knowledge.models import Citation, KnowledgeBase, Source

_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Text with quote styles made straight and whitespace collapsed."""
    return _SPACE.sub(" ", text.translate(STRAIGHT_QUOTES)).strip()


def _document_texts(
    knowledge: KnowledgeBase, documents: Path, issues: list[Issue]
) -> dict[str, str]:
    """Source id -> comparable text of its document, for every document that can be read."""
    texts: dict[str, str] = {}
    for source in knowledge.sources.values():
        if source.document is None:
            continue
        path = documents / Path(source.document).name
        try:
            texts[source.id] = comparable(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(Issue(str(path), f"cannot read source document: {exc}"))
    return texts


def _quote_problem(citation: Citation, text: str | None, fingerprint: Fingerprint | None
                   ) -> str | None:
    """Why the quote is not shown to be in its source's text (None: it is, or unverifiable)."""
    excerpt = f"{citation.quote[:80]!r}"
    if text is not None:
        if comparable(citation.quote) in text:
            return None
        return f"quote not found in the text of '{citation.source}': {excerpt}"
    if fingerprint is None:
        return None
    if len(tokens(citation.quote)) < fingerprint.shortest:
        return (f"quote too short to check against the text of '{citation.source}' (quote "
                f"at least {fingerprint.shortest} words): {excerpt}")
    if fingerprint.verifies(citation.quote):
        return None
    return (f"quote not found in the text of '{citation.source}' (checked against its "
            f"fingerprint): {excerpt}")


def check_quotes(knowledge: KnowledgeBase, documents: Path | None = None) -> list[Issue]:
    """One issue per quote its source's text does not hold (case-, whitespace- and
    quote-style-insensitive): checked from the source's fingerprint, or, when `documents`
    names the folder of the source documents, from the full text of a source's document."""
    issues: list[Issue] = []
    texts = _document_texts(knowledge, documents, issues) if documents is not None else {}
    for fact in knowledge.facts.values():
        for citation in fact.citations:
            source = knowledge.sources.get(citation.source)
            if source is None:  # the loader reports unknown sources
                continue
            problem = _quote_problem(citation, texts.get(source.id), source.fingerprint)
            if problem is not None:
                issues.append(Issue(f"topics/{fact.topic}.yaml", problem, fact_id=fact.id))
    return issues


def unverified_sources(knowledge: KnowledgeBase) -> list[Source]:
    """The cited sources whose quotes nothing checks where the bot runs (no fingerprint)."""
    cited = {c.source for fact in knowledge.facts.values() for c in fact.citations}
    return [s for s in knowledge.sources.values() if s.id in cited and not s.verified]


def stale_fingerprints(knowledge: KnowledgeBase, documents: Path) -> list[Issue]:
    """One issue per source with a document whose fingerprint is missing or differs from a
    fresh build from the document in `documents` (unreadable documents: see check_quotes)."""
    issues: list[Issue] = []
    for source in knowledge.sources.values():
        if source.document is None:
            continue
        where = "sources.yaml"
        if source.fingerprint is None:
            issues.append(Issue(where, f"source '{source.id}' names a document but no "
                                "fingerprint: its quotes go unchecked where the document is "
                                f"not; add 'fingerprint:' and build it with {BUILD_COMMAND}"))
            continue
        try:
            text = (documents / Path(source.document).name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if Fingerprint.of(text, source.fingerprint.sizes) != source.fingerprint:
            issues.append(Issue(where, f"source '{source.id}': {source.fingerprint_file} does "
                                f"not match its document {source.document}; rebuild it with "
                                f"{BUILD_COMMAND}"))
    return issues
