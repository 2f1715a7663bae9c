"""The offline console's conversation: one person in one channel, as a direct message to the bot.

Small talk gets its reply; a follow-up is read in the context of the last answer; a number
picks one of the facts the last reply offered (a decline's "did you mean", an answer's related
questions), as the bot's buttons do.
"""

from __future__ import annotations

from bot.cli.render import offered, render_answers, render_small_talk
from bot.core.conversation import Context, Conversations, left_by
from bot.core.service import AnswerService
from bot.core.smalltalk import small_talk

VIA = "cli"
CONSOLE = 0
"""The console's one person in its one channel (the key of its conversation memory)."""


class Console:
    """One console session over `service` (nothing it is asked is recorded)."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self.memory = Conversations()
        self.offers: list[str] = []
        """The fact ids the last reply offered, in the order it numbered them."""

    def reply(self, line: str) -> str:
        """The console's reply to one line (not empty)."""
        talk = small_talk(line)
        if talk is not None:
            return render_small_talk(talk, self.service.knowledge)
        picked = self._picked(line)
        if picked is not None:
            context = None
            answer = self.service.answer_fact(picked)
            asked = answer.matched_question or line
        else:
            context = self.memory.recall(CONSOLE, CONSOLE)
            answer = self.service.ask(line, via=VIA, record=False, context=context)
            asked = line
        self.offers = offered(answer)
        if answer.answered and answer.fact_id is not None:
            self.memory.remember(CONSOLE, CONSOLE, left_by(
                context, asked, answer.fact_id, in_context=answer.in_context))
        for other in answer.also:  # the last answer shown is what a follow-up follows
            self.memory.remember(CONSOLE, CONSOLE, Context(other.question, other.fact_id or ""))
        return render_answers(answer, self.service.knowledge)

    def _picked(self, line: str) -> str | None:
        """The fact a line that is just a number picks among the last offers, if any."""
        text = line.strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= len(self.offers):
            return self.offers[int(text) - 1]
        return None
