"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap

from bot.core.answers import Answer, CitedSource
from bot.core.matching.overlaps import OverlapReport

WIDTH = 88


def source_line(cited: CitedSource) -> str:
    parts = [cited.title]
    if cited.publisher:
        parts.append(cited.publisher)
    parts.append(cited.published or "undated")
    line = ", ".join(parts)
    if cited.via:
        line += f" (via {cited.via})"
    if cited.url:
        line += f" <{cited.url}>"
    return line


def render_answer(answer: Answer) -> str:
    if not answer.answered:
        lines = ["I don't know the answer to that one: my sources don't cover it."]
        if answer.suggestions:
            lines.append("Did you mean:")
            lines += [f"  - {s.question}" for s in answer.suggestions]
        else:
            lines.append("Try asking about pay, job outlook, the role, skills, degrees, "
                         "related careers, what machine learning is, or where to start learning.")
        return "\n".join(lines)
    lines = [f"Q: {answer.matched_question}  (confidence {answer.confidence:.0%})", ""]
    for paragraph in (answer.answer or "").splitlines():
        lines.extend(textwrap.wrap(paragraph, WIDTH) or [""])
    lines += ["", "Sources:"]
    for n, cited in enumerate(answer.citations, 1):
        lines.append(f"  [{n}] {source_line(cited)}")
        lines.append(f'      "{cited.quote}"')
    if answer.related:
        lines += ["", "Related: " + " | ".join(r.question for r in answer.related)]
    return "\n".join(lines)


def render_overlaps(report: OverlapReport) -> str:
    """The phrasings that rank another fact first, one per line; close calls counted."""
    lines = [
        f"Overlapping phrasings (warnings): {len(report.misranked)} of {report.phrasings} rank "
        f"another fact first; {len(report.close)} more are close calls.",
    ]
    lines += [
        f"  [{o.fact_id}] {o.phrasing!r} reads like [{o.other_id}] ({o.score:.2f})"
        for o in report.misranked
    ]
    if report.misranked:
        lines.append("Move each to the fact whose answer answers it, or reword it to say which.")
    return "\n".join(lines)
