"""The one error handler's table (`bot.discord.errors.outcome`): each error, in its order, to
what a person sees. The wire tests (tests/e2e) check the same replies as Discord gets them."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.core.editing import ChangeNotFound, EditRejected, TopicNotFound
from bot.core.knowledge.errors import FactNotFound, Issue
from bot.core.storage.database import StorageUnavailable
from bot.discord import errors
from bot.discord.errors import Doing, NoDatabase, UnusableInput, outcome

ASKING = Doing()
"""What an interaction that said nothing of itself is doing (the defaults)."""


def text(error: BaseException, how: Doing = ASKING, **kwargs) -> str | None:
    reply = outcome(error, how, **kwargs).reply
    return None if reply is None else reply.text


def test_checks_commands_and_inputs():
    assert text(app_commands.CheckFailure()) == errors.NOT_ALLOWED
    assert text(errors.NotAllowed("Only moderators can change it.")) == (
        "Only moderators can change it.")  # the gate says why
    assert text(errors.NotAllowed("why"), answered=True) is None
    assert text(app_commands.CheckFailure(), answered=True) is None  # the check explained
    assert text(app_commands.CommandNotFound("gone", [])) == errors.OUT_OF_DATE
    assert text(UnusableInput("a number, not text")) == errors.BAD_INPUT


def test_refused_edits_say_what_was_refused_and_why():
    assert text(TopicNotFound("nope")) == "Not saved: no topic with id 'nope'"
    assert text(ChangeNotFound(9), Doing(refused="Cannot read the history")) == (
        "Cannot read the history: no change #9 in the history")
    issues = [Issue("pay.yaml", f"problem {n}") for n in range(20)]
    invalid = text(EditRejected(issues))
    assert invalid.startswith("Not saved: the knowledge base would be invalid.\n• ")
    assert invalid.count("• ") == errors.ISSUES_SHOWN and invalid.endswith("… and 5 more")


def test_a_refused_form_offers_its_retry_and_a_refused_click_edits_in_place():
    retry = discord.ui.View()
    reply = outcome(TopicNotFound("x"), Doing(retry=lambda: retry)).reply
    assert reply.view is retry and reply.in_place is None
    confirm = discord.ui.View()
    reply = outcome(EditRejected([Issue("f", "bad")]),
                    Doing(refused="Not removed", in_place=confirm)).reply
    assert reply.in_place is confirm and reply.text.startswith("Not removed: ")


def test_a_gone_fact_is_worded_where_the_interaction_says_so():
    assert text(FactNotFound("old"), Doing(gone="That one is gone.")) == "That one is gone."
    assert text(FactNotFound("old")) == "Not saved: no fact with id 'old'"  # an edit's


def test_the_database_away_or_absent():
    away = StorageUnavailable("the disk is full")
    assert text(away) == "The database is unavailable right now: the disk is full."
    assert text(away, Doing(storage="Cannot read the statistics: {error}.")) == (
        "Cannot read the statistics: the disk is full.")
    assert text(NoDatabase()) == errors.NO_DATABASE


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("x"), ValueError()])
def test_anything_else_is_sorry(error):
    assert text(error) == errors.SORRY
    wrapped = app_commands.CommandInvokeError(app_commands.Command(
        name="x", description="x", callback=_callback), error)
    assert text(wrapped) == errors.SORRY


async def _callback(interaction: discord.Interaction) -> None:
    """A command's callback (the wrapped error needs a command)."""


def test_every_reply_fits_a_message():
    long = TopicNotFound("x" * 5000)
    assert len(text(long)) <= 2000


def test_only_what_nobody_expected_is_logged_as_an_error():
    import logging

    from bot.discord.errors import Where, outcome

    where = Where(command="kb alias", user_id=7)
    assert outcome(RuntimeError("boom"), ASKING, where=where).level == logging.ERROR
    assert outcome(RuntimeError("boom"), ASKING, where=where).line == (
        "application command /kb alias failed")
    assert outcome(TopicNotFound("x"), ASKING, where=where).level == logging.INFO
    assert outcome(app_commands.CheckFailure(), ASKING, where=where).line == (
        "/kb alias refused by a check for user 7")
    # the database logs its own failures: one line, not one per refused interaction
    assert outcome(StorageUnavailable("locked"), ASKING).level == logging.NOTSET
