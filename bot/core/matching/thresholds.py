"""When the matcher answers, and when it only suggests: one setting for every knowledge base."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When to answer, when to suggest. Scores are in [0, 1]; leads are ratios best/runner-up.

    The matcher answers when the best fact scores at least `answer` and leads the runner-up
    by `lead`, or scores at least `floor` with the clearer lead `sure_lead` (a long, chatty
    question scores lower overall, but can still point at one fact only): it is then
    `clearly_ahead`. Or it scores at least `strong` whatever the runner-up (two facts this
    close to the question are both worth reading: the answer comes with the runner-up offered
    first among its follow-ups), provided the fact is asked the way the question asks (see
    `Matcher.match`). A fact that gives a figure the question quotes answers from `floor`
    wherever close calls are answered (`strong` is 1 or less): see `Matcher._quoted`."""

    answer: float = 0.40
    lead: float = 1.10
    floor: float = 0.30
    sure_lead: float = 1.30
    strong: float = 0.50
    suggest: float = 0.25
    """Lowest score of a fact offered as "did you mean"."""
    close_calls: bool = True
    """Whether a fact may answer with another close to it, or ahead of it (`strong`, and a
    quoted figure): not where the bot speaks unprompted (`bot.core.modes`)."""

    def clearly_ahead(self, best: float, runner_up: float) -> bool:
        return (best >= self.answer and best >= self.lead * runner_up) or (
            best >= self.floor and best >= self.sure_lead * runner_up
        )

    def confident(self, best: float, runner_up: float) -> bool:
        """Whether the scores alone allow an answer (`strong` needs a fitting fact too)."""
        return self.clearly_ahead(best, runner_up) or (self.close_calls and best >= self.strong)

    def close_call(self, best: float, runner_up: float) -> bool:
        """Whether a confident answer's runner-up is close enough to offer alongside it."""
        return runner_up >= self.suggest and best < self.lead * runner_up


DEFAULT_THRESHOLDS = Thresholds()
