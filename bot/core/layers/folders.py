"""Where each server's layer lives on disk, and how a new one starts.

    <data_dir>/servers/<guild_id>/knowledge/sources.yaml     its own sources (`sources: []`)
    <data_dir>/servers/<guild_id>/knowledge/topics/*.yaml    its facts ("server" at first)
    <data_dir>/servers/<guild_id>/history.sqlite3            its change history
    <data_dir>/servers/<guild_id>/cache/                     its phrasing vectors

The knowledge folder is a knowledge directory like the base's, so the same store, loader,
export and import serve it. The history is a database of its own, beside the folder rather
than a guild column in the bot's: change numbers, reverts and crash recovery (`has_token`)
then stay within one server without a filter in every query (a change number typed in one
server can not name another's change), and a server's data is one folder to back up or delete.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.core.editing.files import exclusive_lock, write_atomic
from bot.core.editing.plans import topic_file
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.loader import SOURCES_FILE, TOPICS_DIR

SERVERS_DIR = "servers"
"""The layers' folder in the data directory: `AnswerService(layers=data_dir / SERVERS_DIR)`."""
KNOWLEDGE_DIR = "knowledge"
HISTORY_FILE = "history.sqlite3"
CACHE_DIR = "cache"
FIRST_TOPIC = "server"
FIRST_TOPIC_TITLE = "This server"
EMPTY_SOURCES = (b"# This server's own sources, each with a url (the shared knowledge base's are\n"
                 b"# cited as they are, by id).\nsources: []\n")
MAX_GUILD_ID = 2**64 - 1


class InvalidGuild(ValueError):
    """Not a server id: layers are named by Discord's snowflakes (positive 64-bit integers)."""


def checked_guild(guild_id: object) -> int:
    """`guild_id` as the int that names its folder (InvalidGuild otherwise): a folder name is
    made of it, so nothing but digits ever reaches the path."""
    if isinstance(guild_id, bool) or not isinstance(guild_id, int):
        raise InvalidGuild(f"a server id is an integer, not {type(guild_id).__name__}")
    if not 0 < guild_id <= MAX_GUILD_ID:
        raise InvalidGuild(f"{guild_id} is not a server id")
    return guild_id


class LayerFolders:
    """The folders of every server's layer under one directory (`<data_dir>/servers`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def of(self, guild_id: int) -> Path:
        return self.root / str(checked_guild(guild_id))

    def knowledge(self, guild_id: int) -> Path:
        return self.of(guild_id) / KNOWLEDGE_DIR

    def history(self, guild_id: int) -> Path:
        return self.of(guild_id) / HISTORY_FILE

    def cache(self, guild_id: int) -> Path:
        return self.of(guild_id) / CACHE_DIR

    def exists(self, guild_id: int) -> bool:
        return (self.knowledge(guild_id) / SOURCES_FILE).is_file()

    def guilds(self) -> set[int]:
        """The servers that have a layer (a folder with a knowledge directory)."""
        found: set[int] = set()
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            for entry in self.root.iterdir():
                if entry.name.isdecimal() and (entry / KNOWLEDGE_DIR / SOURCES_FILE).is_file():
                    with contextlib.suppress(InvalidGuild):
                        found.add(checked_guild(int(entry.name)))
        return found

    def create(self, guild_id: int, *, lock_timeout: float = 30.0, empty: bool = False
               ) -> Path:
        """The server's knowledge folder, made with no source and one empty topic if it has
        none yet (under the folder's lock: two processes creating it at once make one);
        `empty`: just the folders (its files come from the database)."""
        root = self.knowledge(guild_id)
        if self.exists(guild_id):
            return root
        (root / TOPICS_DIR).mkdir(parents=True, exist_ok=True)
        if empty:
            return root
        with exclusive_lock(root, lock_timeout):
            if not any((root / TOPICS_DIR).glob("*.yaml")):
                first = dump_topic(FIRST_TOPIC, FIRST_TOPIC_TITLE, []).encode("utf-8")
                write_atomic(root / topic_file(FIRST_TOPIC), first)
            if not (root / SOURCES_FILE).is_file():  # written last: it marks the layer ready
                write_atomic(root / SOURCES_FILE, EMPTY_SOURCES)
        return root
