"""`/healthz`, `/readyz` and `/metrics` on the metrics port, over real HTTP, for a bot on the
local Discord-compatible server: ready only when the gateway, the knowledge base and the
database all are."""

from __future__ import annotations

import aiohttp

from bot.core.service import AnswerService
from bot.discord.client import CareerBot
from bot.discord.health import HealthServer
from bot.metrics import Metrics
from tests.e2e.careerbot import make_bot, make_settings


async def get(server: HealthServer, path: str) -> tuple[int, dict | str]:
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{server.port}{path}") as response:
        body = await (response.json() if path != "/metrics" else response.text())
        return response.status, body


async def test_ready_when_connected_and_not_when_the_database_is_away(start_bot, tmp_path):
    h = await start_bot(make_bot(make_settings(tmp_path / "data")))
    server = HealthServer(h.bot, Metrics(h.bot.service))
    await server.start("127.0.0.1", 0)
    try:
        assert await get(server, "/healthz") == (200, {"alive": True})
        status, body = await get(server, "/readyz")
        assert status == 200 and body["ready"]
        assert body["checks"]["gateway"] == "ok" and body["checks"]["database"] == "ok"
        status, metrics = await get(server, "/metrics")
        assert status == 200 and "careerbot_knowledge_facts" in metrics
        h.bot.database.close()  # the database goes away
        status, body = await get(server, "/readyz")
        assert status == 503 and not body["ready"]
        assert "unavailable" in body["checks"]["database"]
        assert body["checks"]["gateway"] == "ok"
    finally:
        await server.stop()


async def test_not_ready_before_the_gateway_connects(shipped_kb, tmp_path):
    bot = CareerBot(make_settings(tmp_path / "data"), AnswerService(shipped_kb, semantic=None))
    server = HealthServer(bot)
    await server.start("127.0.0.1", 0)
    try:
        assert (await get(server, "/healthz"))[0] == 200
        status, body = await get(server, "/readyz")
        assert status == 503 and body["checks"]["gateway"] == "not connected yet"
        assert body["checks"]["knowledge"].startswith("ok")
        assert (await get(server, "/metrics"))[0] == 404  # metrics off
    finally:
        await server.stop()
