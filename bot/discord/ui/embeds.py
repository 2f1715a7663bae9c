"""Answers, declines and lists as Discord embeds, within Discord's limits."""

from __future__ import annotations

import discord

from bot.core.answers import Answer, CitedSource
from bot.core.knowledge.models import KnowledgeBase, Source

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
MESSAGE_LIMIT = 2000

ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.light_grey()
HOW_TO_ASK = "Ask in plain words, e.g. `/ask question: how much do ML engineers earn?`"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_heading(cited: CitedSource | Source) -> str:
    parts = [cited.title]
    if cited.publisher and cited.publisher not in cited.title:
        parts.append(cited.publisher)
    parts.append(cited.published or "undated")
    return ", ".join(parts)


def _source_value(cited: CitedSource) -> str:
    quote = clip(cited.quote, 700).replace("\n", " ")
    lines = [f"> {quote}"]
    if cited.via:
        lines.append(f"via {cited.via}")
    if cited.url:
        lines.append(f"<{cited.url}>")
    return clip("\n".join(lines), FIELD_VALUE_LIMIT)


def _fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the whole embed is within Discord's total limit."""
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def answer_embed(answer: Answer) -> discord.Embed:
    embed = discord.Embed(
        title=clip(answer.matched_question or answer.question, TITLE_LIMIT),
        description=clip(answer.answer or "", DESCRIPTION_LIMIT),
        colour=ANSWER_COLOUR,
    )
    for n, cited in enumerate(answer.citations[: FIELDS_LIMIT - 1], 1):
        embed.add_field(
            name=clip(f"Source {n}: {source_heading(cited)}", FIELD_NAME_LIMIT),
            value=_source_value(cited),
            inline=False,
        )
    embed.set_footer(text=f"How sure I am: {confidence_words(answer.confidence)}"
                          f" ({answer.confidence:.0%}) · Was this helpful? Vote below.")
    return _fit(embed)


def confidence_words(confidence: float) -> str:
    if confidence >= 0.8:
        return "very sure"
    if confidence >= 0.6:
        return "fairly sure"
    return "somewhat sure"


def decline_embed(answer: Answer, knowledge: KnowledgeBase) -> discord.Embed:
    if answer.suggestions:
        description = ("I'm not sure I understood. Did you mean one of these? "
                       "Pick one below, or rephrase your question.")
    else:
        topics = ", ".join(t.title for t in knowledge.topics)
        description = (
            "I don't know that one: my sources don't cover it, and I'd rather say so than "
            f"guess.\n\n**What I can answer:** {topics}.\n\n{HOW_TO_ASK}"
        )
    embed = discord.Embed(
        title="I don't have an answer for that",
        description=clip(description, DESCRIPTION_LIMIT),
        colour=DECLINE_COLOUR,
    )
    for n, suggestion in enumerate(answer.suggestions, 1):
        embed.add_field(name=f"{n}.", value=clip(suggestion.question, FIELD_VALUE_LIMIT),
                        inline=False)
    return _fit(embed)


def sources_embed(knowledge: KnowledgeBase) -> discord.Embed:
    embed = discord.Embed(
        title="Where my answers come from",
        description="Every answer quotes one of these, with the original source it credits.",
        colour=ANSWER_COLOUR,
    )
    for source in list(knowledge.sources.values())[:FIELDS_LIMIT]:
        value = source.note or "—"
        if source.url:
            value = f"<{source.url}>\n{value}"
        embed.add_field(name=clip(source_heading(source), FIELD_NAME_LIMIT),
                        value=clip(value, FIELD_VALUE_LIMIT), inline=False)
    return _fit(embed)


def help_embed(knowledge: KnowledgeBase, *, passive_channels: bool) -> discord.Embed:
    lines = [
        "I answer questions about becoming a **machine learning engineer**: pay, job outlook, "
        "the role, skills, degrees and the path in, related careers, what machine learning is "
        "and where to start learning. Every answer cites its source.",
        "",
        "**How to ask**",
        "• `/ask question:` with autocomplete as you type",
        "• mention me with your question, or reply to one of my messages",
        "• send me a direct message",
        "• right-click a message → Apps → **Answer with CareerBot**",
        "• `/topics` to browse everything I know, `/sources` for my sources",
    ]
    if passive_channels:
        lines.append("• in the Q&A channels I answer questions unprompted when I'm sure")
    lines += ["", f"I know {len(knowledge.facts)} answers in {len(knowledge.topics)} topics. "
              "If I don't know, I say so: I never guess."]
    return discord.Embed(title="CareerBot help", description="\n".join(lines),
                         colour=ANSWER_COLOUR)


def answer_text(answer: Answer) -> str:
    """A plain-text answer for channels where the bot may not embed (under 2,000 characters)."""
    if not answer.answered:
        lines = ["I don't have an answer for that: my sources don't cover it."]
        lines += [f"• Did you mean: {s.question}" for s in answer.suggestions]
        return clip("\n".join(lines), MESSAGE_LIMIT)
    sources = "; ".join(
        f"{source_heading(c)}{f' (via {c.via})' if c.via else ''}" for c in answer.citations
    )
    text = f"**{answer.matched_question}**\n{answer.answer}\n\n*Sources:* {sources}"
    return clip(text, MESSAGE_LIMIT)
