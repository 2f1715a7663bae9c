"""Server-local knowledge layered on the shared base (no Discord).

Each server's moderators may keep facts of their own that only their server sees, in a
knowledge directory of the server's (`folders`), edited by a `KnowledgeStore` like the base;
a question asked in a server is matched by the base's matcher and by the server's layer's,
and the better answer wins (`matching`). `ServerLayers` loads, caches and swaps the layers.
"""

from bot.core.layers.cache import DEFAULT_CAPACITY, LayerStats, ServerLayers
from bot.core.layers.folders import SERVERS_DIR, InvalidGuild, LayerFolders
from bot.core.layers.layer import Layer
from bot.core.layers.matching import combined, completions, in_server, matched

__all__ = [
    "DEFAULT_CAPACITY",
    "SERVERS_DIR",
    "InvalidGuild",
    "Layer",
    "LayerFolders",
    "LayerStats",
    "ServerLayers",
    "combined",
    "completions",
    "in_server",
    "matched",
]
