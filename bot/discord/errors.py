"""The one place an error becomes what a person sees (in the style of python-discord's
`exts/backend/error_handler.py`).

Commands, forms, buttons and menus raise; they never catch an error to word it. Every error
ends in `report`: the application commands' (the command tree's `on_error`, installed by
`bot.discord.exts.error_handler`), the forms' and views' (`ReportingModal`, `ReportingView`)
and the answers' buttons' (`reported`). An interaction says what it was doing with `doing`
(how a refusal starts, what to say when the database is away, a retry button, the message to
edit in place); `outcome` then maps the error to a reply and a log line, the first match
in this order:

1. the interaction expired (Discord allows 3 s): a warning in the log, nothing sent;
2. a check refused it (`app_commands.CheckFailure`): the reason of a `NotAllowed`, else
   `NOT_ALLOWED`; nothing if the interaction was answered already;
3. Discord sent a command this bot does not have (or in another shape): `OUT_OF_DATE`;
4. an input that can not be used (`TransformerError`, `UnusableInput`): `BAD_INPUT`;
5. no database configured (`NoDatabase`): `NO_DATABASE`; a fact that is gone, where the
   interaction says what to say then (`Doing.gone`);
6. an edit refused because the knowledge base would be invalid (`EditRejected`): the problems,
   under "<refused>: the knowledge base would be invalid." (with the retry button, if any);
7. an edit whose outcome the database could not tell (`EditOutcomeUnknown`): that it may have
   been saved and to check the history first (no "Not saved", no retry button), at WARNING;
   any other refused edit (`EDIT_ERRORS`): "<refused>: <why>" (with the retry button);
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

from bot.core.editing import EDIT_ERRORS, EditOutcomeUnknown, EditRejected
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


class NotAllowed(app_commands.CheckFailure):
    """A check refused the interaction; `reason` says why, to the person refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What becomes of an error: the reply (None: nothing to send) and the log line."""

    reply: Reply | None
    level: int = logging.INFO
    """The log line's level (`logging.NOTSET`: none, the error logged itself)."""
    line: str = ""


@dataclass(frozen=True, slots=True)
class Where:
    """The interaction an error happened in, as the log line names it."""

    command: str = "?"
    interaction_id: int = 0
    user_id: int = 0
    channel_id: int | None = None


def outcome(error: BaseException, how: Doing, *, answered: bool = False,
            where: Where = Where()) -> Outcome:
    """The reply to `error` and its log line, by the order in the module's docstring.
    `answered`: the interaction already has a response (a check that explained itself)."""
    original = getattr(error, "original", error)
    name = where.command
    if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
        return Outcome(None, logging.WARNING, f"interaction {where.interaction_id} expired "
                       "before the answer was sent (Discord allows 3 s)")
    if isinstance(error, app_commands.CheckFailure):
        text = error.reason if isinstance(error, NotAllowed) else NOT_ALLOWED
        return Outcome(None if answered else Reply(text), logging.INFO,
                       f"/{name} refused by a check for user {where.user_id}")
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Outcome(Reply(OUT_OF_DATE), logging.WARNING,
                       f"Discord sent /{getattr(error, 'name', name)}, which does not match "
                       "this bot's commands: the commands on Discord may be out of date "
                       "(`@CareerBot sync`)")
    if isinstance(error, app_commands.TransformerError) or isinstance(original, UnusableInput):
        return Outcome(Reply(BAD_INPUT), logging.INFO,
                       f"refused a command input for /{name}: {original}")
    refused = f"/{name} refused: {original}"
    if isinstance(original, NoDatabase):
        return Outcome(Reply(NO_DATABASE), logging.INFO, refused)
    if isinstance(original, FactNotFound) and how.gone is not None:
        return Outcome(Reply(how.gone), logging.INFO, refused)
    if isinstance(original, EditOutcomeUnknown):  # not "Not saved": it may have been
        text = clip(str(original)[:1].upper() + str(original)[1:], MESSAGE)
        return Outcome(Reply(text, in_place=how.in_place), logging.WARNING, refused)
    if isinstance(original, EDIT_ERRORS):
        if how.in_place is not None:
            reply = Reply(clip(f"{how.refused}: {original}", MESSAGE), in_place=how.in_place)
        elif isinstance(original, EditRejected):
            reply = Reply(issues_text(original.issues,
                                      WOULD_BE_INVALID.format(refused=how.refused)),
                          view=how.retry() if how.retry is not None else None)
        else:
            reply = Reply(clip(f"{how.refused}: {original}", MESSAGE),
                          view=how.retry() if how.retry is not None else None)
        return Outcome(reply, logging.INFO, refused)
    if isinstance(original, StorageUnavailable):  # the database logs its own failures
        return Outcome(Reply(clip(how.storage.format(error=original), MESSAGE)),
                       logging.NOTSET)
    if isinstance(original, discord.Forbidden):
        return Outcome(Reply(MISSING_PERMISSION), logging.WARNING,
                       f"missing permission for /{name} in channel {where.channel_id}: "
                       f"{original.text}")
    return Outcome(Reply(SORRY), logging.ERROR, f"application command /{name} failed")


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Log `error` as it deserves and tell the person what happened (see `outcome`)."""
    where = Where(interaction.command.qualified_name if interaction.command else "?",
                  interaction.id, interaction.user.id, interaction.channel_id)
    result = outcome(error, interaction.extras.get(DOING, Doing()),
                     answered=interaction.response.is_done(), where=where)
    if result.level:
        log.log(result.level, "%s", result.line,
                exc_info=error if result.level >= logging.ERROR else None)
    reply = result.reply
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
