"""Each server's own settings in the database (`server_settings`, JSON values)."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.core.storage.backends import Connection
from bot.core.storage.database import Database


class ServerSettingsTable:
    """Reads and writes `server_settings` through the database's worker thread."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def load(self) -> dict[int, dict[str, Any]]:
        """Every server's stored values (a value that is not JSON any more is left out)."""

        def read(conn: Connection) -> list[tuple[str, str, str]]:
            return conn.execute("SELECT guild_id, name, value FROM server_settings").fetchall()

        stored: dict[int, dict[str, Any]] = {}
        for guild_id, name, value in await self.database.run(read):
            try:
                stored.setdefault(int(guild_id), {})[name] = json.loads(value)
            except (ValueError, TypeError):
                continue
        return stored

    async def put(self, guild_id: int, values: dict[str, Any]) -> None:
        """Store these settings of a server, all or none (one transaction)."""
        now = time.time()
        rows = [(str(guild_id), name, json.dumps(value), now) for name, value in values.items()]

        def write(conn: Connection) -> None:
            conn.executemany("INSERT INTO server_settings (guild_id, name, value, changed_at)"
                             " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, name) DO UPDATE SET"
                             " value = excluded.value, changed_at = excluded.changed_at", rows)
            conn.commit()

        await self.database.run(write)

    async def clear(self, guild_id: int, name: str) -> None:
        key = (str(guild_id), name)

        def write(conn: Connection) -> None:
            conn.execute("DELETE FROM server_settings WHERE guild_id = ? AND name = ?", key)
            conn.commit()

        await self.database.run(write)
