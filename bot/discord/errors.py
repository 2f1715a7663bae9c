"""The one place an error becomes what a person sees (in the style of python-discord's
`exts/backend/error_handler.py`).

Commands, forms, buttons and menus raise; they never catch an error to word it. Every error
ends in `report`: the application commands' (the command tree's `on_error`, installed by
`bot.discord.exts.error_handler`), the forms' and views' (`ReportingModal`, `ReportingView`)
and the answers' buttons' (`reported`). An interaction says what it was doing with `doing`
(how a refusal starts, what to say when the database is away, a retry button, the message to
edit in place); `wording` then maps the error to a reply, the first match in this order:

1. the interaction expired (Discord allows 3 s): a warning in the log, nothing sent;
2. a check refused it (`app_commands.CheckFailure`): `NOT_ALLOWED`, unless the check answered;
3. Discord sent a command this bot does not have (or in another shape): `OUT_OF_DATE`;
4. an input that can not be used (`TransformerError`, `UnusableInput`): `BAD_INPUT`;
5. no database configured (`NoDatabase`): `NO_DATABASE`; a fact that is gone, where the
   interaction says what to say then (`Doing.gone`);
6. an edit refused because the knowledge base would be invalid (`EditRejected`): the problems,
   under "<refused>: the knowledge base would be invalid." (with the retry button, if any);
7. any other refused edit (`EDIT_ERRORS`): "<refused>: <why>" (with the retry button);
   edited in place, an `EditRejected` reads so too;
8. the database unavailable (`StorageUnavailable`): what the interaction says for it;
9. Discord refused (`discord.Forbidden`): `MISSING_PERMISSION`;
10. anything else: logged as an error, `SORRY`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.core.editing import EDIT_ERRORS, EditRejected
from bot.core.knowledge.errors import FactNotFound, Issue
from bot.core.storage.database import StorageUnavailable
from bot.discord.deadline import respond, update
from bot.discord.limits import MESSAGE, clip
from bot.texts import (
    BAD_INPUT,
    DATABASE_AWAY,
    MISSING_PERMISSION,
    NO_DATABASE,
    NOT_ALLOWED,
    OUT_OF_DATE,
    REFUSED_SAVE,
    SORRY,
    WOULD_BE_INVALID,
)

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062
ISSUES_SHOWN = 15


class NoDatabase(Exception):
    """The bot runs without a database: there is nothing recorded to show."""


class UnusableInput(Exception):
    """An input Discord's own client would never send (a crafted interaction)."""


@dataclass(frozen=True, slots=True)
class Doing:
    """What an interaction was doing, for the wording of its errors (see `doing`)."""

    refused: str = REFUSED_SAVE
    """How a refused edit starts ("Not removed", "Cannot read the history")."""
    storage: str = DATABASE_AWAY
    """What to say when the database is unavailable (`{error}`: why)."""
    retry: Callable[[], discord.ui.View] | None = None
    """A view to offer under a refused edit (e.g. reopen the form with what was typed)."""
    in_place: discord.ui.View | None = None
    """Edit the message the click came from (its view kept) instead of replying."""
    gone: str | None = None
    """What to say when the fact asked for is no longer there (a button of an old answer)."""


DOING = "careerbot_doing"


def doing(interaction: discord.Interaction, **how: Any) -> None:
    """Say what `interaction` is doing (`Doing`'s fields), before the work that may fail."""
    interaction.extras[DOING] = Doing(**how)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    view: discord.ui.View | None = None
    in_place: discord.ui.View | None = None


def issues_text(issues: tuple[Issue, ...] | list[Issue], header: str) -> str:
    """A list of knowledge-base problems under `header`, the first `ISSUES_SHOWN` of them."""
    lines = [header] + [f"• {clip(str(i), 300)}" for i in issues[:ISSUES_SHOWN]]
    if len(issues) > ISSUES_SHOWN:
        lines.append(f"… and {len(issues) - ISSUES_SHOWN} more")
    return clip("\n".join(lines), MESSAGE)


def wording(error: BaseException, how: Doing, *, answered: bool = False) -> Reply | None:
    """The reply to `error` (None: nothing to send), by the order in the module's docstring.
    `answered`: the interaction already has a response (a check that explained itself)."""
    original = getattr(error, "original", error)
    if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
        return None
    if isinstance(error, app_commands.CheckFailure):
        return None if answered else Reply(NOT_ALLOWED)
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Reply(OUT_OF_DATE)
    if isinstance(error, app_commands.TransformerError) or isinstance(original, UnusableInput):
        return Reply(BAD_INPUT)
    if isinstance(original, NoDatabase):
        return Reply(NO_DATABASE)
    if isinstance(original, FactNotFound) and how.gone is not None:
        return Reply(how.gone)
    if isinstance(original, EDIT_ERRORS):
        retry = how.retry() if how.retry is not None else None
        if how.in_place is not None:
            return Reply(clip(f"{how.refused}: {original}", MESSAGE), in_place=how.in_place)
        if isinstance(original, EditRejected):
            text = issues_text(original.issues,
                               WOULD_BE_INVALID.format(refused=how.refused))
        else:
            text = clip(f"{how.refused}: {original}", MESSAGE)
        return Reply(text, view=retry)
    if isinstance(original, StorageUnavailable):
        return Reply(clip(how.storage.format(error=original), MESSAGE))
    if isinstance(original, discord.Forbidden):
        return Reply(MISSING_PERMISSION)
    return Reply(SORRY)


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Log `error` as it deserves and tell the person what happened (see `wording`)."""
    original = getattr(error, "original", error)
    name = interaction.command.qualified_name if interaction.command else "?"
    how = interaction.extras.get(DOING, Doing())
    reply = wording(error, how, answered=interaction.response.is_done())
    if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
        log.warning("interaction %s expired before the answer was sent (Discord allows 3 s)",
                    interaction.id)
    elif isinstance(error, app_commands.CheckFailure):
        log.info("/%s refused by a check for user %s", name, interaction.user.id)
    elif isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        log.warning("Discord sent /%s, which does not match this bot's commands: the "
                    "commands on Discord may be out of date (`@CareerBot sync`)",
                    getattr(error, "name", name))
    elif isinstance(error, app_commands.TransformerError) or isinstance(original,
                                                                         UnusableInput):
        log.info("refused a command input for /%s: %s", name, original)
    elif isinstance(original, (*EDIT_ERRORS, NoDatabase)):  # FactNotFound among them
        log.info("/%s refused: %s", name, original)
    elif isinstance(original, StorageUnavailable):
        pass  # the database logs its own failures
    elif isinstance(original, discord.Forbidden):
        log.warning("missing permission for /%s in channel %s: %s", name,
                    interaction.channel_id, original.text)
    else:
        log.error("application command /%s failed", name, exc_info=error)
    if reply is None:
        return
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
        elif reply.in_place is not None:
            await update(interaction, content=reply.text, view=reply.in_place)
        else:
            await respond(interaction, reply.text, ephemeral=True,
                          view=reply.view or discord.utils.MISSING)
    except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        log.warning("cannot tell the user about the error: %s", exc)


class ReportingView(discord.ui.View):
    """A view whose errors end in `report` (discord.py's default only logs them)."""

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       item: discord.ui.Item[Any], /) -> None:
        await report(interaction, error)


class ReportingModal(discord.ui.Modal):
    """A form whose errors end in `report`."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        await report(interaction, error)


async def reported(interaction: discord.Interaction, work: Callable[[], Any]) -> None:
    """Run a dynamic item's callback (`work`, awaitable), its errors ending in `report`:
    discord.py only logs what a `DynamicItem` raises."""
    try:
        await work()
    except Exception as exc:
        await report(interaction, exc)
