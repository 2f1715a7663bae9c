"""The shape of the knowledge files: raw YAML data in, typed models and located issues out.

Limits follow Discord's: the matched question is an embed title and an autocomplete choice
(100 characters), the answer an embed description, a quote an embed field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.knowledge.errors import Issue
from bot.core.knowledge.fingerprint import FINGERPRINTS_DIR
from bot.core.knowledge.models import Citation, Fact, Source

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL = re.compile(r"^https?://\S+$")
FINGERPRINT_PATH = re.compile(rf"{FINGERPRINTS_DIR}/[a-z0-9][a-z0-9_.-]{{0,95}}\.txt")
"""A fingerprint file, relative to the knowledge directory. Only a file of the fingerprints
folder: sources.yaml can be uploaded from Discord, and must not point the bot at other files."""

MAX_QUESTION = 100
MAX_PHRASING = 200
MAX_KEYWORD = 50
MAX_ANSWER = 1500
MAX_QUOTE = 400
MAX_SHORT_TEXT = 200
MAX_ITEMS = 100
MAX_ID = 64
"""Longest id a citation's source or a related fact can name."""

FACT_KEYS = ("id", "question", "alternates", "keywords", "answer", "citations", "related")
CITATION_KEYS = ("source", "quote", "via")
SOURCE_KEYS = (
    "id", "title", "publisher", "published", "url", "note", "document", "fingerprint"
)
TOPIC_KEYS = ("topic", "title", "facts")


@dataclass
class Located:
    """Collects issues for one file, with the line of the mapping being read."""

    file: str
    issues: list[Issue] = field(default_factory=list)

    def make(
        self, message: str, node: Any = None, key: str | None = None, fact: str | None = None
    ) -> Issue:
        line = getattr(node, "line", None)
        if key is not None:
            line = getattr(node, "key_lines", {}).get(key, line)
        return Issue(self.file, message, line, fact)

    def add(
        self, message: str, node: Any = None, key: str | None = None, fact: str | None = None
    ) -> None:
        self.issues.append(self.make(message, node, key, fact))


def _text(
    loc: Located, node: dict, key: str, *, limit: int, required: bool, fact: str | None = None
) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            loc.add(f"missing field '{key}'", node, fact=fact)
        return None
    if not isinstance(value, str):
        loc.add(f"'{key}' must be text, not {type(value).__name__}", node, key, fact)
        return None
    value = value.strip()
    if not value:
        loc.add(f"'{key}' is empty", node, key, fact)
        return None
    if len(value) > limit:
        loc.add(f"'{key}' is {len(value)} characters; the limit is {limit}", node, key, fact)
        return None
    return value


def _text_list(loc: Located, node: dict, key: str, *, limit: int, fact: str) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        loc.add(f"'{key}' must be a list", node, key, fact)
        return ()
    if len(value) > MAX_ITEMS:
        loc.add(f"'{key}' has {len(value)} items; the limit is {MAX_ITEMS}", node, key, fact)
    elif all(type(item) is str for item in value):  # the usual case, checked in bulk
        stripped = tuple(item.strip() for item in value)
        if all(stripped) and max(map(len, stripped), default=0) <= limit:
            return stripped
    items = []
    for n, item in enumerate(value[:MAX_ITEMS], 1):
        if not isinstance(item, str) or not item.strip():
            loc.add(f"'{key}' item {n} must be non-empty text", node, key, fact)
        elif len(item.strip()) > limit:
            loc.add(f"'{key}' item {n} is over {limit} characters", node, key, fact)
        else:
            items.append(item.strip())
    return tuple(items)


def _unknown_keys(loc: Located, node: dict, allowed: tuple[str, ...], what: str, fact=None):
    for key in node:
        if key not in allowed:
            expected = ", ".join(allowed)
            loc.add(f"unknown field '{key}' in {what} (expected: {expected})", node, key, fact)


def parse_source(loc: Located, node: Any) -> Source | None:
    if not isinstance(node, dict):
        loc.add("each source must be a mapping with id, title, ...")
        return None
    _unknown_keys(loc, node, SOURCE_KEYS, "a source")
    sid = node.get("id")
    if not isinstance(sid, str) or not SLUG.match(sid):
        loc.add(f"source id {sid!r} must be a lowercase slug [a-z0-9_-]", node, "id")
        return None
    published = node.get("published")
    if isinstance(published, dt.date):
        published = published.isoformat()
    if published is not None and (not isinstance(published, str) or not DATE.match(published)):
        loc.add(f"source '{sid}': 'published' must be YYYY-MM-DD or null", node, "published")
        published = None
    url = _text(loc, node, "url", limit=500, required=False)
    if url is not None and not URL.match(url):
        loc.add(f"source '{sid}': 'url' must start with http:// or https://", node, "url")
        url = None
    fingerprint = _text(loc, node, "fingerprint", limit=MAX_SHORT_TEXT, required=False)
    if fingerprint is not None and not FINGERPRINT_PATH.fullmatch(fingerprint):
        loc.add(f"source '{sid}': 'fingerprint' must name a file in {FINGERPRINTS_DIR}/, "
                f"like {FINGERPRINTS_DIR}/{sid}.txt", node, "fingerprint")
        fingerprint = None
    title = _text(loc, node, "title", limit=MAX_SHORT_TEXT, required=True)
    if title is None:
        return None
    return Source(
        id=sid,
        title=title,
        publisher=_text(loc, node, "publisher", limit=MAX_SHORT_TEXT, required=False),
        published=published,
        url=url,
        note=_text(loc, node, "note", limit=1000, required=False),
        document=_text(loc, node, "document", limit=MAX_SHORT_TEXT, required=False),
        fingerprint_file=fingerprint,
    )


def _citation(loc: Located, node: Any, fact: str) -> Citation | None:
    if not isinstance(node, dict):
        loc.add("each citation must be a mapping with source and quote", fact=fact)
        return None
    _unknown_keys(loc, node, CITATION_KEYS, "a citation", fact)
    source = _text(loc, node, "source", limit=MAX_ID, required=True, fact=fact)
    quote = _text(loc, node, "quote", limit=MAX_QUOTE, required=True, fact=fact)
    via = _text(loc, node, "via", limit=MAX_SHORT_TEXT, required=False, fact=fact)
    if source is None or quote is None:
        return None
    return Citation(source=source, quote=quote, via=via)


def parse_fact(loc: Located, node: Any, topic: str) -> Fact | None:
    if not isinstance(node, dict):
        loc.add("each fact must be a mapping with id, question, answer, citations")
        return None
    fid = node.get("id")
    if not isinstance(fid, str) or not SLUG.match(fid):
        loc.add(f"fact id {fid!r} must be a lowercase slug [a-z0-9_-]", node, "id")
        return None
    before = len(loc.issues)
    _unknown_keys(loc, node, FACT_KEYS, "a fact", fid)
    question = _text(loc, node, "question", limit=MAX_QUESTION, required=True, fact=fid)
    answer = _text(loc, node, "answer", limit=MAX_ANSWER, required=True, fact=fid)
    alternates = _text_list(loc, node, "alternates", limit=MAX_PHRASING, fact=fid)
    keywords = _text_list(loc, node, "keywords", limit=MAX_KEYWORD, fact=fid)
    related = _text_list(loc, node, "related", limit=MAX_ID, fact=fid)
    raw_citations = node.get("citations")
    citations: list[Citation] = []
    if not isinstance(raw_citations, list) or not raw_citations:
        loc.add("needs at least one citation (source and quote)", node, "citations", fid)
    else:
        for item in raw_citations:
            citation = _citation(loc, item, fid)
            if citation:
                citations.append(citation)
    if len(loc.issues) > before or question is None or answer is None:
        return None
    return Fact(
        id=fid,
        topic=topic,
        question=question,
        answer=answer,
        alternates=alternates,
        keywords=keywords,
        citations=tuple(citations),
        related=related,
    )
