"""The core's own limits (it can not import the Discord front) fit Discord's."""

from __future__ import annotations

from bot.core.knowledge import schema
from bot.core.matching.normalize import MAX_QUESTION_CHARS
from bot.discord import limits


def test_what_the_knowledge_base_allows_fits_what_discord_shows():
    assert min(limits.EMBED_TITLE, limits.CHOICE_NAME) >= schema.MAX_QUESTION
    assert schema.MAX_ANSWER <= limits.EMBED_DESCRIPTION
    assert schema.MAX_ANSWER <= limits.TEXT_INPUT and schema.MAX_QUOTE <= limits.TEXT_INPUT


def test_a_question_fits_a_slash_command_option():
    assert MAX_QUESTION_CHARS <= limits.STRING_OPTION


def test_clip_keeps_within_the_limit_and_says_it_cut():
    assert limits.clip("  short  ", 10) == "short"
    cut = limits.clip("x" * 3000, limits.MESSAGE)
    assert len(cut) == limits.MESSAGE and cut.endswith("…")
