"""pytest fixtures, loaded as a plugin: in ``tests/conftest.py``::

    pytest_plugins = ["tests.discord_harness.fixtures"]

Fixtures:

- ``discord_world``: the ``World`` the server starts with (override it to customise).
- ``fake_discord``: a started ``FakeDiscord`` with discord.py pointed at it (undone after).
- ``discord_errors``: the ``ErrorLogGuard``; fails the test on unexpected ERROR logs.
  ``discord_error_loggers`` names the watched loggers: ``discord``, ``bot`` and the
  harness's own (override the fixture to add yours).
- ``start_bot``: ``h = await start_bot(bot)`` logs the bot in, connects it and waits for
  ``on_ready``; returns a ``Harness``. Every started bot is closed at teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import discord
import pytest
import yarl

from .actions import Harness
from .logguard import ErrorLogGuard
from .recorder import DEFAULT_TIMEOUT
from .server import FakeDiscord
from .world import World

HARNESS_LOGGER = __package__ or "discord_harness"  # a crash inside the fake server itself
StartBot = Callable[..., Awaitable[Harness]]


@pytest.fixture
def discord_world() -> World:
    return World.default()


@pytest.fixture
def discord_error_loggers() -> tuple[str, ...]:
    return ("discord", "bot", HARNESS_LOGGER)


@pytest.fixture
async def discord_errors(discord_error_loggers: tuple[str, ...]) -> AsyncIterator[ErrorLogGuard]:
    guard = ErrorLogGuard(discord_error_loggers).install()
    yield guard
    guard.uninstall()
    guard.check()


@pytest.fixture
async def fake_discord(discord_world: World, monkeypatch: pytest.MonkeyPatch,
                       ) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord(discord_world).start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL(server.gateway_url))
    yield server
    await server.stop()


class BotRunner:
    """Starts bots against the fake server and closes them all at the end."""

    def __init__(self, server: FakeDiscord, errors: ErrorLogGuard) -> None:
        self.server = server
        self.errors = errors
        self.bots: list[discord.Client] = []
        self.connections: list[asyncio.Task] = []

    async def start(self, bot: discord.Client, *, token: str | None = None,
                    timeout: float = DEFAULT_TIMEOUT) -> Harness:
        """Log in (runs ``setup_hook``), connect, and wait for ``on_ready``.

        Raises what discord.py raises: ``LoginFailure`` on a bad token,
        ``ConnectionClosed`` if the gateway refuses it."""
        self.bots.append(bot)  # closed at teardown even if login fails
        await bot.login(token or self.server.token)
        connection = asyncio.create_task(bot.connect(reconnect=True), name="bot.connect")
        self.connections.append(connection)
        ready = asyncio.ensure_future(bot.wait_until_ready())
        await asyncio.wait({connection, ready}, timeout=timeout,
                           return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            if connection.done():
                connection.result()  # raises why the connection ended
            raise AssertionError(f"the bot was not ready after {timeout}s")
        return Harness(self.server, bot, errors=self.errors, connection=connection)

    async def close_all(self) -> None:
        for bot in self.bots:
            await bot.close()
        for connection in self.connections:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(connection, timeout=2)


@pytest.fixture
async def start_bot(fake_discord: FakeDiscord, discord_errors: ErrorLogGuard,
                    ) -> AsyncIterator[StartBot]:
    runner = BotRunner(fake_discord, discord_errors)
    yield runner.start
    await runner.close_all()
