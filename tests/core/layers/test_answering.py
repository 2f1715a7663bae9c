"""Questions in servers with layers: each server sees the base and its own facts, nobody else's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core.conversation import Context
from bot.core.knowledge.errors import FactNotFound
from bot.core.matching import OffTopic
from bot.core.matching.semantic import SemanticModel
from bot.core.modes import Mode
from bot.core.service import AnswerService

from .conftest import CV_FACT, CV_QUESTION, GUILD_A, GUILD_B, give, local_fact

VIA = "test"
BASE_QUESTIONS = {
    "how much do ml engineers make": "average-salary",
    "what skills does an mle need": "skills-needed",
}


def ask(service: AnswerService, question: str, guild_id: int | None, **options):
    return service.ask(question, via=VIA, guild_id=guild_id, record=False, **options)


def test_a_servers_fact_answers_in_that_server_only(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    give(service, GUILD_B, local_fact("rules", "What are the rules of this server?"))
    answer = ask(service, CV_QUESTION, GUILD_A)
    assert (answer.fact_id, answer.answer) == ("cv-channel", "The answer of cv-channel.")
    assert answer.citations[0].url == "https://example.org/guide"
    assert not answer.citations[0].verified  # a server's own source: taken on trust
    for elsewhere in (GUILD_B, None, 333):
        other = ask(service, CV_QUESTION, elsewhere)
        offered = {other.fact_id, *(s.fact_id for s in other.suggestions),
                   *(r.fact_id for r in other.related)}
        assert "cv-channel" not in offered, elsewhere


def test_a_paraphrase_of_a_servers_fact_is_answered_there(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    assert ask(service, "where can I get feedback on my resume?", GUILD_A).fact_id == "cv-channel"


def test_base_facts_answer_in_every_server_as_in_a_dm(service: AnswerService):
    give(service, GUILD_A, CV_FACT, local_fact("mentors", "How do I become a mentor here?"))
    for question, fact_id in BASE_QUESTIONS.items():
        answers = [ask(service, question, g) for g in (GUILD_A, GUILD_B, None)]
        assert {a.fact_id for a in answers} == {fact_id}, question
        assert len({a.related for a in answers}) == 1  # the base's related facts, everywhere


def test_off_topic_questions_are_still_declined_in_a_server(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    assert not ask(service, "what is the weather in paris tomorrow", GUILD_A).answered
    # the base's reason survives the layer's decline: the front says why
    in_server = ask(service, "how much does a nurse make", GUILD_A)
    assert not in_server.answered and in_server.off_topic == OffTopic("role", "nurse")


def test_a_crafted_id_of_another_servers_fact_does_not_resolve(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    assert service.fact("cv-channel", guild_id=GUILD_A).question == CV_QUESTION
    assert service.answer_fact("cv-channel", guild_id=GUILD_A).answer == "The answer of cv-channel."
    for elsewhere in (GUILD_B, None):
        with pytest.raises(FactNotFound):
            service.fact("cv-channel", guild_id=elsewhere)
        with pytest.raises(FactNotFound):
            service.answer_fact("cv-channel", guild_id=elsewhere)
    assert service.fact("average-salary", guild_id=GUILD_A).id == "average-salary"


def test_autocomplete_merges_the_servers_facts_with_the_base(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    in_a = [f.id for f in service.complete("where do I post my", guild_id=GUILD_A, limit=5)]
    assert in_a[0] == "cv-channel" and len(in_a) == 5
    assert set(in_a[1:]) <= set(service.knowledge.facts)
    assert "cv-channel" not in [f.id for f in service.complete("where do I post my", limit=5,
                                                                guild_id=GUILD_B)]


def test_a_follow_up_of_a_servers_answer_is_read_in_its_context(service: AnswerService):
    give(service, GUILD_A, CV_FACT, local_fact("rules", "What are the rules of this server?"))
    follow_up = "and for feedback?"
    assert not ask(service, follow_up, GUILD_A).answered  # too short alone
    answer = ask(service, follow_up, GUILD_A, context=Context(CV_QUESTION, "cv-channel"))
    assert answer.fact_id == "cv-channel"
    assert ask(service, follow_up, GUILD_B,  # another server: the context means nothing
               context=Context(CV_QUESTION, "cv-channel")).fact_id != "cv-channel"


def test_unprompted_questions_use_the_layer_too(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    assert ask(service, CV_QUESTION, GUILD_A, mode=Mode.UNPROMPTED).fact_id == "cv-channel"
    assert ask(service, CV_QUESTION, GUILD_B, mode=Mode.UNPROMPTED).fact_id is None


def test_a_layer_with_broken_yaml_keeps_the_base_answers(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    topic = service.layers.folders.knowledge(GUILD_A) / "topics" / "server.yaml"
    topic.write_text("topic: server\ntitle: This server\nfacts:\n  - id: [unclosed\n",
                     encoding="utf-8")
    service.layers.reload(GUILD_A)
    layer = service.layer(GUILD_A)
    assert layer is not None and layer.broken and layer.matcher is None
    assert any("server.yaml" in str(issue) for issue in layer.issues)
    assert ask(service, "how much do ml engineers make", GUILD_A).fact_id == "average-salary"
    assert ask(service, CV_QUESTION, GUILD_A).fact_id is None
    with pytest.raises(FactNotFound):
        service.fact("cv-channel", guild_id=GUILD_A)


def test_a_server_whose_last_fact_was_removed_answers_from_the_base(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    store = service.layer_store(GUILD_A)
    service.edited(lambda: store.remove_fact("cv-channel", actor="mod"), guild_id=GUILD_A)
    layer = service.layer(GUILD_A)
    assert layer is not None and layer.knowledge is not None and not layer.knowledge.facts
    assert layer.matcher is None
    assert ask(service, "how much do ml engineers make", GUILD_A).fact_id == "average-salary"


def test_an_id_the_base_takes_later_leaves_the_layers_fact_out(service: AnswerService,
                                                                  shipped_kb):
    give(service, GUILD_A, local_fact("bootcamp-worth-it", "Is a bootcamp worth it here?"))
    assert service.layer(GUILD_A).owns("bootcamp-worth-it")
    taken = {**shipped_kb.facts, "bootcamp-worth-it": local_fact(
        "bootcamp-worth-it", "Are bootcamps worth the money for ML?")}
    service.replace(type(shipped_kb)(sources=shipped_kb.sources, topics=shipped_kb.topics,
                                     facts=taken, vocabulary=shipped_kb.vocabulary))
    layer = service.layer(GUILD_A)
    assert layer.shadowed == ("bootcamp-worth-it",) and not layer.owns("bootcamp-worth-it")
    assert service.answer_fact("bootcamp-worth-it", guild_id=GUILD_A).answer == (
        "The answer of bootcamp-worth-it.")  # the base's fact (same made-up answer text)
    assert service.fact("bootcamp-worth-it", guild_id=GUILD_A).question.startswith("Are")
    service.replace(shipped_kb)  # the base gives the id back: the server's fact is back
    assert service.layer(GUILD_A).owns("bootcamp-worth-it")
    assert service.fact("bootcamp-worth-it", guild_id=GUILD_A).question.startswith("Is")


def test_layers_are_kept_in_a_bounded_cache(tmp_path: Path, shipped_kb,
                                            shipped_semantic_service):
    service = AnswerService(shipped_kb, semantic=shipped_semantic_service.matcher.semantic.model,
                            layers=tmp_path / "servers", layer_capacity=2)
    guilds = (GUILD_A, GUILD_B, 333)
    for n, guild in enumerate(guilds):
        give(service, guild, local_fact(f"local-{n}", f"Where is local thing number {n}?"))
    assert len(service.layers) == 2 and service.layers.stats.evictions == 1
    builds = service.layers.stats.builds
    assert ask(service, "Where is local thing number 0?", GUILD_A).fact_id == "local-0"
    assert service.layers.stats.builds == builds + 1  # the evicted one, read again
    assert len(service.layers) == 2


def test_a_layer_never_rewrites_the_bases_vector_cache(tmp_path: Path, shipped_kb,
                                                       shipped_semantic_service):
    """The base's cache file holds the base's vectors only: a layer writing there would drop
    them, and the next start would embed the whole base again."""
    embedder = shipped_semantic_service.matcher.semantic.model.embedder
    model = SemanticModel(embedder, tmp_path / "embeddings")
    service = AnswerService(shipped_kb, semantic=model, layers=tmp_path / "servers")
    cache_file = model.cache.path
    before = cache_file.read_bytes()
    give(service, GUILD_A, CV_FACT)
    assert cache_file.read_bytes() == before
    layer_cache = list((tmp_path / "servers" / str(GUILD_A) / "cache").glob("embeddings-*"))
    assert len(layer_cache) == 1
    with np.load(layer_cache[0]) as data:
        assert len(data["keys"]) == len(CV_FACT.phrasings)


def test_a_dm_and_a_server_without_a_layer_cost_no_layer(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    service.layers.reload(GUILD_A)
    assert service.layer(None) is None and service.layer(GUILD_B) is None
    assert len(service.layers) == 0


def test_a_layer_that_fails_to_build_keeps_the_base_answers(service: AnswerService,
                                                            monkeypatch):
    give(service, GUILD_A, CV_FACT)
    service.layers.reload(GUILD_A)

    def fails(*_args, **_kwargs):
        raise MemoryError("no room for the index")

    monkeypatch.setattr("bot.core.layers.cache.build_layer", fails)
    layer = service.layer(GUILD_A)
    assert layer.broken and "could not be built: no room for the index" in str(layer.issues[0])
    assert ask(service, "how much do ml engineers make", GUILD_A).fact_id == "average-salary"


def test_a_mistyped_question_in_a_server_is_embedded_once(service: AnswerService,
                                                          monkeypatch):
    """The layer's matcher gives the model the question as the base corrected it: its own
    vocabulary (a CV channel) would leave "machne lerning" as typed, and the question was
    embedded twice, once for each (the 100-server benchmark's p99 doubled)."""
    give(service, GUILD_A, CV_FACT)
    embedder = service.matcher.semantic.model.embedder
    calls = []
    real = type(embedder).embed_one

    def counted(self, text):
        calls.append(text)
        return real(self, text)

    monkeypatch.setattr(type(embedder), "embed_one", counted)
    answer = service.ask("how do i becom a machne lerning engineer asap", via="test",
                         record=False, guild_id=GUILD_A)
    assert answer.answered and answer.fact_id in service.knowledge.facts
    assert calls == ["how do i become a machine learning engineer asap"]
