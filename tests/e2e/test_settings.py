"""`/settings` over the real wire: a server's admins make the bot their own; their settings
never reach another server; bad values and non-admins are refused; settings survive a restart."""

from __future__ import annotations

import pytest

from bot import texts
from tests.discord_harness import Perm, World
from tests.discord_harness.world import FakeRole, new_id
from tests.e2e.careerbot import make_bot, make_settings

UNPROMPTED = "what is machine learning?"


@pytest.fixture
def discord_world() -> World:
    world = World.default(guilds=2)
    helpers = FakeRole(new_id(), "Helpers", Perm.MEMBER, position=1)
    world.guild.roles.append(helpers)
    world.add_user("helper", role_ids=(helpers.id,))
    return world


@pytest.fixture
def settings(tmp_path, fake_discord):
    return make_settings(tmp_path / "data", message_content=True, cooldown_questions=100,
                         admin_guilds=frozenset({fake_discord.world.guild.id}))


@pytest.fixture
async def h(start_bot, settings):
    return await start_bot(make_bot(settings))


def answered(reply) -> bool:
    return any(c.startswith("cb:vote:") for c in reply.custom_ids)


async def test_only_manage_server_may_change_settings(h):
    refused = await h.slash(h.user("alice"), h.channel("general"), "settings show")
    assert refused.ephemeral and "Manage Server" in refused.content
    shown = await h.slash(h.user("mod"), h.channel("general"), "settings show")
    fields = {f["name"]: f["value"] for f in shown.data["embeds"][0]["fields"]}
    assert any("(default)" in v for v in fields.values())


async def test_a_qa_channel_set_from_discord_answers_in_that_server_only(h, fake_discord):
    careers, careers_2 = h.channel("careers"), h.channel("careers-2")
    saved = await h.slash(h.user("mod"), h.channel("general"), "settings qa-channel",
                          change="add", channel=careers)
    assert "Saved" in saved.content and f"<#{careers.id}>" in saved.content
    reply = await h.say(h.user("alice"), careers, UNPROMPTED)  # no mention needed now
    assert answered(reply) and reply.reference_id == int(reply.trigger["id"])
    # The other server has not set it: its channel stays quiet.
    since = fake_discord.mark()
    await h.post(h.user("member-2"), careers_2, UNPROMPTED)
    last = await h.say(h.user("member-2"), careers_2, UNPROMPTED, mention_bot=True)
    assert answered(last)
    assert len(fake_discord.find_requests("POST", "/channels/*/messages", since=since)) == 1
    shown = await h.slash(h.user("mod"), h.channel("general"), "settings show")
    assert "(this server)" in str(shown.data["embeds"][0]["fields"])
    shown_2 = await h.slash(h.user("mod-2"), h.channel("general-2"), "settings show")
    assert f"<#{careers.id}>" not in str(shown_2.data)


async def test_help_says_the_bot_answers_unprompted_only_where_a_qa_channel_is_set(h):
    before = await h.slash(h.user("alice"), h.channel("general"), "help")
    assert texts.HELP_UNPROMPTED not in before.message.text
    await h.slash(h.user("mod"), h.channel("general"), "settings qa-channel", change="add",
                  channel=h.channel("careers"))
    after = await h.slash(h.user("alice"), h.channel("general"), "help")
    assert texts.HELP_UNPROMPTED in after.message.text
    other = await h.slash(h.user("member-2"), h.channel("general-2"), "help")
    assert texts.HELP_UNPROMPTED not in other.message.text
    # Said by mention, "help" is the same help.
    said = await h.say(h.user("alice"), h.channel("general"), "help", mention_bot=True)
    assert texts.HELP_UNPROMPTED in said.text


async def test_a_channel_of_another_server_is_refused(h):
    refused = await h.slash(h.user("mod"), h.channel("general"), "settings qa-channel",
                            change="add", channel=h.channel("careers-2"))
    assert refused.ephemeral and "not in this server" in refused.content
    shown = await h.slash(h.user("mod"), h.channel("general"), "settings show")
    assert str(h.channel("careers-2").id) not in str(shown.data)


async def test_ask_answers_only_the_asker_sees(h):
    public = await h.slash(h.user("alice"), h.channel("general"), "ask",
                           question="how much do ml engineers earn")
    assert not public.ephemeral
    await h.slash(h.user("mod"), h.channel("general"), "settings ask-answers",
                  visibility="private")
    private = await h.slash(h.user("alice"), h.channel("general"), "ask",
                            question="how much do ml engineers earn")
    assert private.ephemeral and private.data["embeds"]
    # A second question's answer (a followup) is as private as the first.
    two = await h.slash(h.user("alice"), h.channel("general"), "ask",
                        question="how much do ml engineers earn and what is machine learning?")
    second = await two.next_message()
    assert two.ephemeral and second.ephemeral and "machine learning" in second.text.lower()
    other = await h.slash(h.user("member-2"), h.channel("general-2"), "ask",
                          question="how much do ml engineers earn")
    assert not other.ephemeral


async def test_a_moderator_role_set_here_opens_kb_here(h, fake_discord):
    world = fake_discord.world
    helper, general = world.user("helper"), h.channel("general")
    before = await h.slash(helper, general, "kb stats")
    assert before.ephemeral and "moderator" in before.content.lower()
    saved = await h.slash(h.user("mod"), general, "settings moderator-role", change="add",
                          role=world.role("Helpers"))
    assert "Saved" in saved.content
    after = await h.slash(helper, general, "kb stats")
    assert after.callback.files == ("questions.png",)
    refused = await h.slash(h.user("mod"), general, "settings moderator-role",
                            change="add", role=world.guild.roles[0])
    assert "@everyone" in refused.content


async def test_cooldown_and_reset(h):
    mod, general = h.user("mod"), h.channel("general")
    await h.slash(mod, general, "settings cooldown", questions=1, seconds=3600)
    alice = h.user("alice")
    assert answered(await h.say(alice, general, UNPROMPTED, mention_bot=True))
    wait = await h.say(alice, general, UNPROMPTED, mention_bot=True)
    assert not answered(wait) and "again" in wait.text.lower()
    # In the other server the default cooldown still applies.
    assert answered(await h.say(h.user("member-2"), h.channel("general-2"), UNPROMPTED,
                                mention_bot=True))
    reset = await h.slash(mod, general, "settings reset", setting="cooldown_questions")
    assert "back to the default" in reset.content


async def test_settings_survive_a_restart(start_bot, settings, fake_discord):
    h = await start_bot(make_bot(settings))
    await h.slash(h.user("mod"), h.channel("general"), "settings ask-answers",
                  visibility="private")
    await h.bot.close()
    again = await start_bot(make_bot(settings))
    assert again.bot.servers.of(fake_discord.world.guild.id).ask_private


async def test_a_setting_the_database_can_not_store_is_not_in_force(h, fake_discord):
    h.bot.database.close()  # the database goes away
    refused = await h.slash(h.user("mod"), h.channel("general"), "settings ask-answers",
                            visibility="private")
    assert refused.ephemeral and "Cannot save the setting" in refused.content
    assert not h.bot.servers.of(fake_discord.world.guild.id).ask_private
    answer = await h.slash(h.user("alice"), h.channel("general"), "ask",
                           question="how much do ml engineers earn")
    assert not answer.ephemeral and answer.data["embeds"]  # questions are still answered
