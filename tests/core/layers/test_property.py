"""Property: in random small layers, a fact's own question answers it in its server, and no
question ever brings up another server's fact (answer, suggestion or follow-up)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.matching.synonyms import STOP_WORDS
from bot.core.service import AnswerService

from .conftest import give, local_fact

WORDS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9).filter(
    lambda w: w not in STOP_WORDS)
FIRST_GUILD = 500_000_000_000_000_000


@st.composite
def layers(draw) -> list[list[tuple[str, str]]]:
    """Per server, its facts as (id, question): each question made of words no other
    question uses (two facts of one server asked the same way would be a close call)."""
    shape = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    words = draw(st.lists(WORDS, min_size=3 * sum(shape), max_size=3 * sum(shape),
                          unique=True))
    out, n = [], 0
    for server, count in enumerate(shape):
        facts = []
        for i in range(count):
            facts.append((f"s{server}-fact-{i}", " ".join(words[3 * n : 3 * n + 3]) + "?"))
            n += 1
        out.append(facts)
    return out


def offered(answer) -> set[str]:
    return {answer.fact_id, *(s.fact_id for s in answer.suggestions),
            *(r.fact_id for r in answer.related)} - {None}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(servers=layers())
def test_a_question_of_a_servers_fact_answers_it_there_and_nowhere_else(
        shipped_kb, shipped_semantic_service, servers):
    with tempfile.TemporaryDirectory() as tmp:
        service = AnswerService(shipped_kb,
                                semantic=shipped_semantic_service.matcher.semantic.model,
                                layers=Path(tmp) / "servers")
        guilds = [FIRST_GUILD + n for n in range(len(servers))]
        for guild, facts in zip(guilds, servers, strict=True):
            give(service, guild, *(local_fact(i, q) for i, q in facts))
        owned = {guild: {i for i, _ in facts} for guild, facts in zip(guilds, servers,
                                                                      strict=True)}
        for guild, facts in zip(guilds, servers, strict=True):
            for fact_id, question in facts:
                for asked_in in (*guilds, None):
                    answer = service.ask(question, via="test", guild_id=asked_in, record=False)
                    if asked_in == guild:
                        assert answer.fact_id == fact_id, (question, answer)
                    others = set().union(*(owned[g] for g in guilds if g != asked_in))
                    assert not offered(answer) & others, (question, asked_in, answer)
