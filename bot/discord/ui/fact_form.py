"""The fact form (a Discord modal): question, alternates, answer, source, quote.

A refused form loses nothing: the reply lists what is wrong and offers to reopen the form
with everything the moderator typed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import discord

from bot import texts
from bot.core.knowledge.models import Citation, Fact
from bot.core.knowledge.schema import MAX_ANSWER, MAX_QUESTION, MAX_QUOTE
from bot.discord.errors import NotAllowed, ReportingModal, ReportingView

MAX_ALTERNATES_TEXT = 4000  # Discord: a text input holds at most 4,000 characters
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the form holds, as the moderator typed it."""

    question: str = ""
    alternates: str = ""
    answer: str = ""
    source: str = ""
    quote: str = ""

    @classmethod
    def of(cls, fact: Fact) -> FormValues:
        first = fact.citations[0] if fact.citations else Citation("", "")
        return cls(fact.question, "\n".join(fact.alternates), fact.answer, first.source,
                   first.quote)

    def to_fact(self, fact_id: str, *, base: Fact | None = None) -> Fact:
        """The fact these values describe; other citations, keywords and links of `base` stay."""
        alternates = tuple(line.strip() for line in self.alternates.splitlines() if line.strip())
        first = base.citations[0] if base and base.citations else None
        citation = Citation(self.source.strip(), self.quote.strip(),
                            first.via if first and first.source == self.source.strip() else None)
        rest = base.citations[1:] if base else ()
        fact = base or Fact(id=fact_id, question="", answer="")
        return replace(fact, id=fact_id, question=self.question.strip(), alternates=alternates,
                       answer=self.answer.strip(), citations=(citation, *rest))


def new_fact_id(question: str, taken: set[str]) -> str:
    """A readable, unused id from the question ("How much?" -> "how-much")."""
    base = _SLUG.sub("-", question.lower()).strip("-")[:48].strip("-") or "fact"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


Submit = Callable[[discord.Interaction, FormValues], Awaitable[None]]


class FactForm(ReportingModal):
    def __init__(self, title: str, values: FormValues, on_submit: Submit) -> None:
        super().__init__(title=title[:45], timeout=1800)
        self._submit = on_submit
        self.question = discord.ui.TextInput(
            label=texts.FORM_QUESTION, default=values.question[:MAX_QUESTION] or None,
            max_length=MAX_QUESTION, placeholder=texts.FORM_QUESTION_EXAMPLE)
        self.alternates = discord.ui.TextInput(
            label=texts.FORM_ALTERNATES, style=discord.TextStyle.paragraph,
            default=values.alternates[:MAX_ALTERNATES_TEXT] or None, required=False,
            max_length=MAX_ALTERNATES_TEXT, placeholder=texts.FORM_ALTERNATES_EXAMPLE)
        self.answer = discord.ui.TextInput(
            label=texts.FORM_ANSWER, style=discord.TextStyle.paragraph,
            default=values.answer[:MAX_ANSWER] or None, max_length=MAX_ANSWER)
        self.source = discord.ui.TextInput(
            label=texts.FORM_SOURCE, default=values.source[:64] or None, max_length=64,
            placeholder="ml-engineer-article-2024")
        self.quote = discord.ui.TextInput(
            label=texts.FORM_QUOTE, style=discord.TextStyle.paragraph,
            default=values.quote[:MAX_QUOTE] or None, max_length=MAX_QUOTE)
        for item in (self.question, self.alternates, self.answer, self.source, self.quote):
            self.add_item(item)

    def values(self) -> FormValues:
        return FormValues(self.question.value, self.alternates.value, self.answer.value,
                          self.source.value, self.quote.value)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._submit(interaction, self.values())


class RetryView(ReportingView):
    """Under a refusal: reopen the form with what the moderator typed."""

    def __init__(self, owner_id: int, form: Callable[[], FactForm]) -> None:
        super().__init__(timeout=1800)
        self.owner_id = owner_id
        self._form = form

    @discord.ui.button(label=texts.FORM_RETRY, style=discord.ButtonStyle.primary)
    async def retry(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        if interaction.user.id != self.owner_id:
            raise NotAllowed(texts.NOT_YOUR_FORM)
        await interaction.response.send_modal(self._form())
