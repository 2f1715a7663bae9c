"""`/kb`: moderators keep the knowledge base up to date from Discord.

Every command is gated once, on the group (see gate.py). Every change goes through the
`KnowledgeStore` (validated, atomic, locked, recorded in the history), off the event loop, then
the bot answers from the new knowledge base at once and the change is posted to the mod log.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import zipfile
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import questions_per_day
from bot.client import CareerBot
from bot.editing import (
    EDIT_ERRORS,
    MAX_IMPORT_FILE_BYTES,
    MAX_IMPORT_TOTAL_BYTES,
    Change,
    EditRejected,
    EditResult,
)
from bot.exts.kb import gate
from bot.exts.kb.forms import FactForm, FormValues, RetryView, new_fact_id
from bot.exts.kb.views import ConfirmView, MissedView
from bot.knowledge.errors import Issue
from bot.knowledge.models import Fact
from bot.matching.overlaps import reads_like
from bot.missed import MissedGroup, group_missed
from bot.storage.database import StorageUnavailable
from bot.ui.deadline import respond, update, within_deadline
from bot.ui.embeds import ANSWER_COLOUR, clip

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
ATTACHMENTS_LIMIT = 10
MAX_CHANGE_ID = 2**53
PERIODS = {"day": 1, "week": 7, "month": 30}


def actor_of(user: discord.abc.User) -> str:
    return f"{user.name} ({user.id})"


def issues_text(issues: tuple[Issue, ...] | list[Issue], header: str) -> str:
    lines = [header] + [f"• {clip(str(i), 300)}" for i in issues[:15]]
    if len(issues) > 15:
        lines.append(f"… and {len(issues) - 15} more")
    return clip("\n".join(lines), MESSAGE_LIMIT)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class KnowledgeAdmin(commands.GroupCog, group_name="kb",
                     group_description="Moderators: keep the knowledge base up to date"):
    """The `/kb` group. `interaction_check` gates every subcommand at run time; Discord's
    `default_permissions` (Manage Server) only hides the group in its UI."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self._tasks: set[asyncio.Task] = set()
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await gate.check(self.settings, interaction)

    # -- plumbing ------------------------------------------------------------------------

    @property
    def store(self):
        return self.bot.store

    async def _run(self, interaction: discord.Interaction, func: Callable[..., Any],
                   *args: Any, **kwargs: Any) -> Any:
        """Run a store operation off the event loop, within Discord's deadline."""
        return await within_deadline(interaction, asyncio.to_thread(func, *args, **kwargs))

    async def _say(self, interaction: discord.Interaction, content: str | None = None,
                   **kwargs: Any) -> None:
        kwargs.setdefault("ephemeral", True)
        await respond(interaction, content, **kwargs)

    async def _applied(self, interaction: discord.Interaction, result: EditResult,
                       message: str, *, new_phrasing: tuple[str, str] | None = None) -> None:
        """An edit landed: answer from it now, tell the moderator, post it to the mod log.
        With `new_phrasing` (fact id, phrasing), also say if the phrasing reads more like
        another fact."""
        self.bot.service.replace(result.knowledge)
        text = f"{message} (change #{result.change.id})"
        if new_phrasing is not None:
            other = reads_like(self.bot.service.matcher, *new_phrasing)
            if other is not None:
                text += (f"\n⚠️ Worded like this it reads more like `{other}`: questions asked"
                         f" that way may still get `{other}`'s answer. If it belongs there,"
                         " `/kb revert` this change and attach it to that fact.")
        await self._say(interaction, text)
        await self.post_modlog(result.change)

    async def _refused(self, interaction: discord.Interaction, error: Exception,
                       retry: Callable[[], FactForm] | None = None) -> None:
        if isinstance(error, EditRejected):
            text = issues_text(error.issues, "Not saved: the knowledge base would be invalid.")
        else:
            text = f"Not saved: {error}"
        view = RetryView(interaction.user.id, retry) if retry else discord.utils.MISSING
        await self._say(interaction, clip(text, MESSAGE_LIMIT), view=view)

    async def _fact_or_say(self, interaction: discord.Interaction, fact_id: str) -> Fact | None:
        fact = self.bot.service.knowledge.facts.get(fact_id)
        if fact is None:
            await self._say(interaction, f"There is no fact `{clip(fact_id, 64)}`.")
        return fact

    async def post_modlog(self, change: Change) -> None:
        """Post the change to the mod log in the background (the moderator is not kept waiting;
        a failure is a warning, never a failed edit)."""
        if self.settings.modlog_channel is None:
            return
        task = asyncio.create_task(self._post_modlog(change))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_modlog(self, change: Change) -> None:
        channel_id = self.settings.modlog_channel
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("CAREERBOT_MODLOG_CHANNEL %s is not a channel the bot can see",
                        channel_id)
            return
        embed = discord.Embed(title=clip(f"Knowledge base change #{change.id}", 256),
                              description=clip(change.summary, 4096), colour=ANSWER_COLOUR)
        embed.add_field(name="By", value=clip(change.actor, 1024))
        embed.add_field(name="When", value=f"<t:{int(change.at)}:f>")
        try:
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("cannot post to the mod log channel %s: %s", channel_id, exc)

    async def fact_autocomplete(self, interaction: discord.Interaction,
                                current: str) -> list[app_commands.Choice[str]]:
        # Discord runs autocomplete without the group's check: apply the gate here too.
        if gate.refusal(self.settings, interaction) is not None:
            return []
        service = self.bot.service
        typed = current.strip().lower()
        facts = [f for f in service.knowledge.facts.values() if f.id.startswith(typed)]
        if typed:  # ids first (moderators know them), then questions that fit the words
            facts += [f for f in service.complete(current, limit=25) if f not in facts]
        return [app_commands.Choice(name=clip(f"{f.id}: {f.question}", 100), value=f.id)
                for f in facts[:25]]

    async def topic_autocomplete(self, interaction: discord.Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        if gate.refusal(self.settings, interaction) is not None:
            return []
        topics = self.bot.service.knowledge.topics
        return [app_commands.Choice(name=clip(t.title, 100), value=t.id) for t in topics
                if current.lower() in (t.id + " " + t.title).lower()][:25]

    # -- add / edit / remove / alias -----------------------------------------------------

    def _add_form(self, topic_id: str, values: FormValues) -> FactForm:
        async def submit(interaction: discord.Interaction, submitted: FormValues) -> None:
            if not await gate.check(self.settings, interaction):
                return
            taken = set(self.bot.service.knowledge.facts)
            fact = submitted.to_fact(new_fact_id(submitted.question, taken))
            try:
                result = await self._run(interaction, self.store.add_fact, topic_id, fact,
                                         actor=actor_of(interaction.user))
            except EDIT_ERRORS as exc:
                await self._refused(interaction, exc, lambda: self._add_form(topic_id, submitted))
                return
            await self._applied(interaction, result,
                                f"Added `{fact.id}` to topic `{topic_id}`: it answers now.")

        return FactForm("New fact", values, submit)

    @app_commands.command(name="add", description="Add a fact (opens a form)")
    @app_commands.describe(topic="The topic the fact belongs to")
    async def add(self, interaction: discord.Interaction, topic: str) -> None:
        if self.bot.service.knowledge.topic(topic) is None:
            await self._say(interaction, f"There is no topic `{clip(topic, 64)}`.")
            return
        await interaction.response.send_modal(self._add_form(topic, FormValues()))

    add.autocomplete("topic")(topic_autocomplete)

    def _edit_form(self, base: Fact, values: FormValues) -> FactForm:
        async def submit(interaction: discord.Interaction, submitted: FormValues) -> None:
            if not await gate.check(self.settings, interaction):
                return
            new = submitted.to_fact(base.id, base=base)
            try:
                result = await self._run(interaction, self.store.edit_fact, base.id, new,
                                         actor=actor_of(interaction.user), base=base)
            except EDIT_ERRORS as exc:
                await self._refused(interaction, exc, lambda: self._edit_form(base, submitted))
                return
            await self._applied(interaction, result, f"Saved `{base.id}`.")

        return FactForm(f"Edit {base.id}", values, submit)

    @app_commands.command(name="edit", description="Edit a fact (opens the form, filled in)")
    async def edit(self, interaction: discord.Interaction, fact: str) -> None:
        current = await self._fact_or_say(interaction, fact)
        if current is None:
            return
        await interaction.response.send_modal(self._edit_form(current, FormValues.of(current)))

    edit.autocomplete("fact")(fact_autocomplete)

    @app_commands.command(name="remove", description="Remove a fact (asks to confirm)")
    async def remove(self, interaction: discord.Interaction, fact: str) -> None:
        current = await self._fact_or_say(interaction, fact)
        if current is None:
            return

        async def confirmed(click: discord.Interaction) -> None:
            try:
                result = await self._run(click, self.store.remove_fact, fact,
                                         actor=actor_of(click.user))
            except EDIT_ERRORS as exc:
                await update(click, content=clip(f"Not removed: {exc}", 2000), view=view)
                return
            self.bot.service.replace(result.knowledge)
            await update(
                click,
                content=f"Removed `{fact}` (change #{result.change.id}; `/kb revert` undoes it).",
                view=view)
            await self.post_modlog(result.change)

        view = ConfirmView(self.settings, interaction.user.id, confirmed, label="Remove")
        await self._say(interaction, f"Remove `{fact}`: *{clip(current.question, 200)}*?",
                        view=view)

    remove.autocomplete("fact")(fact_autocomplete)

    @app_commands.command(name="alias", description="Attach another phrasing to a fact")
    @app_commands.describe(phrasing="How people asked it, e.g. a question the bot missed")
    async def alias(self, interaction: discord.Interaction, fact: str,
                    phrasing: app_commands.Range[str, 1, 200]) -> None:
        try:
            result = await self._run(interaction, self.store.add_alias, fact, phrasing,
                                     actor=actor_of(interaction.user))
        except EDIT_ERRORS as exc:
            await self._refused(interaction, exc)
            return
        await self._applied(interaction, result,
                            f"`{fact}` now also answers *{clip(phrasing, 200)}*.",
                            new_phrasing=(fact, phrasing))

    alias.autocomplete("fact")(fact_autocomplete)

    # -- missed questions ----------------------------------------------------------------

    @app_commands.command(name="unanswered",
                          description="Questions the bot declined or that got 'not helpful'")
    async def unanswered(self, interaction: discord.Interaction) -> None:
        if self.bot.database is None:
            await self._say(interaction, "No database: nothing was recorded.")
            return
        try:
            rows = await within_deadline(interaction, self.bot.database.missed_questions())
        except StorageUnavailable as exc:
            await self._say(interaction, f"Cannot read the missed questions: {exc}.")
            return
        groups = group_missed(rows)
        if not groups:
            await self._say(interaction, "Nothing missed: every question was answered. 🎉")
            return
        lines = [f"**{g.count}×** {clip(g.question, 150)}"
                 f" — {', '.join(f'{n} {why}' for why, n in g.reasons.items())}"
                 for g in groups[:15]]
        embed = discord.Embed(title="Questions the bot missed, most frequent first",
                              description=clip("\n".join(lines), 4096), colour=ANSWER_COLOUR)
        embed.set_footer(text=f"{len(groups)} group(s) of alike questions")

        def suggest(question: str) -> list[Fact]:
            return [f for f, _ in self.bot.service.matcher.rank(question, limit=25)]

        view = MissedView(self.settings, interaction.user.id, groups, suggest,
                          self.bot.service.knowledge.topics, self)
        await self._say(interaction, embed=embed, view=view)

    async def attach(self, interaction: discord.Interaction, fact_id: str,
                     group: MissedGroup) -> None:
        try:
            result = await self._run(interaction, self.store.add_alias, fact_id, group.question,
                                     actor=actor_of(interaction.user))
        except EDIT_ERRORS as exc:
            await self._refused(interaction, exc)
            return
        if self.bot.database is not None:
            await self._dismiss_quietly(group)
        await self._applied(interaction, result,
                            f"`{fact_id}` now also answers *{clip(group.question, 200)}*.",
                            new_phrasing=(fact_id, group.question))

    async def new_fact(self, interaction: discord.Interaction, topic_id: str,
                       group: MissedGroup) -> None:
        await interaction.response.send_modal(
            self._add_form(topic_id, FormValues(question=group.question[:100])))

    async def dismiss(self, interaction: discord.Interaction, group: MissedGroup) -> None:
        if await self._dismiss_quietly(group, interaction):
            await self._say(interaction, f"Dismissed *{clip(group.question, 200)}*.")
        else:
            await self._say(interaction, "Could not dismiss it: the database is unavailable.")

    async def _dismiss_quietly(self, group: MissedGroup,
                               interaction: discord.Interaction | None = None) -> bool:
        try:
            work = self.bot.database.dismiss(list(group.wordings))
            await (within_deadline(interaction, work) if interaction else work)
        except StorageUnavailable:
            return False
        return True

    # -- history / revert / reload -------------------------------------------------------

    @app_commands.command(name="history", description="Recent changes, with who and when")
    async def history(self, interaction: discord.Interaction, fact: str | None = None) -> None:
        try:
            changes = await self._run(interaction, self.store.changes, fact, 15)
        except EDIT_ERRORS as exc:
            await self._say(interaction, f"Cannot read the history: {exc}")
            return
        if not changes:
            await self._say(interaction, "No changes recorded yet.")
            return
        lines = [f"`#{c.id}` <t:{int(c.at)}:R> **{clip(c.actor, 60)}**: {clip(c.summary, 200)}"
                 for c in changes]
        title = f"Changes to `{fact}`" if fact else "Latest changes"
        embed = discord.Embed(title=clip(title, 256), description=clip("\n".join(lines), 4096),
                              colour=ANSWER_COLOUR)
        embed.set_footer(text="/kb revert change:<number> undoes one")
        await self._say(interaction, embed=embed)

    history.autocomplete("fact")(fact_autocomplete)

    @app_commands.command(name="revert", description="Undo a change (itself recorded)")
    async def revert(self, interaction: discord.Interaction,
                     change: app_commands.Range[int, 1, MAX_CHANGE_ID]) -> None:
        if type(change) is not int or not 1 <= change <= MAX_CHANGE_ID:
            await self._say(interaction, "There is no such change: see `/kb history`.")
            return  # a crafted interaction (Discord checks the range in its own client)
        try:
            result = await self._run(interaction, self.store.revert, change,
                                     actor=actor_of(interaction.user))
        except EDIT_ERRORS as exc:
            await self._refused(interaction, exc)
            return
        await self._applied(interaction, result, f"Reverted change #{change}.")

    @app_commands.command(name="reload", description="Re-read the knowledge files from disk")
    async def reload(self, interaction: discord.Interaction) -> None:
        report = await self._run(interaction, self.store.load)
        if report.knowledge is None:
            await self._say(interaction, issues_text(
                report.issues, "The files on disk are invalid: still answering from the last "
                               "good knowledge base. Problems:"))
            return
        self.bot.service.replace(report.knowledge)
        kb = report.knowledge
        await self._say(interaction, f"Reloaded: {len(kb.facts)} facts in {len(kb.topics)} "
                                     "topics.")

    # -- export / import -----------------------------------------------------------------

    @app_commands.command(name="export", description="The knowledge base as YAML files")
    async def export(self, interaction: discord.Interaction) -> None:
        files = await self._run(interaction, self.store.export)
        if len(files) <= ATTACHMENTS_LIMIT:
            attachments = [discord.File(io.BytesIO(data), filename=name)
                           for name, data in sorted(files.items())]
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in sorted(files.items()):
                    archive.writestr(name, data)
            buffer.seek(0)
            attachments = [discord.File(buffer, filename="knowledge.zip")]
        await self._say(interaction, f"{len(files)} file(s).", files=attachments)

    @app_commands.command(name="import",
                          description="Replace topic files with an uploaded YAML file")
    async def import_(self, interaction: discord.Interaction,
                      file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_FILE_BYTES or file.size > MAX_IMPORT_TOTAL_BYTES:
            await self._say(interaction, f"`{clip(file.filename, 100)}` is {file.size:,} bytes; "
                                         f"the limit is {MAX_IMPORT_FILE_BYTES:,}.")
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        interaction.extras["thinking"] = True
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            await self._say(interaction, f"Cannot download the attachment: {exc.text or exc}")
            return
        files = {file.filename: data}
        actor = actor_of(interaction.user)
        try:
            summary = await self._run(interaction, self.store.import_topics, files, actor=actor,
                                      apply=False)
        except EDIT_ERRORS as exc:
            await self._refused(interaction, exc)
            return
        if not summary.has_changes:
            await self._say(interaction, "That file changes nothing.")
            return

        async def confirmed(click: discord.Interaction) -> None:
            try:
                applied = await self._run(click, self.store.import_topics, files, actor=actor,
                                          apply=True)
            except EDIT_ERRORS as exc:
                await update(click, content=clip(f"Not imported: {exc}", 2000), view=view)
                return
            if applied.knowledge is not None:
                self.bot.service.replace(applied.knowledge)
            await update(click, content="Imported.", view=view)
            if applied.change is not None:
                await self.post_modlog(applied.change)

        view = ConfirmView(self.settings, interaction.user.id, confirmed, label="Apply")
        await self._say(interaction, clip(f"This would change:\n{summary.describe()}", 2000),
                        view=view)

    # -- stats ---------------------------------------------------------------------------

    @app_commands.command(name="stats", description="Questions, answers and feedback")
    @app_commands.choices(period=[app_commands.Choice(name=k, value=k) for k in PERIODS])
    async def stats(self, interaction: discord.Interaction, period: str = "week") -> None:
        if self.bot.database is None:
            await self._say(interaction, "No database: nothing was recorded.")
            return
        days = PERIODS.get(period, 7)
        since = time.time() - days * 86400
        try:
            stats = await within_deadline(interaction, self.bot.database.stats(since))
        except StorageUnavailable as exc:
            await self._say(interaction, f"Cannot read the statistics: {exc}.")
            return
        share = f"{stats.answered / stats.asked:.0%}" if stats.asked else "–"
        embed = discord.Embed(title=f"The last {period}", colour=ANSWER_COLOUR)
        embed.add_field(name="Questions", value=str(stats.asked))
        embed.add_field(name="Answered", value=f"{stats.answered} ({share})")
        busiest = "\n".join(f"`{f}` {n}×" for f, n in stats.busiest) or "–"
        embed.add_field(name="Busiest facts", value=clip(busiest, 1024), inline=False)
        votes = "\n".join(f"`{f}` 👍 {up} 👎 {down}" for f, up, down in stats.votes) or "–"
        embed.add_field(name="Feedback per fact", value=clip(votes, 1024), inline=False)
        png = await self._run(interaction, questions_per_day, stats.per_day, days,
                              f"Questions in the last {period}")
        embed.set_image(url="attachment://questions.png")
        await self._say(interaction, embed=embed,
                        file=discord.File(io.BytesIO(png), filename="questions.png"))
