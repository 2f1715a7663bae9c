"""The answer service: one call per question for every front, with the unprompted mode."""

from __future__ import annotations

import pytest

from bot.knowledge.models import Fact
from bot.matching import Matcher, Thresholds
from bot.service import AnswerService
from tests.shipped import with_vocabulary

pytestmark = pytest.mark.usefixtures("lexical_only")
"""The lexical rules, with the scores they construct: the meaning signal is off here (its
tests are in test_semantic.py)."""


def test_unprompted_answers_need_a_clear_winner():
    """A close call is answered when asked, but not in a channel where the bot speaks unasked."""
    kb = with_vocabulary([
        Fact("tools-daily", "which tools do ml engineers use every day", "Daily tools.",
             alternates=("which tools do ml engineers use every day please",)),
        Fact("tools-learn", "which tools do ml engineers learn first", "Tools to learn.",
             alternates=("which tools do ml engineers learn first please",)),
    ])
    both = "which tools do ml engineers use daily first"
    (_, best), (_, runner_up) = Matcher(kb).rank(both)[:2]
    assert best < 1.1 * runner_up
    service = AnswerService(kb, thresholds=Thresholds(strong=best))

    asked = service.ask(both, via="test", record=False)
    assert asked.answered and asked.related[0].fact_id != asked.fact_id
    unprompted = service.ask(both, via="test", record=False, min_confidence=0.0)
    assert not unprompted.answered
