"""The token kept out of every log record, message and exported file, over the real wire."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

from bot.core.knowledge.loader import bundled_knowledge_dir
from tests.e2e.careerbot import make_bot, make_settings
from tests.e2e.hostile.shared import PAY_QUESTION, still_serving

# -- secrets ----------------------------------------------------------------------------------

SECRET_TOKEN = "MTE5OTk5OTk5OTk5OTk5OTk5OQ.GhQz7x.Zk9-secret-Tok3n-Pq2Lm8Vx4Wn6Yb1"


def everything_said(caplog) -> list[tuple[str, str]]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    said = []
    for record in caplog.records:
        text = formatter.format(record)  # message, args, exception and stack, formatted
        said.append((record.name, text + repr(record.args) + repr(record.__dict__)))
    return said


async def test_the_token_never_leaks(start_bot, fake_discord, tmp_path, caplog, discord_errors):
    """A session at DEBUG with sends, interactions, refusals, errors, a resume and
    `/kb export`: the token is in no log record, no request the bot made (except IDENTIFY and
    RESUME, where it belongs), no exported file and no file in the data directory."""
    caplog.set_level(logging.DEBUG)
    discord_errors.allow("sending the answer in channel .* failed: 503", logger="bot")
    fake_discord.token = SECRET_TOKEN
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, knowledge_dir=knowledge, watch_interval=0,
                             admin_guilds=frozenset({fake_discord.world.guild.id}),
                             cooldown_questions=100, cooldown_seconds=60)
    h = await start_bot(make_bot(settings))
    alice, mod, general = h.user("alice"), h.user("mod"), h.channel("general")

    answer = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    await h.dm(alice, "what is the capital of France")
    await h.slash(alice, general, "ask", question=PAY_QUESTION)
    await h.autocomplete(alice, general, "ask", "question", "how much")
    vote = next(c for c in answer.custom_ids if c.startswith("cb:vote:"))
    await h.click(h.user("bob"), answer, vote)
    fake_discord.fail_next("POST", f"/channels/{general.id}/messages", status=429,
                           retry_after=0.01)
    await h.say(alice, general, "what is machine learning", mention_bot=True)
    fake_discord.fail_next("POST", f"/channels/{general.id}/messages", status=503)
    await h.say(alice, general, "what degree do i need", mention_bot=True)  # logged, lost
    fake_discord.forbid(h.channel("careers").id)
    await h.say(alice, h.channel("careers"), PAY_QUESTION, mention_bot=True)  # 403
    await h.slash(alice, general, "kb reload")  # refused: not a moderator
    await h.slash(mod, general, "kb revert", change=999)  # refused: no such change
    await h.reconnect()  # RESUME carries the token
    exported = await h.slash(mod, general, "kb export")
    await still_serving(h)
    await h.bot.database.flush()

    leaked = [name for name, text in everything_said(caplog) if SECRET_TOKEN in text]
    assert leaked == [], f"the token is in log records of {sorted(set(leaked))}"
    assert len(caplog.records) > 50  # DEBUG really was on (discord.py logs every request)
    for request in fake_discord.requests:
        seen = json.dumps([request.path, request.query, request.body, request.response],
                          default=str)
        assert SECRET_TOKEN not in seen, f"the token went out in {request}"
    frames = [f.op for f in fake_discord.recorder.frames
              if SECRET_TOKEN in json.dumps(f.data, default=str)]
    assert set(frames) <= {2, 6}  # IDENTIFY and RESUME: where Discord needs it
    files = await asyncio.to_thread(h.bot.store.export)
    assert set(exported.callback.files) == set(files)
    assert all(SECRET_TOKEN.encode() not in data for data in files.values())
    stored = await asyncio.to_thread(
        lambda: {str(p): p.read_bytes() for p in Path(data_dir).rglob("*") if p.is_file()})
    assert stored and all(SECRET_TOKEN.encode() not in data for data in stored.values())
