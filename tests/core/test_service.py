"""The answer service: one call per question for every front, with the unprompted mode."""

from __future__ import annotations

import pytest

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher, Thresholds
from bot.core.modes import Mode
from bot.core.service import AnswerService
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
    service = AnswerService(kb, thresholds=Thresholds(strong=best), unprompted_confidence=0.0)

    asked = service.ask(both, via="test", record=False)
    assert asked.answered and asked.related[0].fact_id != asked.fact_id
    unprompted = service.ask(both, via="test", record=False, mode=Mode.UNPROMPTED)
    assert not unprompted.answered


def test_a_burst_of_replacements_is_served_by_few_builds_of_the_latest(monkeypatch):
    """Calls queued behind a build are served by one build of the newest knowledge base, and
    each returns only once a build at least as new as its own is in place."""
    import threading
    import time

    def kb(n: int):
        return with_vocabulary([Fact(id=f"f{n}", question=f"question {n}", answer="a")])

    service = AnswerService(kb(0), thresholds=Thresholds())
    builds: list[str] = []
    load = service._load

    def slow_load(knowledge, previous):
        builds.append(next(iter(knowledge.facts)))
        time.sleep(0.05)
        return load(knowledge, previous)

    monkeypatch.setattr(service, "_load", slow_load)
    threads = [threading.Thread(target=service.replace, args=(kb(n),)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) < 10
    assert set(service.knowledge.facts) == {builds[-1]}
    service.replace(kb(99))
    assert set(service.knowledge.facts) == {"f99"}
