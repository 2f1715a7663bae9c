"""Each server's own settings over the defaults (`bot.core.server_settings`), and their table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.server_settings import (
    NAMES,
    BadSetting,
    ServerSettings,
    ServerSettingsRegistry,
    checked,
    stored_form,
)
from bot.core.storage.database import Database
from bot.core.storage.server_settings import ServerSettingsTable

DEFAULTS = ServerSettings(qa_channels=frozenset({1}), cooldown_questions=5)


def test_a_server_overrides_only_what_it_sets_and_only_for_itself():
    registry = ServerSettingsRegistry(DEFAULTS)
    own = registry.set(10, "qa_channels", [7, 8])
    assert own.qa_channels == {7, 8} and own.cooldown_questions == 5
    assert own.overridden == {"qa_channels"}
    assert registry.of(11).qa_channels == {1} and registry.of(11).overridden == set()
    assert registry.of(None) == DEFAULTS  # DMs
    assert registry.reset(10, "qa_channels").qa_channels == {1}


@pytest.mark.parametrize(("name", "value"), [
    ("qa_channels", "123"), ("qa_channels", [1, -2]), ("qa_channels", [True]),
    ("qa_channels", list(range(1, 40))), ("cooldown_questions", 0),
    ("cooldown_seconds", 10**9), ("cooldown_questions", 2.5), ("ask_private", "yes"),
    ("modlog_channel", "x"), ("no_such_setting", 1),
])
def test_bad_values_are_refused_with_a_reason(name, value):
    with pytest.raises(BadSetting):
        checked(name, value)
    registry = ServerSettingsRegistry(DEFAULTS)
    with pytest.raises(BadSetting):
        registry.set(10, name, value)
    assert registry.of(10) == DEFAULTS


def test_stored_values_that_are_not_valid_any_more_are_left_out_and_named():
    registry = ServerSettingsRegistry(DEFAULTS, {10: {"cooldown_questions": -1,
                                                       "ask_private": True}})
    assert registry.of(10).ask_private and registry.of(10).cooldown_questions == 5
    assert len(registry.skipped) == 1 and "server 10" in registry.skipped[0]


@given(st.sampled_from(NAMES), st.integers(-5, 2000) | st.booleans() | st.none()
       | st.lists(st.integers(-3, 10**6), max_size=30))
def test_checked_either_refuses_or_gives_what_the_setting_holds(name, value):
    try:
        result = checked(name, value)
    except BadSetting:
        return
    again = checked(name, stored_form(name, result))  # stored and read back: the same
    assert again == result


async def test_the_table_keeps_settings_across_a_restart(tmp_path):
    path = tmp_path / "careerbot.sqlite3"
    db = Database(path)
    db.start()
    table = ServerSettingsTable(db)
    await table.put(10, {"qa_channels": stored_form("qa_channels", frozenset({9, 3})),
                         "ask_private": True})
    await table.put(11, {"cooldown_seconds": 60})
    await table.clear(11, "cooldown_seconds")
    db.close()
    db = Database(path)
    db.start()
    try:
        stored = await ServerSettingsTable(db).load()
    finally:
        db.close()
    assert stored == {10: {"qa_channels": [3, 9], "ask_private": True}}
    registry = ServerSettingsRegistry(DEFAULTS, stored)
    assert registry.of(10).qa_channels == {3, 9} and registry.of(10).ask_private
