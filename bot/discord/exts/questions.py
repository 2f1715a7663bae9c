"""Asking: mentions, replies, DMs, Q&A channels, `!ask`, `/ask` and "Answer with CareerBot"."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot import texts
from bot.core.answers import Answer
from bot.core.conversation import Context, Conversations, left_by
from bot.core.knowledge.errors import FactNotFound
from bot.core.matching import MAX_QUESTION_CHARS
from bot.core.modes import Mode, worth_answering
from bot.core.ratelimit import Cooldown
from bot.core.smalltalk import SmallTalk, small_talk
from bot.core.storage.cooldowns import SharedCooldowns
from bot.core.storage.database import StorageUnavailable
from bot.discord import limits
from bot.discord.client import CareerBot
from bot.discord.delivery import NO_MENTIONS, answer_message, reply_with_answer
from bot.discord.errors import UnusableInput
from bot.discord.limits import clip
from bot.discord.ui.views import DYNAMIC_ITEMS
from bot.texts import ATTACHMENT_ONLY_REPLY, EMPTY_MENTION_REPLY

log = logging.getLogger(__name__)
SHARED_COOLDOWN_TIMEOUT = 0.5
"""Seconds the shared database has to count a question before this process counts it."""
CORRECTION_VOTE_TIMEOUT = 1.0
"""Seconds the database has to store a correction's vote before the reply goes without it."""





@dataclass(frozen=True, slots=True)
class Asked:
    """One question as it reached the bot, and how to reply where it came from."""

    question: str
    mode: Mode
    via: str
    asker: discord.abc.User
    guild_id: int | None
    say: Callable[[str], Awaitable[None]]
    """A short reply: the hint for an empty question, the cooldown."""
    deliver: Callable[[Answer], Awaitable[int | None]]
    """Send the answer; the id of the message that carries it (None: not sent)."""
    channel_id: int | None = None
    """Where it was asked: a follow-up from the same person there is read in context."""
    replied_to: Context | None = None
    """The answer this question replies to, if it does (its context, whoever asks)."""
    replied_message: int | None = None
    """The id of the bot's message it replies to, if it does."""
    empty_reply: str | None = None
    """The hint for a message with no question in it (None: a command, whose empty question
    is answered like any other: with a decline)."""


class Questions(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.cooldowns: dict[tuple[int, int], Cooldown] = {}
        self.shared_cooldowns = SharedCooldowns(bot.database) if bot.database else None
        """One per cooldown a server has set (a person's count is kept per cooldown)."""
        self.conversations = Conversations()
        # Matching a question takes a few ms at 10,000 facts: on the event loop, many questions
        # at once would hold it for all of them. One thread (started on first use): matching
        # holds the GIL for much of its work, so more threads would only take it from the loop.
        self.matching = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careerbot-match")
        self.context_menu = app_commands.ContextMenu(
            name="Answer with CareerBot", callback=self.answer_message_menu
        )

    async def cog_load(self) -> None:
        # The answers' buttons outlive a restart: registered before the first interaction.
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.tree.add_command(self.context_menu)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)
        self.matching.shutdown(wait=False, cancel_futures=True)

    # -- shared ------------------------------------------------------------------------------

    async def retry_after(self, user: discord.abc.User, guild_id: int | None) -> float:
        """Seconds this person must wait before asking again in this server (0: go ahead);
        counts a question: in the shared database when there is one (every process sees
        it), else, or when it does not answer in time, in this process."""
        own = self.bot.servers.of(guild_id)
        rule = (own.cooldown_questions, own.cooldown_seconds)
        database = self.bot.database
        if database is not None and database.shared:
            with contextlib.suppress(StorageUnavailable, TimeoutError):
                return await asyncio.wait_for(self.shared_cooldowns.hit(user.id, *rule),
                                              SHARED_COOLDOWN_TIMEOUT)
        cooldown = self.cooldowns.get(rule)
        if cooldown is None:
            cooldown = self.cooldowns[rule] = Cooldown(*rule)
        return cooldown.hit(user.id)

    @staticmethod
    def cooldown_text(seconds: float) -> str:
        return texts.COOLDOWN.format(seconds=max(1, round(seconds)))

    async def ask(self, question: str, *, via: str, guild_id: int | None,
                  mode: Mode = Mode.ADDRESSED, context: Context | None = None) -> Answer:
        """`service.ask` on the matching thread (the event loop stays free meanwhile)."""
        ask = functools.partial(self.bot.service.ask, question, via=via, guild_id=guild_id,
                                mode=mode, context=context)
        return await asyncio.get_running_loop().run_in_executor(self.matching, ask)

    def strip_bot_mention(self, content: str) -> str:
        me = self.bot.user
        if me is None:
            return content
        return re.sub(rf"<@!?{me.id}>", " ", content).strip()

    def _replied_answer(self, message: discord.Message) -> Context | None:
        """The context of the bot's answer `message` replies to: what it answered (remembered
        when it was sent, else the fact its buttons name, in that fact's own words)."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        remembered = self.conversations.of_answer(reference.message_id)
        if remembered is not None:
            return remembered
        answer = reference.resolved if isinstance(reference.resolved, discord.Message) \
            else reference.cached_message
        if answer is None:
            return None
        for row in answer.components:
            for item in getattr(row, "children", ()):
                parts = (getattr(item, "custom_id", None) or "").split(":")
                if parts[:2] == ["cb", "vote"] and len(parts) == 4:
                    with contextlib.suppress(FactNotFound):
                        fact = self.bot.service.fact(parts[2], guild_id=message.guild and
                                                     message.guild.id)
                        return Context(fact.question, fact.id)
                    return None
        return None

    def _is_reply_to_me(self, message: discord.Message) -> bool:
        reference = message.reference
        if reference is None or self.bot.user is None:
            return False
        resolved = reference.resolved
        if isinstance(resolved, discord.Message):
            return resolved.author.id == self.bot.user.id
        cached = reference.cached_message
        return cached is not None and cached.author.id == self.bot.user.id

    def _in_qa_channel(self, channel: discord.abc.Messageable) -> bool:
        guild = getattr(channel, "guild", None)
        if guild is None:
            return False
        ids = self.bot.servers.of(guild.id).qa_channels
        if not ids:
            return False
        parent = getattr(channel, "parent_id", None)
        return getattr(channel, "id", None) in ids or parent in ids

    # -- messages ----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.bot.user is None or message.is_system():
            return  # a system notice ("alice started a thread: ...") is not a question
        if self._opens_qa_forum_post(message):
            await self._answer_forum_post(message)
            return
        is_dm = message.guild is None
        replying = self._is_reply_to_me(message)
        addressed = is_dm or self.bot.user in message.mentions or replying
        if not addressed and not self._in_qa_channel(message.channel):
            return
        mode = Mode.ADDRESSED if addressed else Mode.UNPROMPTED
        ctx = await self.bot.get_context(message)
        if ctx.valid:
            return  # a command (`!ask`, `@CareerBot sync`): the command handles it
        await self._handle(Asked(
            question=self.strip_bot_mention(message.content)[: MAX_QUESTION_CHARS * 2],
            mode=mode, via="dm" if is_dm else ("mention" if addressed else "channel"),
            asker=message.author, guild_id=message.guild and message.guild.id,
            say=functools.partial(self._send_plain, message),
            deliver=functools.partial(self._reply_with_answer, message),
            channel_id=message.channel.id,
            replied_to=self._replied_answer(message) if replying else None,
            replied_message=message.reference.message_id if replying and message.reference
            else None,
            empty_reply=ATTACHMENT_ONLY_REPLY if message.attachments else EMPTY_MENTION_REPLY,
        ))

    # -- forum posts -------------------------------------------------------------------------

    def _opens_qa_forum_post(self, message: discord.Message) -> bool:
        """The opening message of a post in a Q&A forum: a post is a thread of the forum, and
        its opening message has the thread's id."""
        post = message.channel
        return (isinstance(post, discord.Thread) and message.id == post.id
                and isinstance(post.parent, discord.ForumChannel) and self._in_qa_channel(post))

    async def _answer_forum_post(self, message: discord.Message) -> None:
        """A post in a Q&A forum is a question to the bot, asked by its title and body: it
        gets the answer or the honest decline, in the post."""
        ctx = await self.bot.get_context(message)
        if ctx.valid:
            return  # a command in the body (`!ask ...`): the command handles it
        title = message.channel.name  # the post (a Thread): its title
        body = self.strip_bot_mention(message.content)
        await self._handle(Asked(
            question=f"{title}\n{body}".strip()[: MAX_QUESTION_CHARS * 2],
            mode=Mode.ADDRESSED, via="forum", asker=message.author,
            guild_id=message.guild and message.guild.id,
            say=functools.partial(self._send_plain, message),
            deliver=functools.partial(self._reply_with_answer, message),
            empty_reply=EMPTY_MENTION_REPLY,
        ))

    async def _handle(self, asked: Asked) -> None:
        """Every question, whichever way it came: an empty one gets a hint, a chatty one
        where the bot speaks unprompted is left alone, then the cooldown, the answer, and
        (unprompted) silence when unsure. Short replies only where the bot was addressed."""
        addressed = asked.mode is Mode.ADDRESSED
        if asked.empty_reply is not None and not asked.question.strip():
            if addressed:
                await asked.say(asked.empty_reply)
            return
        talk = small_talk(asked.question)
        if talk is not None:
            if addressed:  # a "thanks" in a busy Q&A channel is not for the bot
                noted = (await self._noted_unhelpful(asked) if talk is SmallTalk.CORRECTION
                         else None)
                await asked.say(noted or self._small_talk_reply(talk, asked.guild_id))
            return
        if not worth_answering(asked.question, asked.mode):
            return
        wait = await self.retry_after(asked.asker, asked.guild_id)
        if wait:
            if addressed:
                await asked.say(self.cooldown_text(wait))
            return
        context = asked.replied_to or (
            self.conversations.recall(asked.asker.id, asked.channel_id)
            if asked.channel_id is not None else None)
        answer = await self.ask(asked.question, via=asked.via, guild_id=asked.guild_id,
                                mode=asked.mode, context=context)
        if not addressed and not answer.answered:
            return  # silent when unsure: never spam a busy channel
        sent = await asked.deliver(answer)
        if answer.answered and answer.fact_id is not None:
            self._remember(asked, left_by(context, asked.question, answer.fact_id,
                                          in_context=answer.in_context), sent)
        for other in answer.also:  # the message's other questions: a reply each, the last
            sent = await asked.deliver(other)  # what the asker's next follow-up follows
            self._remember(asked, Context(other.question, other.fact_id or ""), sent)

    async def _noted_unhelpful(self, asked: Asked) -> str | None:
        """A correction ("that's wrong") of the answer it replies to, or of the asker's last
        answer in this channel, is a "not helpful" vote on that answer, as its button gives:
        the moderators' queue gets the question it answered. The reply saying so; None when
        there is no such answer (or its fact is gone) or the vote can not be stored."""
        database = self.bot.database
        if database is None:
            return None
        last = ((asked.replied_to, asked.replied_message)
                if asked.replied_to is not None and asked.replied_message is not None
                else self.conversations.last_answer(asked.asker.id, asked.channel_id)
                if asked.channel_id is not None else None)
        if last is None:
            return None
        context, message = last
        try:
            self.bot.service.fact(context.fact_id, guild_id=asked.guild_id)
            await asyncio.wait_for(database.record_vote(
                answer_key=str(message), user_id=asked.asker.id, fact_id=context.fact_id,
                helpful=False, question=context.question, guild_id=asked.guild_id),
                CORRECTION_VOTE_TIMEOUT)
        except FactNotFound:
            return None
        except (StorageUnavailable, TimeoutError) as exc:
            log.warning("cannot note a correction as not helpful: %s", exc or "timed out")
            return None
        return texts.CORRECTION_NOTED

    def _small_talk_reply(self, talk: SmallTalk, guild_id: int | None) -> str:
        """A short reply; "help" gets the help as this server sees it (`/help`'s)."""
        if talk is not SmallTalk.HELP:
            return texts.SMALL_TALK[talk.value]
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        return clip("\n".join(self.bot.help_lines(guild)), limits.MESSAGE)

    def _remember(self, asked: Asked, left: Context, sent: int | None) -> None:
        """What an answer answered: `left`, the context of the asker's next question there
        (and of replies to it), and the words a "not helpful" vote on it queues."""
        if asked.channel_id is not None:
            self.conversations.remember(asked.asker.id, asked.channel_id, left,
                                        answer_message=sent)
        self._record_answer(asked, sent)

    def _record_answer(self, asked: Asked, sent: int | None) -> None:
        """The words a "not helpful" vote on the answer message `sent` queues."""
        if sent is not None and self.bot.database is not None:
            self.bot.database.record_answer(str(sent), asked.question, asked.guild_id)

    async def _reply_with_answer(self, message: discord.Message, answer: Answer) -> int | None:
        sent = await reply_with_answer(message, answer, self.bot.service.knowledge)
        return sent and sent.id

    async def _send_plain(self, message: discord.Message, text: str) -> None:
        try:
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("cannot reply in channel %s: %s", message.channel.id, exc)

    @commands.command(name="ask")
    async def ask_prefix(self, ctx: commands.Context, *, question: str = "") -> None:
        """`!ask QUESTION` (needs message content: a mention prefix always works)."""
        async def say(text: str) -> None:
            await ctx.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)

        await self._handle(Asked(
            question=question, mode=Mode.ADDRESSED, via="prefix", asker=ctx.author,
            guild_id=ctx.guild and ctx.guild.id, say=say,
            deliver=functools.partial(self._reply_with_answer, ctx.message),
            empty_reply=EMPTY_MENTION_REPLY))

    # -- application commands ----------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask about becoming a machine learning engineer")
    @app_commands.describe(question="Your question, e.g. how much do ML engineers earn?")
    async def ask_slash(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
    ) -> None:
        await self._answer_interaction(interaction, question, via="slash",
                                       asker_id=interaction.user.id)

    async def _answer_interaction(self, interaction: discord.Interaction, question: str, *,
                                  via: str, asker_id: int, content: str | None = None) -> None:
        """Answer a question asked through a command (see `_handle`)."""
        if not isinstance(question, str):  # a crafted interaction: Discord sends strings
            raise UnusableInput(f"the question is a {type(question).__name__}, not text")

        async def say(text: str) -> None:
            await interaction.response.send_message(text, ephemeral=True)

        async def deliver(answer: Answer) -> int | None:
            kwargs = answer_message(answer, self.bot.service.knowledge, asker_id)
            private = self.bot.servers.of(interaction.guild_id).ask_private
            if interaction.response.is_done():  # a next answer (`Answer.also`): a follow-up
                followed = await interaction.followup.send(**kwargs, ephemeral=private,
                                                           wait=True)
                return followed.id
            if content:
                kwargs["content"] = content
            sent = await interaction.response.send_message(**kwargs, ephemeral=private)
            return sent.message_id if sent is not None else None

        await self._handle(Asked(question=question, mode=Mode.ADDRESSED, via=via,
                                 asker=interaction.user, guild_id=interaction.guild_id,
                                 say=say, deliver=deliver, channel_id=interaction.channel_id))

    @ask_slash.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not isinstance(current, str):  # a crafted interaction
            return []
        facts = self.bot.service.complete(current[:MAX_QUESTION_CHARS], limit=limits.CHOICES,
                                          guild_id=interaction.guild_id)
        choices = []
        for fact in facts:
            text = fact.question[:limits.CHOICE_NAME]
            choices.append(app_commands.Choice(name=text, value=text))
        return choices

    async def answer_message_menu(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Right-click a message → Apps → Answer with CareerBot."""
        text = message.content.strip()
        if not text:
            await interaction.response.send_message(
                texts.NO_TEXT_IN_MESSAGE, ephemeral=True
            )
            return
        await self._answer_interaction(interaction, text, via="context-menu",
                                       asker_id=message.author.id,
                                       content=f"Answering {message.jump_url}")


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Questions(bot))
