"""Fixtures of this package."""

from __future__ import annotations

import pytest

from tests.e2e.careerbot import make_bot, make_settings


@pytest.fixture
async def careerbot(start_bot, fake_discord, tmp_path):
    """The real bot, with #careers as a Q&A channel, started against the local server."""
    careers = fake_discord.world.channel("careers")
    settings = make_settings(tmp_path / "data", qa_channels=frozenset({careers.id}),
                             cooldown_questions=50, cooldown_seconds=60)
    return await start_bot(make_bot(settings))
