"""A local Discord for end-to-end tests: the real discord.py client, over the real wire.

``FakeDiscord`` serves Discord's REST API and gateway on 127.0.0.1; ``Harness`` drives the
bot as users would (messages, DMs, threads, forum posts, slash commands, autocomplete,
context menus, buttons, selects, modals) and returns what the bot answered. A ``World`` can
hold several guilds (``World.default(guilds=2)``, ``world.add_guild``), forums
(``world.add_forum``) and threads. Fixtures live in
``tests.discord_harness.fixtures`` (load it as a pytest plugin).

    async def test_ask(start_bot):
        h = await start_bot(make_bot())
        result = await h.slash(h.user("alice"), h.channel("general"), "ask", question="cv?")
        assert result.type == 4 and "CV" in result.content
"""

from .actions import Harness
from .logguard import ErrorLogGuard
from .payloads import InteractionType
from .recorder import RecordedRequest
from .results import BotMessage, InteractionResult
from .server import FakeDiscord
from .world import (
    ChannelType,
    FakeChannel,
    FakeFile,
    FakeGuild,
    FakeRole,
    FakeUser,
    Intent,
    Perm,
    World,
    new_id,
)

__all__ = [
    "BotMessage",
    "ChannelType",
    "ErrorLogGuard",
    "FakeChannel",
    "FakeDiscord",
    "FakeFile",
    "FakeGuild",
    "FakeRole",
    "FakeUser",
    "Harness",
    "Intent",
    "InteractionResult",
    "InteractionType",
    "Perm",
    "RecordedRequest",
    "World",
    "new_id",
]
