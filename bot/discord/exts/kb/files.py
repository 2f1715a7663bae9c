"""`/kb export` and `/kb import`: the knowledge base as YAML files, out and in."""

from __future__ import annotations

import io
import zipfile

import discord
from discord import app_commands

from bot import texts
from bot.core.editing import MAX_IMPORT_FILE_BYTES, MAX_IMPORT_TOTAL_BYTES
from bot.discord import limits
from bot.discord.deadline import update
from bot.discord.errors import doing
from bot.discord.exts.kb.plumbing import KbPlumbing, actor_of
from bot.discord.exts.kb.targets import LAYER_CHOICES
from bot.discord.limits import clip
from bot.discord.ui.kb_views import ConfirmView

ATTACHMENTS_LIMIT = 10


class FileCommands(KbPlumbing):
    """The topic files out as attachments (zipped past ten), and in after a preview."""

    @app_commands.command(name="export", description="The knowledge base as YAML files")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def export(self, interaction: discord.Interaction, layer: str | None = None) -> None:
        where = self._target(interaction, layer)
        files = await self._run(interaction, where.store.export)
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
        await self._say(interaction, texts.FILES.format(count=len(files)), files=attachments)

    @app_commands.command(name="import",
                          description="Replace topic files with an uploaded YAML file")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def import_(self, interaction: discord.Interaction,
                      file: discord.Attachment, layer: str | None = None) -> None:
        where = self._target(interaction, layer)
        if file.size > MAX_IMPORT_FILE_BYTES or file.size > MAX_IMPORT_TOTAL_BYTES:
            await self._say(interaction, texts.FILE_TOO_LARGE.format(
                name=clip(file.filename, 100), size=file.size, limit=MAX_IMPORT_FILE_BYTES))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        interaction.extras["thinking"] = True
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            await self._say(interaction, texts.CANNOT_DOWNLOAD.format(error=exc.text or exc))
            return
        files = {file.filename: data}
        actor = actor_of(interaction.user)
        summary = await self._run(interaction, where.store.import_topics, files, actor=actor,
                                  apply=False)
        if not summary.has_changes:
            await self._say(interaction, texts.CHANGES_NOTHING)
            return

        async def confirmed(click: discord.Interaction) -> None:
            doing(click, refused=texts.REFUSED_IMPORT, in_place=view)
            applied = await self._edit(click, where.store.import_topics, files, actor=actor,
                                       apply=True, where=where)
            await update(click, content=texts.IMPORTED + texts.IN_LAYER.format(
                layer=where.label), view=view)
            if applied.change is not None:
                await self.post_modlog(applied.change, click.guild_id)

        view = ConfirmView(self.settings, interaction.user.id, confirmed, label=texts.APPLY)
        await self._say(
            interaction, clip(texts.WOULD_CHANGE.format(summary=summary.describe()),
                              limits.MESSAGE),
            view=view)
