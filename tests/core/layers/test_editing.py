"""Editing a server's layer: the base's store code, its own history, ids and sources checked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.editing import ChangeNotFound, EditRejected
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.models import Citation
from bot.core.layers import InvalidGuild
from bot.core.service import AnswerService

from .conftest import (
    BASE_QUOTE,
    CV_FACT,
    CV_QUESTION,
    GUILD_A,
    GUILD_B,
    OWN_SOURCES,
    give,
    local_fact,
)


def files_of(service: AnswerService, guild_id: int) -> dict[str, bytes]:
    root = service.layers.folders.knowledge(guild_id)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_a_new_layer_lives_in_its_servers_folder(service: AnswerService, tmp_path):
    give(service, GUILD_A, CV_FACT)
    folder = tmp_path / "servers" / str(GUILD_A)
    assert (folder / "knowledge" / "topics" / "server.yaml").is_file()
    assert (folder / "history.sqlite3").is_file()
    assert service.layer_store(GUILD_A).export().keys() == {"sources.yaml", "server.yaml"}


@pytest.mark.parametrize("guild_id", [0, -5, 2**64, "123", True])
def test_only_a_server_id_names_a_layer(service: AnswerService, guild_id):
    with pytest.raises(InvalidGuild):
        service.layer_store(guild_id)


def test_an_id_of_a_base_fact_is_refused(service: AnswerService):
    give(service, GUILD_A)
    store = service.layer_store(GUILD_A)
    empty = files_of(service, GUILD_A)
    with pytest.raises(EditRejected, match="'average-salary' is the id of a fact of the shared "
                                           "knowledge base"):
        store.add_fact("server", local_fact("average-salary", "What do mods earn here?"),
                       actor="mod")
    assert files_of(service, GUILD_A) == empty
    give(service, GUILD_A, CV_FACT)
    before = files_of(service, GUILD_A)
    with pytest.raises(EditRejected, match="choose another id"):
        store.edit_fact("cv-channel", replace(CV_FACT, id="skills-needed"), actor="mod")
    taken = dump_topic("extra", "Extra", [local_fact("steps-to-become", "Our steps here?")])
    with pytest.raises(EditRejected, match="'steps-to-become' is the id"):
        store.import_topics({"extra.yaml": taken.encode()}, actor="mod", apply=True)
    assert files_of(service, GUILD_A) == before
    assert [c.fact_id for c in store.changes()] == ["cv-channel", None]  # nothing recorded
    assert set(service.layer(GUILD_A).knowledge.facts) == {"cv-channel"}


def test_a_layer_cites_the_bases_sources_verified_and_its_own_unverified(
        service: AnswerService):
    give(service, GUILD_A, local_fact("local-pay", "What do our members earn as MLEs?",
                                      citation=BASE_QUOTE), CV_FACT)
    cited = service.answer_fact("local-pay", guild_id=GUILD_A).citations[0]
    assert cited.verified and cited.title.startswith("Coursera article")
    assert not service.answer_fact("cv-channel", guild_id=GUILD_A).citations[0].verified
    misquoted = Citation(BASE_QUOTE.source, "ML engineers earn a million dollars a year easily")
    with pytest.raises(EditRejected, match="quote not found in the text"):
        service.layer_store(GUILD_A).add_fact(
            "server", local_fact("bad-pay", "What do mods earn?", citation=misquoted),
            actor="mod")


@pytest.mark.parametrize(("sources", "problem"), [
    (b"sources:\n  - id: no-url\n    title: A rumour\n", "needs a url"),
    (b"sources:\n  - id: ml-engineer-article-2024\n    title: Mine\n    url: https://x.org\n",
     "is a source of the shared knowledge base"),
])
def test_a_layers_own_sources_need_a_url_and_an_id_of_their_own(service: AnswerService,
                                                                 sources, problem):
    store = service.layer_store(GUILD_A)
    with pytest.raises(EditRejected, match=problem):
        store.import_topics({"sources.yaml": sources}, actor="mod", apply=True)


def test_an_edit_of_one_layer_leaves_the_base_and_other_servers_alone(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    give(service, GUILD_B, local_fact("rules", "What are the rules of this server?"))
    base_matcher, layer_b = service.matcher, service.layer(GUILD_B)
    files_b, history_b = files_of(service, GUILD_B), service.layer_store(GUILD_B).changes()
    store = service.layer_store(GUILD_A)
    result = service.edited(lambda: store.add_alias("cv-channel", "resume review channel?",
                                                    actor="mod"), guild_id=GUILD_A)
    assert result.change.action == "alias"
    assert service.matcher is base_matcher
    assert service.layer(GUILD_B) is layer_b and files_of(service, GUILD_B) == files_b
    assert service.ask("resume review channel?", via="t", guild_id=GUILD_A,
                       record=False).fact_id == "cv-channel"
    assert service.layer_store(GUILD_B).changes() == history_b
    assert service.layer_store(GUILD_A).changes(limit=1)[0].id == result.change.id


def test_each_layer_has_its_own_history_and_revert(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    give(service, GUILD_B, local_fact("rules", "What are the rules of this server?"))
    store_a, store_b = service.layer_store(GUILD_A), service.layer_store(GUILD_B)
    added = store_a.changes(limit=1)[0]
    assert (added.action, added.fact_id) == ("add", "cv-channel")
    assert [c.fact_id for c in store_b.changes()] == ["rules", None]  # and its import
    reverted = service.edited(lambda: store_a.revert(added.id, actor="mod"), guild_id=GUILD_A)
    assert reverted.change.reverts == added.id
    assert service.ask(CV_QUESTION, via="t", guild_id=GUILD_A, record=False).fact_id is None
    assert service.layer(GUILD_B).owns("rules")
    with pytest.raises(ChangeNotFound):  # a change number of server A means nothing in C
        service.layer_store(333).revert(added.id, actor="mod")


def test_a_broken_layer_refuses_edits_with_its_problem_and_an_import_repairs_it(
        service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    topic = service.layers.folders.knowledge(GUILD_A) / "topics" / "server.yaml"
    topic.write_text("topic: server\nfacts: {not: a list}\n", encoding="utf-8")
    store = service.layer_store(GUILD_A)
    with pytest.raises(EditRejected, match=r"server\.yaml"):
        store.add_alias("cv-channel", "cv help", actor="mod")
    fixed = dump_topic("server", "This server", [replace(CV_FACT, topic="server")]).encode()
    service.edited(lambda: store.import_topics({"server.yaml": fixed, "sources.yaml": OWN_SOURCES},
                                               actor="mod", apply=True), guild_id=GUILD_A)
    assert service.ask(CV_QUESTION, via="t", guild_id=GUILD_A, record=False).fact_id == (
        "cv-channel")


def test_an_import_preview_does_not_change_what_the_server_is_answered(service: AnswerService):
    give(service, GUILD_A, CV_FACT)
    store = service.layer_store(GUILD_A)
    extra = dump_topic("extra", "Extra", [local_fact("gpu-room", "Where is the GPU room?")])
    summary = service.edited(lambda: store.import_topics({"extra.yaml": extra.encode()},
                                                         actor="mod"), guild_id=GUILD_A)
    assert not summary.applied and summary.knowledge is not None
    assert not service.layer(GUILD_A).owns("gpu-room")
