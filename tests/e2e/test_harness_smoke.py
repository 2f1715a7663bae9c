"""The harness proves itself on a tiny bot defined here (not CareerBot): every kind of user
action goes over the wire to the real discord.py client and back."""

from __future__ import annotations

import asyncio
import sys

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.discord_harness import FakeDiscord, Harness

pytestmark = pytest.mark.e2e

TOPICS = ["python", "pytorch", "portfolio", "statistics"]


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment = discord.ui.TextInput(label="Comment", custom_id="smoke:comment", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Thanks: {self.comment.value}", ephemeral=True)


class AnswerView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Helpful", custom_id="smoke:helpful")
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="Marked helpful", view=self)

    @discord.ui.button(label="Feedback", custom_id="smoke:feedback")
    async def feedback(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(FeedbackModal())


@app_commands.command(description="Repeat some text")
@app_commands.describe(text="What to repeat")
async def echo(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(text, view=AnswerView())


@echo.autocomplete("text")
async def echo_autocomplete(interaction: discord.Interaction, current: str,
                            ) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t, value=t) for t in TOPICS if t.startswith(current)]


@app_commands.command(description="Think, then answer")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(content="done thinking")


@app_commands.command(description="Always fails")
async def boom(interaction: discord.Interaction) -> None:
    raise RuntimeError("boom")


@app_commands.context_menu(name="Quote")
async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"{message.author.name} said: {message.content}",
                                            ephemeral=True)


class SmokeBot(commands.Bot):
    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         guild_ready_timeout=0.05)
        self.errors: list[BaseException] = []
        self.error_seen: asyncio.Event | None = None

    async def setup_hook(self) -> None:
        self.error_seen = asyncio.Event()
        self.add_view(AnswerView())
        for command in (echo, slow, boom, quote):
            self.tree.add_command(command)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not (message.guild is None or self.user in message.mentions):
            return
        text = message.content.replace(self.user.mention, "").strip()
        await message.reply(f"You said: {text}", allowed_mentions=discord.AllowedMentions.none())

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        self.errors.append(sys.exc_info()[1])
        self.error_seen.set()


@pytest.fixture
async def h(start_bot) -> Harness:
    return await start_bot(SmokeBot())


async def test_startup_syncs_commands(h: Harness, fake_discord: FakeDiscord) -> None:
    [sync] = fake_discord.find_requests("PUT", "/applications/*/commands")
    assert {(c["name"], c.get("type", 1)) for c in sync.body} == {
        ("echo", 1), ("slow", 1), ("boom", 1), ("Quote", 3)}
    assert h.bot.is_ready() and h.bot.get_guild(h.world.guild.id) is not None
    assert fake_discord.unknown_requests == []


async def test_mention_gets_a_reply_that_pings_nobody(h: Harness) -> None:
    reply = await h.say(h.user("alice"), h.channel("general"), "hello", mention_bot=True)
    assert reply.content == "You said: hello"
    assert reply.reference_id == int(reply.trigger["id"])
    assert str(reply.sent["message_reference"]["message_id"]) == reply.trigger["id"]
    assert reply.pinged_user_ids == set()


async def test_replying_to_the_bot_pings_it(h: Harness) -> None:
    general = h.channel("general")
    first = await h.say(h.user("alice"), general, "hello", mention_bot=True)
    second = await h.say(h.user("bob"), general, "and me?", reply_to=first)
    assert second.content == "You said: and me?"
    assert second.reference_id == int(second.trigger["id"])


async def test_plain_message_is_ignored(h: Harness, fake_discord: FakeDiscord) -> None:
    since = fake_discord.mark()
    await h.post(h.user("bob"), h.channel("general"), "just chatting")
    await fake_discord.expect_no_request("POST", "/channels/*/messages", since=since, within=0.05)


async def test_without_message_content_intent_text_is_hidden(start_bot) -> None:
    bot = SmokeBot(message_content=False)
    h = await start_bot(bot)
    received = asyncio.ensure_future(bot.wait_for("message"))
    await h.post(h.user("bob"), h.channel("general"), "not for bots")
    assert (await asyncio.wait_for(received, timeout=2)).content == ""


async def test_dm_gets_a_reply(h: Harness) -> None:
    alice = h.user("alice")
    reply = await h.dm(alice, "hi bot")
    assert reply.content == "You said: hi bot"
    assert reply.channel_id == h.world.dm_channel(alice).id


async def test_slash_command_answers_with_a_message(h: Harness) -> None:
    result = await h.slash(h.user("alice"), h.channel("general"), "echo", text="hello")
    assert (result.type, result.content) == (4, "hello")
    assert result.message.custom_ids == ["smoke:helpful", "smoke:feedback"]


async def test_deferred_command_edits_its_thinking_message(h: Harness) -> None:
    result = await h.slash(h.user("alice"), h.channel("general"), "slow")
    assert result.type == 5 and not result.thinking
    assert result.content == "done thinking"
    assert [m.content for m in result.webhook_messages] == ["done thinking"]


async def test_autocomplete_offers_matching_choices(h: Harness) -> None:
    choices = await h.autocomplete(h.user("alice"), h.channel("general"), "echo", "text", "py")
    assert [c["value"] for c in choices] == ["python", "pytorch"]


async def test_message_context_menu(h: Harness) -> None:
    general = h.channel("general")
    message = await h.post(h.user("bob"), general, "I love pandas")
    result = await h.context_menu(h.user("alice"), general, "Quote", message)
    assert result.type == 4 and result.ephemeral
    assert result.content == "bob said: I love pandas"


async def test_button_click_edits_the_message(h: Harness) -> None:
    answer = await h.slash(h.user("alice"), h.channel("general"), "echo", text="hello")
    click = await h.click(h.user("bob"), answer, label="Helpful")
    assert click.type == 7
    assert answer.message.content == "Marked helpful"
    with pytest.raises(AssertionError, match="disabled"):
        await h.click(h.user("bob"), answer, "smoke:helpful")


async def test_button_opens_a_modal_and_submit_replies(h: Harness) -> None:
    answer = await h.slash(h.user("alice"), h.channel("general"), "echo", text="hello")
    opened = await h.click(h.user("alice"), answer, "smoke:feedback")
    assert opened.type == 9 and opened.modal["title"] == "Feedback"
    submitted = await h.submit_modal(h.user("alice"), opened, {"Comment": "very useful"})
    assert (submitted.type, submitted.content) == (4, "Thanks: very useful")


async def test_forbidden_channel_reaches_the_error_handler(
        h: Harness, fake_discord: FakeDiscord) -> None:
    general = h.channel("general")
    fake_discord.forbid(general.id)
    reply = await h.say(h.user("alice"), general, "hello", mention_bot=True)
    assert not reply.ok and reply.request.status == 403
    await asyncio.wait_for(h.bot.error_seen.wait(), timeout=2)
    [error] = h.bot.errors
    assert isinstance(error, discord.Forbidden) and error.code == 50013


async def test_rate_limited_send_is_retried(h: Harness, fake_discord: FakeDiscord) -> None:
    fake_discord.fail_next("POST", "/channels/*/messages", status=429, retry_after=0.01)
    reply = await h.say(h.user("alice"), h.channel("general"), "again", mention_bot=True)
    assert reply.ok and reply.content == "You said: again"
    statuses = [r.status for r in fake_discord.find_requests("POST", "/channels/*/messages")]
    assert statuses == [429, 200]


async def test_logged_error_fails_the_wait_at_once(h: Harness, discord_errors) -> None:
    with pytest.raises(AssertionError, match="RuntimeError: boom"):
        await h.slash(h.user("alice"), h.channel("general"), "boom")
    discord_errors.allow("boom", logger="discord.app_commands")


async def test_bad_token_fails_login(start_bot) -> None:
    with pytest.raises(discord.LoginFailure):
        await start_bot(SmokeBot(), token="not-the-token")


async def test_reconnect_resumes_and_keeps_answering(h: Harness,
                                                     fake_discord: FakeDiscord) -> None:
    frames_before = len(fake_discord.recorder.frames)
    await h.reconnect()
    ops = [f.op for f in fake_discord.recorder.frames[frames_before:]]
    assert 6 in ops and 2 not in ops  # RESUME, not a new IDENTIFY
    reply = await h.say(h.user("alice"), h.channel("general"), "still there?", mention_bot=True)
    assert reply.content == "You said: still there?"


async def test_events_sent_while_disconnected_are_replayed(
        h: Harness, fake_discord: FakeDiscord) -> None:
    await fake_discord.drop_connections(code=4000)
    reply = await h.say(h.user("alice"), h.channel("general"), "missed me?", mention_bot=True)
    assert reply.content == "You said: missed me?"
