"""Answering interactions within Discord's 3 seconds, even when the work behind them is slow.

Discord drops an interaction not acknowledged within 3 seconds. Work that is usually instant
(a database write, a knowledge-base edit) can wait on a lock; rather than defer every time, we
give it `DEFER_AFTER` seconds, and only if it is still running acknowledge with "thinking…"
and send the result by editing that response afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

DEFER_AFTER = 2.0
T = TypeVar("T")


async def within_deadline(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """Await `work`; if it takes longer than DEFER_AFTER, defer the interaction meanwhile."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
        interaction.extras["thinking"] = True
    return await task


async def respond(interaction: discord.Interaction, content: str | None = None,
                  **kwargs: Any) -> None:
    """Send the answer: as the response, as the edit of a "thinking…" response, or as a
    followup once the interaction has been answered."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.extras.pop("thinking", False):
        kwargs.pop("ephemeral", None)
        await interaction.edit_original_response(content=content, **kwargs)
    elif interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def update(interaction: discord.Interaction, **kwargs: Any) -> None:
    """Update the message a component belongs to (or the "thinking…" response, if deferred)."""
    if interaction.response.is_done():
        interaction.extras.pop("thinking", None)
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)
