"""Sending an answer into a channel: permission checks, embed fallback, clear logs."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.core.answers import Answer
from bot.core.knowledge.models import KnowledgeBase
from bot.discord.ui.embeds import answer_embed, answer_text, decline_embed
from bot.discord.ui.views import answer_view

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 3
RETRY_DELAY = 0.5
"""Seconds before the first retry of a failed send (doubling after)."""
NO_MENTIONS = discord.AllowedMentions.none()


def answer_message(answer: Answer, knowledge: KnowledgeBase, asker_id: int) -> dict:
    """Keyword arguments for send / reply / send_message carrying the answer."""
    embed = (answer_embed(answer, knowledge) if answer.answered
             else decline_embed(answer, knowledge))
    return {"embed": embed, "view": answer_view(answer, asker_id), "allowed_mentions": NO_MENTIONS}


def _can(channel: discord.abc.Messageable, me: discord.abc.User) -> discord.Permissions | None:
    if isinstance(channel, discord.abc.GuildChannel | discord.Thread) and isinstance(
        me, discord.Member
    ):
        return channel.permissions_for(me)
    return None  # DMs: nothing to check


async def reply_with_answer(
    message: discord.Message, answer: Answer, knowledge: KnowledgeBase
) -> discord.Message | None:
    """Reply to `message` with `answer`; log clearly and return None when Discord refuses."""
    channel = message.channel
    guild = message.guild
    me = guild.me if guild is not None else None
    perms = _can(channel, me) if me is not None else None
    if perms is not None and not (perms.send_messages if not isinstance(channel, discord.Thread)
                                  else perms.send_messages_in_threads):
        log.warning("cannot answer in channel %s of server %s: missing Send Messages permission",
                    channel.id, guild.id if guild else "?")
        return None
    kwargs = answer_message(answer, knowledge, message.author.id)
    if perms is not None and not perms.embed_links:
        log.warning("no Embed Links permission in channel %s: answering as plain text",
                    channel.id)
        kwargs = {"content": answer_text(answer, knowledge), "view": kwargs["view"],
                  "allowed_mentions": NO_MENTIONS}
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            if perms is not None and not perms.read_message_history:
                # A reply needs Read Message History; without it, answer without the reference.
                return await channel.send(**kwargs)
            return await message.reply(mention_author=False, **kwargs)
        except discord.Forbidden as exc:
            log.warning("Discord refused the answer in channel %s (%s): check the bot's "
                        "permissions there", channel.id, exc.text or exc.status)
            return None
        except discord.NotFound:
            log.info("the question in channel %s was deleted before the answer", channel.id)
            return None
        except (discord.DiscordServerError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # discord.py retries 429 and some 5xx itself, not 503 nor a dropped connection.
            if attempt == SEND_ATTEMPTS:
                log.error("sending the answer in channel %s failed %d times, last: %s",
                          channel.id, attempt, exc)
                return None
            log.warning("sending the answer in channel %s failed (%s); retrying", channel.id,
                        exc)
            await asyncio.sleep(RETRY_DELAY * attempt)
        except discord.HTTPException as exc:
            log.error("sending the answer in channel %s failed: %s %s", channel.id, exc.status,
                      exc.text)
            return None
    return None
