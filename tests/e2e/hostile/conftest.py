"""Fixtures of this package."""

from __future__ import annotations

import pytest

from tests.e2e.careerbot import make_bot, make_settings


@pytest.fixture
async def h(start_bot, fake_discord, tmp_path):
    settings = make_settings(tmp_path / "data", cooldown_questions=10_000, cooldown_seconds=1,
                             watch_interval=0)
    return await start_bot(make_bot(settings))
