"""The bot on PostgreSQL over the real wire: what one process records, another process with
its own data directory (as on another machine) reads — the queue, the statistics, the
servers' settings."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest

from bot.settings import Secret
from tests.e2e.careerbot import make_bot, make_settings
from tests.postgres import fresh_database, server_url


@pytest.fixture
def shared_url():
    """Named before `start_bot` in every test: fixtures are torn down in reverse order, so the
    bots are closed before their database is dropped (dropping it cuts their connections)."""
    with fresh_database() as url:
        yield url


async def test_a_second_machine_sees_what_the_first_recorded(shared_url, start_bot, tmp_path,
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


async def test_a_persons_cooldown_follows_them_to_another_process(shared_url, start_bot,
                                                                  tmp_path):
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


async def test_the_database_goes_away_and_comes_back(shared_url, start_bot, tmp_path,
                                                     fake_discord, discord_errors):
    """Connections refused and every open one cut (as when the server is down): questions are
    still answered, an edit is refused saying why, and once the database is back edits land
    again, without a restart of the bot."""
    settings = make_settings(tmp_path / "one", database_url=Secret(shared_url),
                             admin_guilds=frozenset({fake_discord.world.guild.id}))
    h = await start_bot(make_bot(settings))
    name = shared_url.rsplit("/", 1)[1]

    def allow(connections: bool) -> None:
        with psycopg.connect(server_url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(connections).lower()}')
            if not connections:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "datname = %s", (name,))

    discord_errors.allow("unavailable", logger="bot.core.storage.database")  # logged once
    allow(False)
    try:
        answer = await h.say(h.user("alice"), h.channel("general"),
                             "how much do machine learning engineers make", mention_bot=True)
        assert answer.embeds
        refused = await h.slash(h.user("mod"), h.channel("general"), "kb alias",
                                fact="average-salary", phrasing="asked while the database slept")
        assert "database" in refused.content.lower() and "now also answers" not in refused.content
        assert name not in refused.content and "127.0.0.1" not in refused.content  # the log's
    finally:
        allow(True)
    landed = await h.slash(h.user("mod"), h.channel("general"), "kb alias",
                           fact="average-salary", phrasing="asked while the database slept")
    assert "now also answers" in landed.content
    again = await h.say(h.user("alice"), h.channel("general"), "asked while the database slept",
                        mention_bot=True)
    assert again.embeds and "127,712" in str(again.embeds[0])


@pytest.mark.parametrize("landed", [True, False])
async def test_an_edit_whose_commit_reply_is_lost(shared_url, start_bot, tmp_path, fake_discord,
                                                  monkeypatch, landed):
    """The connection lost between COMMIT and its reply: an edit that landed is acknowledged
    (and answered); one the database can not be asked about afterwards is reported as
    perhaps saved, never as "Not saved"."""
    from bot.core.editing.postgres import PostgresHistory, PostgresTransaction, unavailable

    settings = make_settings(tmp_path / "one", database_url=Secret(shared_url),
                             admin_guilds=frozenset({fake_discord.world.guild.id}))
    h = await start_bot(make_bot(settings))
    real = PostgresTransaction.commit

    def lost(transaction: PostgresTransaction) -> None:
        real(transaction)
        raise unavailable("the test's server", OSError("server closed the connection"))

    def cannot_tell(history: PostgresHistory, token: str) -> bool:
        raise unavailable("the test's server", OSError("connection refused"))

    monkeypatch.setattr(PostgresTransaction, "commit", lost)
    if not landed:
        monkeypatch.setattr(PostgresHistory, "has_token", cannot_tell)
    reply = await h.slash(h.user("mod"), h.channel("general"), "kb alias",
                          fact="average-salary", phrasing="said while the reply got lost")
    if landed:
        assert "now also answers" in reply.content
        again = await h.say(h.user("alice"), h.channel("general"),
                            "said while the reply got lost", mention_bot=True)
        assert again.embeds and "127,712" in str(again.embeds[0])
    else:
        assert "may not have been saved" in reply.content and "/kb history" in reply.content
        assert "Not saved" not in reply.content and shared_url not in reply.content
        assert reply.message is not None and not reply.message.components  # no retry button
