"""What users do with threads and forums, as ``Harness`` methods (a mixin of it).

A thread is a ``FakeChannel`` like any other: ``h.post``/``h.say`` in it send MESSAGE_CREATE
with the thread's ``channel_id``, and the bot's replies (``POST /channels/{thread_id}/messages``)
are recorded as usual. ``reply_in`` waits for the bot's message in one given channel, which is
how to wait for the answer to a forum post::

    post = await h.forum_post(h.user("alice"), h.channel("ask-here"), "Salary", "how much?")
    answer = await h.reply_in(post)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import payloads
from .results import BotMessage
from .threads import open_forum_post, open_thread
from .world import FakeChannel, FakeUser

if TYPE_CHECKING:
    from .recorder import RecordedRequest
    from .server import FakeDiscord
    from .world import World


class ThreadActions:
    """Needs the ``Harness`` it is mixed into: ``server``, ``world``, ``_wait``, ``_stored``."""

    server: FakeDiscord
    world: World

    async def create_thread(self, user: FakeUser, channel: FakeChannel, name: str,
                            ) -> FakeChannel:
        """``user`` starts a public thread (type 11) named ``name`` under a text channel,
        without a starter message: THREAD_CREATE, then the "started a thread" system message
        (type 18, content ``name``) in ``channel``. Post in it with ``h.post``/``h.say``."""
        if channel.is_forum or channel.guild_id is None or channel.is_thread:
            raise ValueError(f"#{channel.name} is not a text channel: use forum_post for forums")
        return await open_thread(self.server, user, channel, name)

    async def forum_post(self, user: FakeUser, forum: FakeChannel, title: str, body: str, *,
                         mention_bot: bool = False) -> FakeChannel:
        """``user`` posts in a forum: a thread named ``title`` whose starter message (same id
        as the thread) says ``body``. Discord sends THREAD_CREATE (``newly_created``) and then
        the starter's MESSAGE_CREATE in the thread. Returns the post (a thread); wait for the
        bot's answer with ``reply_in(post)``."""
        if not forum.is_forum:
            raise ValueError(f"#{forum.name} is not a forum (World.add_forum makes one)")
        bot = self.world.bot
        text = f"{bot.mention} {body}" if mention_bot else body
        starter = payloads.message_payload(channel=forum, author=user, content=text,
                                           mentions=[bot] if mention_bot else [])
        thread, _ = await open_forum_post(self.server, user, forum, title, starter)
        return thread

    def starter_message(self, post: FakeChannel) -> payloads.Json:
        """A forum post's opening message (its id is the post's id)."""
        message = self.server.store.get(post.id)
        assert message is not None, f"{post.name!r} has no starter message"
        return message

    async def reply_in(self, channel: FakeChannel, *, since: int = 0,
                       timeout: float | None = None) -> BotMessage:
        """The bot's first message in ``channel`` (a thread, a forum post, any channel) at or
        after ``since`` (a ``server.mark()``; by default from the start, which for a new thread
        is its first answer)."""
        request: RecordedRequest = await self._wait(
            "POST", f"/channels/{channel.id}/messages", since=since, timeout=timeout)
        return BotMessage(request, self._stored(request))

    def replies_in(self, channel: FakeChannel, *, since: int = 0) -> list[BotMessage]:
        """Every message the bot sent (or tried to) in ``channel`` at or after ``since``."""
        found = self.server.find_requests("POST", f"/channels/{channel.id}/messages",
                                          since=since)
        return [BotMessage(r, self._stored(r)) for r in found]
