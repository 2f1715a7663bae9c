"""`/kb` over the real wire: moderators edit the knowledge base; nobody else can."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from discord.ext import commands

from bot import texts
from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from tests.discord_harness import BotMessage, Perm, World
from tests.e2e.careerbot import make_bot, make_settings

PAY = "average-salary"
NEW_PHRASING = "what kind of money do ml folks take home"


@pytest.fixture
def discord_world() -> World:
    world = World.default()
    helper_role = World.default().role("Moderator")  # a role without Manage Server
    world.guild.roles.append(type(helper_role)(helper_role.id, "Helpers", Perm.MEMBER, 1))
    world.add_user("helper", role_ids=(helper_role.id,), permissions=Perm.MEMBER)
    world.add_channel("mod-log")
    return world


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


@pytest.fixture
def kb_settings(tmp_path, knowledge_dir, fake_discord):
    world = fake_discord.world
    return make_settings(
        tmp_path / "data", knowledge_dir=knowledge_dir,
        admin_guilds=frozenset({world.guild.id}),
        moderator_roles=frozenset({world.role("Helpers").id}),
        modlog_channel=world.channel("mod-log").id, watch_interval=0.1,
        cooldown_questions=100,
    )


@pytest.fixture
async def h(start_bot, kb_settings):
    return await start_bot(make_bot(kb_settings))


async def ask(h, question: str):
    """Ask in #general; wait for the answer there (the mod log posts elsewhere meanwhile)."""
    general = h.channel("general")
    since = h.server.mark()
    trigger = await h.post(h.user("alice"), general, question, mention_bot=True)
    request = await h.server.wait_for_request("POST", f"/channels/{general.id}/messages",
                                              since=since)
    return BotMessage(request, h.server.store.get(request.response["id"]), trigger=trigger)


def fact_of(reply) -> str | None:
    votes = [c for c in reply.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


# -- who may ---------------------------------------------------------------------------------

KB_CALLS = {
    "add": {"topic": "pay"},
    "edit": {"fact": PAY},
    "remove": {"fact": PAY},
    "alias": {"fact": PAY, "phrasing": NEW_PHRASING},
    "unanswered": {},
    "history": {},
    "revert": {"change": 1},
    "reload": {},
    "export": {},
    "import": None,  # needs an upload: built in the test
    "stats": {},
}


def test_every_kb_command_is_gated_in_the_tree(h):
    group = h.bot.tree.get_command("kb")
    assert group is not None
    names = {c.name for c in group.walk_commands()}
    assert names == set(KB_CALLS)
    assert group.default_permissions.manage_guild
    assert group.guild_only
    cog = h.bot.get_cog("KnowledgeAdmin")
    # The cog's own check (the gate), not discord.py's default that lets everyone through.
    assert type(cog).interaction_check is not commands.GroupCog.interaction_check


@pytest.mark.parametrize("command", sorted(KB_CALLS))
async def test_non_moderator_is_refused_and_nothing_changes(h, fake_discord, knowledge_dir,
                                                            command):
    before = snapshot(knowledge_dir)
    options = KB_CALLS[command]
    if options is None:
        options = {"file": fake_discord.upload("pay.yaml", (knowledge_dir / "topics" /
                                                            "pay.yaml").read_bytes())}
    result = await h.slash(h.user("alice"), h.channel("general"), f"kb {command}", **options)
    assert result.type == 4 and result.ephemeral
    assert "Only moderators" in result.content
    assert snapshot(knowledge_dir) == before
    assert not fake_discord.find_requests("POST", f"/channels/{h.channel('mod-log').id}/*")


async def test_autocomplete_is_gated_too(h):
    refused = await h.autocomplete(h.user("alice"), h.channel("general"), "kb edit", "fact", "")
    allowed = await h.autocomplete(h.user("mod"), h.channel("general"), "kb edit", "fact", "av")
    assert refused == []
    assert allowed and allowed[0]["value"] == PAY


async def test_a_server_that_is_not_an_admin_server_keeps_the_shared_base_as_is(
        start_bot, kb_settings, fake_discord, knowledge_dir):
    """Its moderators may keep facts of its own (tests/e2e/test_server_knowledge.py), but the
    shared knowledge base is changed only from the admin servers."""
    from dataclasses import replace

    other = replace(kb_settings, admin_guilds=frozenset({12345}))
    h = await start_bot(make_bot(other))
    before = snapshot(knowledge_dir)
    result = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                           phrasing=NEW_PHRASING)
    assert "changed only from the bot's admin servers" in result.content
    shared = await h.slash(h.user("mod"), h.channel("general"), "kb reload", layer="shared")
    assert "CAREERBOT_ADMIN_GUILDS" in shared.content
    assert snapshot(knowledge_dir) == before


async def test_moderator_role_may_edit(h):
    result = await h.slash(h.user("helper"), h.channel("general"), "kb alias", fact=PAY,
                           phrasing=NEW_PHRASING)
    assert "now also answers" in result.content


# -- what moderators do ------------------------------------------------------------------------


async def test_alias_answers_at_once_and_is_posted_to_the_mod_log(h, fake_discord, knowledge_dir):
    assert fact_of(await ask(h, NEW_PHRASING)) != PAY
    result = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                           phrasing=NEW_PHRASING)
    assert "now also answers" in result.content
    modlog = h.channel("mod-log")
    posted = await fake_discord.wait_for_request("POST", f"/channels/{modlog.id}/messages")
    assert "mod" in str(posted.body)
    assert fact_of(await ask(h, NEW_PHRASING)) == PAY
    assert NEW_PHRASING in (knowledge_dir / "topics" / "pay.yaml").read_text()


async def test_alias_taken_by_another_fact_is_refused(h, knowledge_dir):
    before = snapshot(knowledge_dir)
    other = load_knowledge_base(knowledge_dir).facts["degree-required"].question
    result = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                           phrasing=other)
    assert "already belongs to fact 'degree-required'" in result.content
    assert snapshot(knowledge_dir) == before


async def test_add_by_form_answers_at_once(h, knowledge_dir):
    opened = await h.slash(h.user("mod"), h.channel("general"), "kb add", topic="pay")
    assert opened.type == 9
    question = "Do machine learning engineers earn over six figures?"
    saved = await h.submit_modal(h.user("mod"), opened, {
        "Question": question,
        "Other phrasings (one per line)": "do mles make six figures\nis mle pay 100k plus",
        "Answer": "Often, yes: the 2022 article says ML engineers often earn over six figures.",
        "Source id (see /sources)": "ml-engineer-article-2022",
        "Quote from the source": "often over six figures",
    })
    assert "Added" in saved.content and "it answers now" in saved.content
    reply = await ask(h, "do mles make six figures")
    assert fact_of(reply).startswith("do-machine-learning-engineers-earn-over-six")
    assert question in (knowledge_dir / "topics" / "pay.yaml").read_text()


async def test_refused_form_loses_nothing(h, knowledge_dir):
    before = snapshot(knowledge_dir)
    opened = await h.slash(h.user("mod"), h.channel("general"), "kb add", topic="pay")
    typed = {
        "Question": "Is this a brand new question?",
        "Other phrasings (one per line)": "",
        "Answer": "Some answer.",
        "Source id (see /sources)": "no-such-source",
        "Quote from the source": "a quote",
    }
    refused = await h.submit_modal(h.user("mod"), opened, typed)
    assert "Not saved" in refused.content and "unknown source 'no-such-source'" in refused.content
    assert snapshot(knowledge_dir) == before
    reopened = await h.click(h.user("mod"), refused, label="Fix and try again")
    assert reopened.type == 9
    values = {c["custom_id"]: c.get("value") for row in reopened.modal["components"]
              for c in row.get("components", [row.get("component", {})])}
    assert "Is this a brand new question?" in values.values()
    assert "no-such-source" in values.values()


async def test_edit_form_is_filled_in(h, knowledge_dir):
    opened = await h.slash(h.user("mod"), h.channel("general"), "kb edit", fact=PAY)
    assert opened.type == 9
    fields = [c for row in opened.modal["components"]
              for c in row.get("components", [row.get("component", {})])]
    current = load_knowledge_base(knowledge_dir).facts[PAY]
    assert any(f.get("value") == current.question for f in fields)
    saved = await h.submit_modal(h.user("mod"), opened, {"Answer": current.answer + " Edited."})
    assert "Saved" in saved.content
    assert load_knowledge_base(knowledge_dir).facts[PAY].answer.endswith("Edited.")


async def test_remove_needs_confirmation_then_revert(h, knowledge_dir):
    fact = "automation-demand-covid"
    asked = "did covid increase demand for automation"
    asking = await h.slash(h.user("mod"), h.channel("general"), "kb remove", fact=fact)
    assert fact in load_knowledge_base(knowledge_dir).facts  # not yet
    done = await h.click(h.user("mod"), asking, label="Remove")
    assert done.type == 7 and "Removed" in done.data["content"]
    assert fact not in load_knowledge_base(knowledge_dir).facts
    assert fact_of(await ask(h, asked)) != fact
    history = await h.slash(h.user("mod"), h.channel("general"), "kb history")
    change = int(history.message.embeds[0]["description"].split("`#")[1].split("`")[0])
    reverted = await h.slash(h.user("mod"), h.channel("general"), "kb revert", change=change)
    assert "Reverted" in reverted.content
    assert fact in load_knowledge_base(knowledge_dir).facts
    assert fact_of(await ask(h, asked)) == fact


async def test_reload_of_a_broken_file_keeps_the_last_good_knowledge(h, knowledge_dir,
                                                                     discord_errors):
    discord_errors.allow("knowledge files on disk are invalid", logger="bot")
    (knowledge_dir / "topics" / "pay.yaml").write_text("topic: pay\nfacts: [\n")
    result = await h.slash(h.user("mod"), h.channel("general"), "kb reload")
    assert "still answering from the last good knowledge base" in result.content
    assert "invalid YAML" in result.content
    assert fact_of(await ask(h, "how much do ml engineers earn")) == PAY


async def test_files_edited_on_disk_are_picked_up(h, knowledge_dir):
    path = knowledge_dir / "topics" / "pay.yaml"
    text = path.read_text()
    path.write_text(text.replace("question: How much does a machine learning engineer earn",
                                 "question: What is the typical wage of an ML engineer"))
    for _ in range(100):  # the watcher polls every 0.1 s and waits for the files to settle
        if h.bot.service.knowledge.facts[PAY].question.startswith("What is the typical wage"):
            break
        await asyncio.sleep(0.05)
    assert h.bot.service.knowledge.facts[PAY].question.startswith("What is the typical wage")


async def test_export_and_import(h, fake_discord, knowledge_dir):
    exported = await h.slash(h.user("mod"), h.channel("general"), "kb export")
    names = set(exported.callback.files)
    assert {"sources.yaml", "pay.yaml", "skills.yaml"} <= names
    changed = (knowledge_dir / "topics" / "pay.yaml").read_text().replace(
        "alternates:", "alternates:\n      - how big is an mle paycheck", 1)
    upload = fake_discord.upload("pay.yaml", changed.encode())
    preview = await h.slash(h.user("mod"), h.channel("general"), "kb import", file=upload)
    assert "This would change" in preview.message.content
    assert not preview.thinking
    assert "how big is an mle paycheck" not in (knowledge_dir / "topics" / "pay.yaml").read_text()
    applied = await h.click(h.user("mod"), preview, label="Apply")
    assert "Imported" in applied.data["content"]
    assert "how big is an mle paycheck" in (knowledge_dir / "topics" / "pay.yaml").read_text()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("../evil.yaml", b"topic: x\n", "name"),
    ("pay.yaml", b"topic: !!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
    ("pay.yaml", b"\xff\xfe\x00", "UTF-8"),
])
async def test_bad_imports_are_refused(h, fake_discord, knowledge_dir, name, data, message):
    before = snapshot(knowledge_dir)
    upload = fake_discord.upload(name, data)
    result = await h.slash(h.user("mod"), h.channel("general"), "kb import", file=upload)
    text = " ".join(m.content for m in result.webhook_messages) + result.content
    assert "Not saved" in text and message in text
    assert snapshot(knowledge_dir) == before


async def test_unanswered_then_attach_in_one_click(h):
    missed = "what do ml people take home each month"
    assert fact_of(await ask(h, missed)) is None
    await h.bot.database.flush()
    listing = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    assert missed in listing.message.embeds[0]["description"]
    selects = [c for row in listing.message.components for c in row["components"]
               if c["type"] == 3]
    picked = await h.click(h.user("mod"), listing, selects[0]["custom_id"], values=["0"])
    assert picked.type == 7
    attach = [c for row in listing.message.components for c in row["components"]
              if c["type"] == 3][1]
    assert not attach.get("disabled")
    done = await h.click(h.user("mod"), listing, attach["custom_id"], values=[PAY])
    assert "now also answers" in done.content
    assert fact_of(await ask(h, missed)) == PAY


async def test_the_queue_says_which_declines_are_about_something_else(h):
    """A question about another job is queued as such: the moderator sees why the bot declined
    it, beside a plain miss (which attaching to a fact would fix)."""
    assert fact_of(await ask(h, "how much does a nurse make")) is None
    assert fact_of(await ask(h, "what do ml people take home each month")) is None
    await h.bot.database.flush()
    listing = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    lines = listing.message.embeds[0]["description"].splitlines()
    nurse = next(line for line in lines if "nurse" in line)
    assert nurse.endswith("1 declined, about another job: nurse")
    plain = next(line for line in lines if "take home" in line)
    assert plain.endswith("1 declined")


async def test_not_helpful_queues_what_was_asked_then_attach(h):
    """The vote queues the asker's words (not the fact's own question); attached in one click,
    those words then reach the fact the moderator chose."""
    asked = "what sort of cash does an ml engineer pull in"
    reply = await ask(h, asked)
    wrong = fact_of(reply)
    assert wrong is not None
    unhelpful = next(c for c in reply.custom_ids if c.startswith("cb:vote:") and c.endswith(":0"))
    await h.click(h.user("alice"), reply, unhelpful)
    await h.bot.database.flush()
    listing = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    description = listing.message.embeds[0]["description"]
    assert asked in description and "not helpful" in description
    assert h.bot.service.fact(wrong).question not in description
    right = next(f for f in h.bot.service.knowledge.facts if f != wrong)
    selects = [c for row in listing.message.components for c in row["components"]
               if c["type"] == 3]
    await h.click(h.user("mod"), listing, selects[0]["custom_id"], values=["0"])
    attach = [c for row in listing.message.components for c in row["components"]
              if c["type"] == 3][1]
    done = await h.click(h.user("mod"), listing, attach["custom_id"], values=[right])
    assert "now also answers" in done.content
    assert fact_of(await ask(h, asked)) == right


async def test_saying_an_answer_is_wrong_queues_what_was_asked(h):
    """ "that's wrong" after an answer, or in reply to it, is a "not helpful" vote on that
    answer: the moderators' queue gets the asker's words. With no answer before it, the
    reply says how to flag one, and nothing is queued."""
    general = h.channel("general")
    lone = await h.say(h.user("bob"), general, "that's wrong", mention_bot=True)
    assert lone.text == texts.SMALL_TALK["correction"]
    asked = "what sort of cash does an ml engineer pull in"
    reply = await ask(h, asked)
    assert fact_of(reply) is not None
    said = await h.say(h.user("alice"), general, "no, that's not what i asked",
                       mention_bot=True)
    assert said.text == texts.CORRECTION_NOTED
    other = "is ml engineering a good career"
    answered = await ask(h, other)
    replied = await h.say(h.user("bob"), general, "that's wrong", reply_to=answered)
    assert replied.text == texts.CORRECTION_NOTED
    await h.bot.database.flush()
    listing = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    lines = listing.message.embeds[0]["description"].splitlines()
    assert any(asked in line and "not helpful" in line for line in lines)
    assert any(other in line and "not helpful" in line for line in lines)
    assert not any("wrong" in line for line in lines)


async def test_the_queue_is_the_servers_own_and_everywhere_is_the_owners(h):
    """A question asked elsewhere (here: in a DM) is not in this server's queue; the bot's
    owner sees every server's with `everywhere`, a moderator who is not the owner is refused."""
    in_dm = "can my cat learn machine learning"
    assert "don't know" in (await h.dm(h.user("alice"), in_dm)).text
    await h.bot.database.flush()
    here = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered")
    assert in_dm not in str(here.data)
    refused = await h.slash(h.user("helper"), h.channel("general"), "kb unanswered",
                            everywhere=True)
    assert refused.ephemeral and "owner" in refused.content
    everywhere = await h.slash(h.user("mod"), h.channel("general"), "kb unanswered",
                               everywhere=True)
    assert in_dm in everywhere.message.embeds[0]["description"]
    stats = await h.slash(h.user("mod"), h.channel("general"), "kb stats", everywhere=True)
    assert stats.callback.files == ("questions.png",)


async def test_stats_with_a_chart(h):
    await ask(h, "how much do ml engineers earn")
    await h.bot.database.flush()
    result = await h.slash(h.user("mod"), h.channel("general"), "kb stats", period="week")
    assert result.callback.files == ("questions.png",)
    embed = result.data["embeds"][0]
    assert any(f["name"] == "Questions" for f in embed["fields"])


async def test_concurrent_edits_from_many_moderators_all_land(start_bot, kb_settings,
                                                              fake_discord, knowledge_dir):
    """40 aliases and 10 form edits, from 10 moderators, all at once: every one lands."""
    world = fake_discord.world
    moderator_role = world.role("Moderator").id
    moderators = [world.add_user(f"mod{i}", role_ids=(moderator_role,), permissions=Perm.MODERATOR)
                  for i in range(10)]
    h = await start_bot(make_bot(kb_settings))
    general = h.channel("general")
    facts = list(load_knowledge_base(knowledge_dir).facts)
    aliased, edited = facts[:20], facts[20:30]

    async def alias(i: int):
        return await h.slash(moderators[i % 10], general, "kb alias", fact=aliased[i % 20],
                             phrasing=f"concurrent phrasing number {i}", timeout=20)

    async def edit(i: int):
        who = moderators[i % 10]
        opened = await h.slash(who, general, "kb edit", fact=edited[i])
        current = load_knowledge_base(knowledge_dir).facts[edited[i]]
        result = await h.submit_modal(who, opened, {"Answer": f"{current.answer} (edit {i})"})
        if result.type == 5:  # slow under the lock: "thinking…", then the verdict
            await result.next_message(timeout=20)
        return result

    results = await asyncio.gather(*[alias(i) for i in range(40)],
                                   *[edit(i) for i in range(10)])
    assert all("now also answers" in r.content or "Saved" in r.content for r in results), [
        r.content for r in results]
    knowledge = load_knowledge_base(knowledge_dir)
    phrasings = {p for f in knowledge.facts.values() for p in f.alternates}
    assert all(f"concurrent phrasing number {i}" in phrasings for i in range(40))
    assert all(knowledge.facts[edited[i]].answer.endswith(f"(edit {i})") for i in range(10))


async def test_alias_that_reads_like_another_fact_is_flagged(h, knowledge_dir):
    """Attaching a phrasing worded like another fact's question works, with a warning that
    questions asked that way may still go to the other fact; a fitting phrasing gets none."""
    stray = "do i need a bachelors degree for it"
    result = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                           phrasing=stray)
    assert "now also answers" in result.content
    assert "reads more like `degree-required`" in result.content
    fitting = await h.slash(h.user("mod"), h.channel("general"), "kb alias", fact=PAY,
                            phrasing="how much cash do ml engineers take home")
    assert "now also answers" in fitting.content and "reads more like" not in fitting.content
