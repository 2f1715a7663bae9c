"""Two servers side by side over the real wire: each sees only its own questions and votes."""

from __future__ import annotations

import pytest

from tests.discord_harness import World
from tests.e2e.careerbot import make_bot, make_settings


@pytest.fixture
def discord_world() -> World:
    return World.default(guilds=2)


@pytest.fixture
async def h(start_bot, fake_discord, tmp_path):
    world = fake_discord.world
    settings = make_settings(tmp_path / "data", cooldown_questions=100,
                             admin_guilds=frozenset(g.id for g in world.guilds))
    return await start_bot(make_bot(settings))


async def test_queues_and_stats_never_leak_between_servers(h):
    asked_here = "can a goldfish become a machine learning engineer"
    asked_there = "what do ml engineers eat for lunch"
    assert "have an answer" in (await h.say(h.user("alice"), h.channel("general"), asked_here,
                                        mention_bot=True)).text
    assert "have an answer" in (await h.say(h.user("member-2"), h.channel("general-2"),
                                        asked_there, mention_bot=True)).text
    await h.bot.database.flush()
    one = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    two = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb unanswered")
    assert asked_here in str(one.data) and asked_there not in str(one.data)
    assert asked_there in str(two.data) and asked_here not in str(two.data)
    stats_two = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb stats")
    fields = {f["name"]: f["value"] for f in stats_two.data["embeds"][0]["fields"]}
    assert fields["Questions"] == "1"
    # mod-2 is not the bot's owner: no cross-server view.
    refused = await h.slash(h.user("mod-2"), h.channel("general-2"), "kb unanswered",
                            everywhere=True)
    assert "owner" in refused.content
