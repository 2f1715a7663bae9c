"""The matcher's hand rules, by name, so that each can be turned off to measure what it earns.

Scores rank the facts; these rules decide, on top of the scores, whether the best one answers.
Each was added for questions the scores got wrong; with the meaning signal some may no longer
be needed. `python -m bot bench ablation` turns each off in turn and measures every data set
(the table is in the README); a rule that earns nothing is removed, not kept off.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES: dict[str, str] = {
    "scope": "a question naming another job, or a place, employer or level no pay fact "
             "names, is declined (matching.yaml's subject and topic words)",
    "subject-word": "words only: a question with no content word the knowledge base knows is "
                    "declined",
    "question-form": "a \"what is X\" question is decided among the facts asked about X",
    "answer-type": "an answer without a clear lead (or by a quoted figure) must be asked the "
                   "way the question asks (who, where, when, why, how long...)",
    "quoted-figures": "a figure the question quotes (\"is 127k still the average\") picks "
                      "the fact that gives it",
    "close-calls": "a fact scoring `strong` answers even with a close runner-up",
    "sure-lead": "a fact under the answer threshold answers with a clear lead over the rest",
    "unknown-words": "a word the knowledge base never uses counts against every fact",
    "typo-correction": "a question's unknown words are corrected towards known words",
    "domain-synonyms": "matching.yaml's synonyms (\"mle\" -> \"ml engineer\")",
}


@dataclass(frozen=True, slots=True)
class Rules:
    """Which rules are on (all, unless measuring what one earns)."""

    off: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(self.off - RULES.keys())
        if unknown:
            raise ValueError(
                f"unknown rule(s): {', '.join(unknown)} (known: {', '.join(RULES)})"
            )

    def __contains__(self, name: str) -> bool:
        """Whether rule `name` is on."""
        return name not in self.off


ALL_RULES = Rules()
