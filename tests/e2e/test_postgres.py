"""The bot on PostgreSQL over the real wire: what one process records, another process with
its own data directory (as on another machine) reads — the queue, the statistics, the
servers' settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.settings import Secret
from tests.e2e.careerbot import make_bot, make_settings
from tests.postgres import fresh_database


@pytest.fixture
def shared_url():
    with fresh_database() as url:
        yield url


async def test_a_second_machine_sees_what_the_first_recorded(start_bot, tmp_path, shared_url,
                                                             fake_discord):
    first = make_settings(tmp_path / "one", database_url=Secret(shared_url),
                          admin_guilds=frozenset({fake_discord.world.guild.id}))
    h = await start_bot(make_bot(first))
    missed = "can a houseplant become a machine learning engineer"
    await h.say(h.user("alice"), h.channel("general"), missed, mention_bot=True)
    await h.slash(h.user("mod"), h.channel("general"), "settings ask-answers",
                  visibility="private")
    await h.bot.database.flush()
    await h.bot.close()
    assert not (tmp_path / "one" / "careerbot.sqlite3").exists()  # nothing kept locally

    second = replace(first, data_dir=tmp_path / "two")
    again = await start_bot(make_bot(second))
    listing = await again.slash(again.user("mod"), again.channel("general"), "kb unanswered")
    assert missed in listing.message.embeds[0]["description"]
    assert again.bot.servers.of(fake_discord.world.guild.id).ask_private


async def test_a_persons_cooldown_follows_them_to_another_process(start_bot, tmp_path,
                                                                  shared_url):
    one = make_settings(tmp_path / "one", database_url=Secret(shared_url),
                        cooldown_questions=1, cooldown_seconds=3600)
    h = await start_bot(make_bot(one))
    first = await h.say(h.user("alice"), h.channel("general"), "what is machine learning",
                        mention_bot=True)
    assert first.embeds
    await h.bot.close()
    other = await start_bot(make_bot(replace(one, data_dir=tmp_path / "two")))
    second = await other.say(other.user("alice"), other.channel("general"),
                             "what is machine learning", mention_bot=True)
    assert not second.embeds and "again" in second.text.lower()
    bob = await other.say(other.user("bob"), other.channel("general"),
                          "what is machine learning", mention_bot=True)
    assert bob.embeds
