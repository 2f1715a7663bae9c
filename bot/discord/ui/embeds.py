"""Answers, declines and lists as Discord embeds, within Discord's limits."""

from __future__ import annotations

import discord

from bot import texts
from bot.core.answers import Answer, CitedSource
from bot.core.knowledge.models import KnowledgeBase
from bot.discord import limits
from bot.discord.limits import clip

ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.light_grey()


def _source_value(cited: CitedSource) -> str:
    quote = clip(cited.quote, 700).replace("\n", " ")
    lines = [f"> {quote}"]
    if cited.via:
        lines.append(f"via {cited.via}")
    if cited.url:
        lines.append(f"<{cited.url}>")
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def _fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the whole embed is within Discord's total limit."""
    while len(embed) > limits.EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def answer_embed(answer: Answer, knowledge: KnowledgeBase | None = None) -> discord.Embed:
    """An answer, its sources and confidence; with `knowledge`, what its question asked that
    the sources do not cover first (`texts.not_covered_sentence`)."""
    note = texts.not_covered_sentence(answer, knowledge)
    body = answer.answer or ""
    embed = discord.Embed(
        title=clip(answer.matched_question or answer.question, limits.EMBED_TITLE),
        description=clip(f"*{note}*\n\n{body}" if note else body, limits.EMBED_DESCRIPTION),
        colour=ANSWER_COLOUR,
    )
    for n, cited in enumerate(answer.citations[: limits.EMBED_FIELDS - 1], 1):
        embed.add_field(
            name=clip(texts.SOURCE_FIELD.format(n=n, heading=texts.source_heading(cited)),
                      limits.EMBED_FIELD_NAME),
            value=_source_value(cited),
            inline=False,
        )
    embed.set_footer(text=texts.CONFIDENCE_FOOTER.format(
        words=texts.confidence_words(answer.confidence), confidence=answer.confidence))
    return _fit(embed)


def decline_embed(answer: Answer, knowledge: KnowledgeBase) -> discord.Embed:
    description = texts.decline_text(answer, knowledge)
    if not answer.suggestions:
        description += (f"\n\n{texts.can_answer_line(knowledge.topics, markdown=True)}"
                        f"\n\n{texts.HOW_TO_ASK}")
    embed = discord.Embed(
        title=texts.MORE_TITLE if answer.more_about is not None else texts.DECLINE_TITLE,
        description=clip(description, limits.EMBED_DESCRIPTION),
        colour=DECLINE_COLOUR,
    )
    for n, suggestion in enumerate(answer.suggestions, 1):
        embed.add_field(name=f"{n}.", value=clip(suggestion.question, limits.EMBED_FIELD_VALUE),
                        inline=False)
    return _fit(embed)


def sources_embed(knowledge: KnowledgeBase) -> discord.Embed:
    embed = discord.Embed(
        title=texts.SOURCES_TITLE,
        description=texts.SOURCES_ABOUT,
        colour=ANSWER_COLOUR,
    )
    for source in list(knowledge.sources.values())[:limits.EMBED_FIELDS]:
        value = source.note or "—"
        if source.url:
            value = f"<{source.url}>\n{value}"
        embed.add_field(name=clip(texts.source_heading(source), limits.EMBED_FIELD_NAME),
                        value=clip(value, limits.EMBED_FIELD_VALUE), inline=False)
    return _fit(embed)


def help_embed(lines: list[str]) -> discord.Embed:
    """The help (`texts.help_lines`) as an embed."""
    return discord.Embed(title=texts.HELP_TITLE,
                         description=clip("\n".join(lines), limits.EMBED_DESCRIPTION),
                         colour=ANSWER_COLOUR)


def answer_text(answer: Answer, knowledge: KnowledgeBase | None = None) -> str:
    """A plain-text answer for channels where the bot may not embed (under 2,000 characters);
    `knowledge` as `answer_embed`'s."""
    if not answer.answered:
        lines = [texts.DECLINE_SHORT]
        lines += [f"• {texts.DID_YOU_MEAN}: {s.question}" for s in answer.suggestions]
        return clip("\n".join(lines), limits.MESSAGE)
    sources = "; ".join(
        f"{texts.source_heading(c)}{texts.via(c)}" for c in answer.citations
    )
    note = texts.not_covered_sentence(answer, knowledge)
    text = f"**{answer.matched_question}**\n{answer.answer}\n\n*{texts.SOURCES}:* {sources}"
    if note:
        text = f"{note}\n{text}"
    return clip(text, limits.MESSAGE)
