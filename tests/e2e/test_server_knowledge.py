"""Server-local knowledge over the real wire: a server's moderators add facts only their
server sees; the shared base stays the admin servers'; another server's facts can not be
reached, edited or answered, however the interaction is crafted."""

from __future__ import annotations

import shutil

import pytest

from bot.core.knowledge.errors import FactNotFound
from bot.core.knowledge.loader import bundled_knowledge_dir
from tests.discord_harness import World
from tests.e2e.careerbot import make_bot, make_settings

OWN_QUESTION = "Which course does this server recommend to start machine learning?"
ASKED = "which course does this server recommend to get started with ml"


@pytest.fixture
def discord_world() -> World:
    return World.default(guilds=2)


@pytest.fixture
async def h(start_bot, fake_discord, tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    settings = make_settings(tmp_path / "data", knowledge_dir=knowledge, cooldown_questions=100,
                             admin_guilds=frozenset({fake_discord.world.guild.id}))
    return await start_bot(make_bot(settings))


def fact_of(reply) -> str | None:
    votes = [c for c in reply.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def add_own_fact(h) -> str:
    """mod-2 adds a fact to the second server's own knowledge; its id."""
    cited = h.bot.service.fact("stanford-ml-specialization").citations[0]
    opened = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb add", topic="server")
    assert opened.type == 9
    saved = await h.submit_modal(h.user("mod-2"), opened, {
        "Question": OWN_QUESTION,
        "Other phrasings (one per line)": "what course do you folks recommend here",
        "Answer": "This server's pick: Stanford's Machine Learning Specialization.",
        "Source id (see /sources)": cited.source,
        "Quote from the source": cited.quote,
    })
    assert "Added" in saved.content and "this server's own knowledge" in saved.content
    guild_2 = h.world.guilds[1].id
    (fact_id,) = h.bot.service.layer(guild_2).knowledge.facts
    return fact_id


async def test_help_counts_a_servers_own_facts_there_only(h):
    base = len(h.bot.service.knowledge.facts)
    await add_own_fact(h)
    there = await h.slash(h.user("member-2"), h.channel("general-2"), "help")
    assert f"I know {base + 1} answers" in there.message.text
    said = await h.say(h.user("member-2"), h.channel("general-2"), "help", mention_bot=True)
    assert f"I know {base + 1} answers" in said.text
    elsewhere = await h.slash(h.user("alice"), h.channel("general"), "help")
    assert f"I know {base} answers" in elsewhere.message.text


async def test_a_servers_own_fact_answers_there_only(h):
    fact_id = await add_own_fact(h)
    there = await h.say(h.user("member-2"), h.channel("general-2"), ASKED, mention_bot=True)
    assert fact_of(there) == fact_id
    here = await h.say(h.user("alice"), h.channel("general"), ASKED, mention_bot=True)
    assert fact_of(here) != fact_id
    in_dm = await h.dm(h.user("member-2"), ASKED)
    assert fact_of(in_dm) != fact_id
    # The shared facts still answer in the second server.
    pay = await h.say(h.user("member-2"), h.channel("general-2"),
                      "how much do ml engineers earn", mention_bot=True)
    assert fact_of(pay) == "average-salary"


async def test_the_shared_base_stays_the_admin_servers(h, tmp_path):
    before = (tmp_path / "knowledge" / "topics" / "pay.yaml").read_bytes()
    refused = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb alias",
                            fact="average-salary", phrasing="what do mles take home")
    assert "admin servers" in refused.content
    shared = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb add", topic="pay",
                           layer="shared")
    assert "admin servers" in shared.content
    assert (tmp_path / "knowledge" / "topics" / "pay.yaml").read_bytes() == before


async def test_another_servers_fact_can_not_be_reached(h):
    fact_id = await add_own_fact(h)
    edit = await h.slash(h.user("mod"), h.channel("general"), "kb edit", fact=fact_id)
    assert edit.type == 4 and fact_id in edit.content  # "no fact ...": not a form
    history = await h.slash(h.user("mod"), h.channel("general"), "kb history")
    assert fact_id not in str(history.data)
    own_history = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb history")
    assert fact_id in str(own_history.data)
    # A forged "follow-up" button naming the other server's fact gets nothing.
    answer = await h.say(h.user("alice"), h.channel("general"), "what is machine learning",
                         mention_bot=True)
    with pytest.raises(AssertionError, match="made no POST"):
        await h.forge_click(h.user("alice"), answer,
                            f"cb:fact:{fact_id}:{h.user('alice').id}", timeout=0.5)
    # ...and the service itself never resolves it outside its server.
    with pytest.raises(FactNotFound):
        h.bot.service.answer_fact(fact_id, guild_id=h.world.guild.id)


async def test_topics_lists_a_servers_own_facts_there_only(h):
    fact_id = await add_own_fact(h)
    there = await h.slash(h.user("member-2"), h.channel("general-2"), "topics")
    assert fact_id in str(there.data)  # its topic comes first, with its questions
    here = await h.slash(h.user("alice"), h.channel("general"), "topics")
    assert fact_id not in str(here.data)
