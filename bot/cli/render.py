"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap

from bot import texts
from bot.core.answers import Answer, CitedSource
from bot.core.knowledge.models import KnowledgeBase
from bot.core.matching.overlaps import OverlapReport
from bot.core.smalltalk import SmallTalk

WIDTH = 88


def source_line(cited: CitedSource) -> str:
    """A source as the terminal cites it: the heading every front uses, the original source
    it credits, its address."""
    line = texts.source_heading(cited) + texts.via(cited)
    if cited.url:
        line += f" <{cited.url}>"
    return line


def render_small_talk(talk: SmallTalk, knowledge: KnowledgeBase) -> str:
    """The reply to small talk, for the terminal (no markdown; "who are you", "help" and a
    correction tell how the console is used, not Discord: it has no buttons; "help" lists what
    can be asked)."""
    if talk is SmallTalk.HELP:
        return f"{texts.CONSOLE_WHO}\n{texts.can_answer_line(knowledge.topics)}"
    console = {SmallTalk.WHO: texts.CONSOLE_WHO, SmallTalk.CORRECTION: texts.CONSOLE_CORRECTION}
    return console.get(talk, texts.SMALL_TALK[talk.value]).replace("*", "")


def offered(answer: Answer) -> list[str]:
    """The fact ids a reply offers, in the order `render_answers` numbers them: each answer's
    related questions (a decline's "did you mean"), the message's other answers' after."""
    return [offer.fact_id for each in (answer, *answer.also)
            for offer in (each.related if each.answered else each.suggestions)]


def render_answers(answer: Answer, knowledge: KnowledgeBase) -> str:
    """An answer and those of the message's other questions (`Answer.also`), one after the
    other, what they offer numbered on across them."""
    rendered, first = [], 1
    for each in (answer, *answer.also):
        rendered.append(render_answer(each, knowledge, first=first))
        first += len(each.related if each.answered else each.suggestions)
    return "\n\n".join(rendered)


def render_answer(answer: Answer, knowledge: KnowledgeBase, *, first: int = 1) -> str:
    """One answer (or decline) for the terminal; what it offers numbered from `first`."""
    if not answer.answered:
        if answer.off_topic is not None or answer.more_about is not None:
            # why, or what more there is, then the closest facts (or the topics)
            lines = [texts.decline_text(answer, knowledge).replace("**", "")]
        else:
            lines = [texts.DECLINE]
            if answer.suggestions:
                lines.append(f"{texts.DID_YOU_MEAN}:")
        if answer.suggestions:
            lines += [f"  {n}. {s.question}" for n, s in enumerate(answer.suggestions, first)]
        else:
            lines.append(texts.can_answer_line(knowledge.topics))
        return "\n".join(lines)
    lines = [f"Q: {answer.matched_question}  (confidence {answer.confidence:.0%})", ""]
    note = texts.not_covered_sentence(answer, knowledge)
    if note:
        lines += [*textwrap.wrap(note.replace("**", ""), WIDTH), ""]
    for paragraph in (answer.answer or "").replace("**", "").splitlines():  # no markdown here
        lines.extend(textwrap.wrap(paragraph, WIDTH) or [""])
    lines += ["", f"{texts.SOURCES}:"]
    for n, cited in enumerate(answer.citations, 1):
        lines.append(f"  [{n}] {source_line(cited)}")
        lines.append(f'      "{cited.quote}"')
    if answer.related:
        lines += ["", f"{texts.RELATED}: " + " | ".join(
            f"{n}. {r.question}" for n, r in enumerate(answer.related, first))]
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
