"""Writing a topic back to YAML in the shipped files' stable, human-friendly form.

Layout (what `knowledge/topics/*.yaml` use): keys in schema order, block style with 2-space
indents, one blank line between facts, alternates as a block list, keywords and related as
one-line flow lists, answers as literal blocks (`answer: |`), quotes and `via` double-quoted,
`via: null` spelled out. Other strings are plain unless plain would change their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from bot.core.knowledge.models import Fact

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = set(",[]{}:")
_NUMERIC = re.compile(r"^[-+]?[0-9][0-9_,.:eExXoObB+-]*$|^[-+]?\.[0-9]")
_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0",
    "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\ufeff",
}


def _printable(text: str) -> bool:
    """Characters a YAML document may hold literally (YAML 1.1 `c-printable` minus the tricky)."""
    return all(
        ch == "\t" or ("\x20" <= ch <= "\x7e")
        or ("\xa0" <= ch <= "\ud7ff" and ch not in "\u2028\u2029")
        or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff") or ch >= "\U00010000"
        for ch in text
    )


def plain_ok(text: str, *, flow: bool = False) -> bool:
    """True when `text` written unquoted reads back as the same string."""
    if not text or text != text.strip() or not _printable(text) or "\t" in text:
        return False
    if text[0] in _INDICATORS or (flow and any(ch in _FLOW_UNSAFE for ch in text)):
        return False
    if ": " in text or " #" in text or text.endswith(":") or _NUMERIC.match(text):
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG


def quoted(text: str) -> str:
    """A double-quoted YAML scalar for `text` (escapes only what must be escaped)."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not _printable(ch):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
                       if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def scalar(text: str | None, *, flow: bool = False, always_quote: bool = False) -> str:
    if text is None:
        return "null"
    if not always_quote and plain_ok(text, flow=flow):
        return text
    return quoted(text)


def _flow_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(item, flow=True) for item in items) + "]"


def _literal_ok(text: str) -> bool:
    return bool(text) and text == text.strip() and _printable(text.replace("\n", ""))


def _answer(text: str, indent: str) -> list[str]:
    if not _literal_ok(text):
        return [f"{indent}answer: {quoted(text)}"]
    body = [f"{indent}  {line}" if line else "" for line in text.split("\n")]
    return [f"{indent}answer: |", *body]


def fact_lines(fact: Fact, indent: str = "  ") -> list[str]:
    """One fact as a block-list item (`- id: ...`) at the given indent."""
    inner = indent + "  "
    lines = [f"{indent}- id: {scalar(fact.id)}", f"{inner}question: {scalar(fact.question)}"]
    if fact.alternates:
        lines.append(f"{inner}alternates:")
        lines += [f"{inner}  - {scalar(alt)}" for alt in fact.alternates]
    else:
        lines.append(f"{inner}alternates: []")
    lines.append(f"{inner}keywords: {_flow_list(fact.keywords)}")
    lines += _answer(fact.answer, inner)
    if fact.citations:
        lines.append(f"{inner}citations:")
        for citation in fact.citations:
            lines += [
                f"{inner}  - source: {scalar(citation.source)}",
                f"{inner}    quote: {scalar(citation.quote, always_quote=True)}",
                f"{inner}    via: {scalar(citation.via, always_quote=True)}",
            ]
    else:
        lines.append(f"{inner}citations: []")
    lines.append(f"{inner}related: {_flow_list(fact.related)}")
    return lines


def dump_topic(topic_id: str, title: str, facts: Iterable[Fact]) -> str:
    """The text of `topics/<topic_id>.yaml` holding `facts` in the given order."""
    lines = [f"topic: {scalar(topic_id)}", f"title: {scalar(title)}"]
    blocks = [fact_lines(fact) for fact in facts]
    if not blocks:
        return "\n".join([*lines, "facts: []"]) + "\n"
    lines.append("facts:")
    for n, block in enumerate(blocks):
        if n:
            lines.append("")
        lines += block
    return "\n".join(lines) + "\n"
