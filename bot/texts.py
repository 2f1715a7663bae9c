"""What the bot says, in one place: the sentences and formats every front shares (a later
translation touches this module). The fronts lay them out (an embed, a terminal); the words
and the way a source is cited are these.
"""

from __future__ import annotations

from bot.core.answers import CitedSource
from bot.core.knowledge.models import KnowledgeBase, Source

# -- answers and declines ----------------------------------------------------------------------

DECLINE_TITLE = "I don't have an answer for that"
DECLINE = ("I don't know that one: my sources don't cover it, and I'd rather say so than "
           "guess.")
DECLINE_SHORT = "I don't have an answer for that: my sources don't cover it."
DID_YOU_MEAN = "Did you mean"
NOT_SURE = ("I'm not sure I understood. Did you mean one of these? Pick one below, or rephrase "
            "your question.")
WHAT_I_CAN_ANSWER = "What I can answer"
HOW_TO_ASK = "Ask in plain words, e.g. `/ask question: how much do ML engineers earn?`"
SOURCES = "Sources"
RELATED = "Related"
GONE = "That question is no longer in my knowledge base. Try `/ask` or `/topics`."
UNDATED = "undated"


def source_heading(cited: CitedSource | Source) -> str:
    """How a source is named wherever it is cited: title, publisher (unless the title already
    names it), date."""
    parts = [cited.title]
    if cited.publisher and cited.publisher not in cited.title:
        parts.append(cited.publisher)
    parts.append(cited.published or UNDATED)
    return ", ".join(parts)


def via(cited: CitedSource) -> str:
    """" (via the original source)" when the article credits one, else nothing."""
    return f" (via {cited.via})" if cited.via else ""


def topics_sentence(knowledge: KnowledgeBase) -> str:
    """What the knowledge base can answer, from its topics: "Pay and salary, Skills, ..."."""
    return ", ".join(t.title for t in knowledge.topics)


def confidence_words(confidence: float) -> str:
    if confidence >= 0.8:
        return "very sure"
    if confidence >= 0.6:
        return "fairly sure"
    return "somewhat sure"


# -- when something goes wrong (`bot.discord.errors`) --------------------------------------

NOT_ALLOWED = "You can't use that command here."
OUT_OF_DATE = ("That command is out of date or unknown: please try again in a minute, or ask "
               "a server admin to reload Discord.")
BAD_INPUT = "I couldn't use that input. Please try again with plain text."
NO_DATABASE = "No database: nothing was recorded."
DATABASE_AWAY = "The database is unavailable right now: {error}."
MISSING_PERMISSION = "Discord didn't let me do that here (missing permission)."
SORRY = "Something went wrong on my side while answering. It has been logged; please try again."


# -- asking ------------------------------------------------------------------------------------

ATTACHMENT_ONLY_REPLY = ("I can only read questions written as text: please type yours in the "
                         "message.")
EMPTY_MENTION_REPLY = ("Hi! Ask me anything about becoming a machine learning engineer, e.g. "
                       "*how much do ML engineers earn?* `/help` shows everything I can do.")
