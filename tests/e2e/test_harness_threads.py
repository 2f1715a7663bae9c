"""The harness's second guild, threads and forums, proven on a tiny echo bot (not CareerBot):
discord.py must cache them as it does Discord's, and the bot's REST calls about threads
must work."""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.discord_harness import FakeDiscord, Harness, World

pytestmark = pytest.mark.e2e


class EchoBot(discord.Client):
    """Replies "You said: ..." to mentions, wherever they are; remembers what it saw."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True  # members of every guild cached (op 8 per guild)
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.messages: list[discord.Message] = []
        self.created_threads: list[discord.Thread] = []

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.created_threads.append(thread)

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)
        if message.author.bot or self.user not in message.mentions:
            return
        text = message.content.replace(self.user.mention, "").strip()
        await message.reply(f"You said: {text}", allowed_mentions=discord.AllowedMentions.none())


@pytest.fixture
def discord_world() -> World:
    world = World.default()
    world.add_guild("Second Server", channels=["lounge"], members=["carol"], moderator="dana")
    world.add_forum("help-forum")
    world.add_thread(world.channel("general"), "old thread", world.user("bob"))
    return world


@pytest.fixture
async def h(start_bot) -> Harness:
    return await start_bot(EchoBot())


async def test_every_guild_arrives_with_its_members_and_roles(h: Harness) -> None:
    first, second = h.world.guilds
    assert {g.id for g in h.bot.guilds} == {first.id, second.id}
    cached = h.bot.get_guild(second.id)
    assert cached.name == "Second Server" and cached.owner_id == h.user("dana").id
    assert {m.name for m in cached.members} == {"carol", "dana", "CareerBot"}
    assert cached.get_member(h.user("dana").id).guild_permissions.manage_guild
    assert [r.name for r in cached.get_member(h.user("dana").id).roles] == [
        "@everyone", "Moderator"]
    assert [r.name for r in cached.me.roles] == ["@everyone", "CareerBot"]
    assert cached.me.roles[1].id == h.world.role("CareerBot", second).id
    assert h.world.role("Moderator", second).id != h.world.role("Moderator").id


async def test_a_second_guild_keeps_names_unique() -> None:
    world = World.default(guilds=2)
    assert world.channel("general-2").guild_id == world.guilds[1].id
    assert world.user("mod-2").id == world.guilds[1].owner_id
    with pytest.raises(ValueError, match="alice"):
        world.add_guild(members=["alice"])


async def test_mention_in_the_second_guild(h: Harness) -> None:
    lounge = h.channel("lounge")
    reply = await h.say(h.user("carol"), lounge, "hi", mention_bot=True)
    assert reply.content == "You said: hi" and reply.channel_id == lounge.id
    assert reply["guild_id"] == str(h.world.guilds[1].id)
    assert h.bot.messages[-1].guild.id == h.world.guilds[1].id


async def test_threads_in_guild_create_are_cached(h: Harness) -> None:
    old = h.channel("old thread")
    cached = h.bot.get_channel(old.id)
    assert isinstance(cached, discord.Thread)
    assert cached.parent_id == h.channel("general").id and cached.owner_id == h.user("bob").id


async def test_a_new_thread_and_a_mention_in_it(h: Harness) -> None:
    general = h.channel("general")
    thread = await h.create_thread(h.user("alice"), general, "study group")
    reply = await h.say(h.user("alice"), thread, "in here?", mention_bot=True)
    assert reply.content == "You said: in here?" and reply.channel_id == thread.id
    assert reply.reference_id == int(reply.trigger["id"])
    seen = h.bot.messages[-1]
    assert isinstance(seen.channel, discord.Thread) and seen.channel.parent_id == general.id
    assert [t.id for t in h.bot.created_threads] == [thread.id]  # newly_created: thread_create
    notice = h.bot.messages[0]  # "alice started a thread", in the parent channel
    assert notice.type is discord.MessageType.thread_created and notice.channel.id == general.id
    assert notice.content == "study group" and notice.reference.channel_id == thread.id


async def test_a_forum_post_is_a_thread_with_its_starter_message(h: Harness) -> None:
    forum = h.channel("help-forum")
    post = await h.forum_post(h.user("bob"), forum, "Stuck", "my model will not train",
                              mention_bot=True)
    reply = await h.reply_in(post)
    assert reply.content == "You said: my model will not train"
    assert reply.reference_id == post.id == int(h.starter_message(post)["id"])
    starter = h.bot.messages[-1]
    assert starter.id == starter.channel.id == post.id
    assert isinstance(starter.channel.parent, discord.ForumChannel)
    assert starter.channel.name == "Stuck"
    assert h.bot.get_channel(forum.id).last_message_id == post.id  # as discord.py tracks it


async def test_rest_about_threads(h: Harness, fake_discord: FakeDiscord) -> None:
    """What a bot may call: fetch a thread, open threads and forum posts, join one."""
    general, forum = h.channel("general"), h.channel("help-forum")
    fetched = await h.bot.fetch_channel(h.channel("old thread").id)
    assert isinstance(fetched, discord.Thread) and fetched.parent_id == general.id

    thread = await h.bot.get_channel(general.id).create_thread(
        name="from the bot", type=discord.ChannelType.public_thread)
    assert thread.parent_id == general.id
    await thread.join()
    sent = await thread.send("hello thread")
    assert fake_discord.store.get(sent.id)["channel_id"] == str(thread.id)

    announced = asyncio.ensure_future(
        h.bot.wait_for("thread_create", check=lambda t: t.name == "Bot post"))
    created = await h.bot.get_channel(forum.id).create_thread(name="Bot post", content="body")
    assert created.message.id == created.thread.id and created.message.content == "body"
    assert (await asyncio.wait_for(announced, timeout=2)).id == created.thread.id
    assert h.bot.get_channel(created.thread.id) is not None  # THREAD_CREATE cached it
    assert fake_discord.unknown_requests == []


async def test_the_forum_itself_takes_no_messages(h: Harness) -> None:
    forum = h.bot.get_channel(h.channel("help-forum").id)
    with pytest.raises(discord.HTTPException) as refused:
        await h.bot.http.send_message(forum.id, params=discord.http.handle_message_parameters(
            content="not here"))
    assert refused.value.code == 50008

