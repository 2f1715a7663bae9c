"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap

from bot.answers import Answer, CitedSource

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
