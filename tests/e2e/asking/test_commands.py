"""Asking CareerBot over the real wire: /ask, autocomplete, /sources, /help, the context menu
and /topics."""

from __future__ import annotations

from tests.e2e.asking.shared import PAY_QUESTION

# -- application commands ---------------------------------------------------------------------


async def test_slash_ask(careerbot):
    h = careerbot
    result = await h.slash(h.user("alice"), h.channel("general"), "ask", question=PAY_QUESTION)
    assert result.type == 4
    assert "$127,712" in result.message.text
    assert result.data["allowed_mentions"]["parse"] == []


async def test_autocomplete(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    empty = await h.autocomplete(alice, general, "ask", "question", "")
    assert 0 < len(empty) <= 25
    partial = await h.autocomplete(alice, general, "ask", "question", "how much do ml eng")
    assert partial
    assert "earn" in partial[0]["name"].lower()
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in empty + partial)


async def test_sources_and_help(careerbot):
    h = careerbot
    sources = await h.slash(h.user("alice"), h.channel("general"), "sources")
    assert sources.ephemeral
    assert "US Bureau of Labor Statistics" in sources.message.text
    help_ = await h.slash(h.user("alice"), h.channel("general"), "help")
    assert "/ask" in help_.message.text


async def test_context_menu_answers_someone_elses_message(careerbot):
    h = careerbot
    question = await h.post(h.user("bob"), h.channel("general"), "is ml engineering entry level?")
    result = await h.context_menu(h.user("alice"), h.channel("general"),
                                  "Answer with CareerBot", question)
    assert result.type == 4
    assert "Answering" in result.content
    assert "entry-level" in result.message.text.lower()


async def test_topics_browser_pages(careerbot):
    h = careerbot
    alice = h.user("alice")
    result = await h.slash(alice, h.channel("general"), "topics")
    assert result.ephemeral
    first_title = result.message.embeds[0]["title"]
    selects = [c for row in result.message.components for c in row["components"]
               if c["type"] == 3]
    topic_menu = selects[0]
    assert len(topic_menu["options"]) <= 25
    changed = await h.click(alice, result, topic_menu["custom_id"], values=["1"])
    assert changed.type == 7
    assert changed.message.embeds[0]["title"] != first_title
    question_menu = selects[1]
    fact_id = question_menu["options"][0]["value"]
    answered = await h.click(alice, result, question_menu["custom_id"], values=[fact_id])
    assert answered.type == 4 and answered.ephemeral
    stranger = await h.click(h.user("bob"), result, topic_menu["custom_id"], values=["2"])
    assert "belongs to someone else" in stranger.content
