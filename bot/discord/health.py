"""Health for process managers and load balancers, on the metrics port (plain HTTP).

- `GET /healthz`: the process and its event loop answer (200).
- `GET /readyz`: 200 when the bot can serve: the gateway connected on every shard this process
  runs, the knowledge base and its matcher loaded, the database answering; otherwise 503 with
  what is not ready. Each check is named in the JSON body either way.
- `GET /metrics`: the Prometheus metrics, when they are on (`bot.metrics`).

Served by aiohttp on the bot's own event loop, so `/healthz` failing to answer also says the
loop is stuck.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.core.storage.database import StorageUnavailable
from bot.discord.client import CareerBot
from bot.metrics import Metrics

log = logging.getLogger(__name__)
DATABASE_TIMEOUT = 1.0
"""Seconds the database has to answer a readiness check."""


async def readiness(bot: CareerBot) -> dict[str, str]:
    """Each check and its state: "ok", or what is wrong."""
    checks: dict[str, str] = {}
    if bot.is_closed():
        checks["gateway"] = "closed"
    elif not bot.is_ready():
        checks["gateway"] = "not connected yet"
    else:
        down = sorted(shard_id for shard_id, shard in getattr(bot, "shards", {}).items()
                      if shard.is_closed())
        checks["gateway"] = f"shard(s) {down} disconnected" if down else "ok"
    knowledge = bot.service.knowledge
    checks["knowledge"] = f"ok ({len(knowledge.facts)} facts)" if knowledge.facts \
        else "no facts loaded"
    checks["database"] = await _database(bot)
    return checks


async def _database(bot: CareerBot) -> str:
    if bot.database is None:
        return "ok (none configured)"
    try:
        await asyncio.wait_for(
            bot.database.run(lambda conn: conn.execute("SELECT 1").fetchone()),
            DATABASE_TIMEOUT)
    except StorageUnavailable as exc:
        return f"unavailable: {exc}"
    except TimeoutError:
        return f"no answer within {DATABASE_TIMEOUT:.0f} s"
    return "ok"


class HealthServer:
    """`/healthz`, `/readyz` and (with metrics) `/metrics` for one bot process."""

    def __init__(self, bot: CareerBot, metrics: Metrics | None = None) -> None:
        self.bot = bot
        self.metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, address: str, port: int) -> None:
        """Listen on `address:port` (port 0: any free port, then in `self.port`)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        if self.metrics is not None:
            app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, address, port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("health on http://%s:%d/healthz and /readyz%s", address, self.port,
                 ", metrics on /metrics" if self.metrics is not None else "")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def _readyz(self, _request: web.Request) -> web.Response:
        checks = await readiness(self.bot)
        ready = all(state.startswith("ok") for state in checks.values())
        return web.json_response({"ready": ready, "checks": checks},
                                 status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        assert self.metrics is not None
        return web.Response(body=self.metrics.render(),
                            content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})
