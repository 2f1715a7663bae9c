"""`/kb add`, `/kb edit`, `/kb remove`, `/kb alias`: changing the facts themselves."""

from __future__ import annotations

import discord
from discord import app_commands

from bot import texts
from bot.core.knowledge.models import Fact
from bot.discord import checks as gate
from bot.discord.deadline import update
from bot.discord.errors import doing
from bot.discord.exts.kb.plumbing import KbPlumbing, actor_of
from bot.discord.exts.kb.targets import LAYER_CHOICES
from bot.discord.limits import clip
from bot.discord.ui.fact_form import FactForm, FormValues, new_fact_id
from bot.discord.ui.kb_views import ConfirmView


class EditCommands(KbPlumbing):
    """Changing the facts: a form to add or edit one, a confirmation to remove one, one
    phrasing attached by command."""

    def _add_form(self, topic_id: str, values: FormValues, layer: str | None = None) -> FactForm:
        async def submit(interaction: discord.Interaction, submitted: FormValues) -> None:
            gate.ensure_allowed(self.settings, interaction)
            where = self._target(interaction, layer)
            taken = {f.id for f in self._facts_here(interaction.guild_id)}
            taken |= set(self.bot.service.knowledge.facts)
            fact = submitted.to_fact(new_fact_id(submitted.question, taken))
            self._retry(interaction, lambda: self._add_form(topic_id, submitted, layer))
            result = await self._edit(interaction, where.store.add_fact, topic_id, fact,
                                      actor=actor_of(interaction.user), where=where)
            await self._applied(interaction, result,
                                texts.ADDED.format(fact=fact.id, topic=topic_id), where)

        return FactForm(texts.FORM_NEW, values, submit)

    @app_commands.command(name="add", description="Add a fact (opens a form)")
    @app_commands.describe(topic="The topic the fact belongs to",
                           layer="Which knowledge (default: the shared base in an admin "
                                 "server, this server's own elsewhere)")
    @app_commands.choices(layer=LAYER_CHOICES)
    async def add(self, interaction: discord.Interaction, topic: str,
                  layer: str | None = None) -> None:
        where = self._target(interaction, layer)
        if topic not in {t.id for t in where.topics}:
            await self._say(interaction, texts.NO_TOPIC.format(topic=clip(topic, 64)))
            return
        await interaction.response.send_modal(self._add_form(topic, FormValues(), layer))

    add.autocomplete("topic")(KbPlumbing.topic_autocomplete)

    def _edit_form(self, base: Fact, values: FormValues) -> FactForm:
        async def submit(interaction: discord.Interaction, submitted: FormValues) -> None:
            gate.ensure_allowed(self.settings, interaction)
            found = await self._fact_or_say(interaction, base.id)
            if found is None:
                return
            where = found[0]
            new = submitted.to_fact(base.id, base=base)
            self._retry(interaction, lambda: self._edit_form(base, submitted))
            result = await self._edit(interaction, where.store.edit_fact, base.id, new,
                                      actor=actor_of(interaction.user), base=base, where=where)
            await self._applied(interaction, result, texts.SAVED.format(fact=base.id), where)

        return FactForm(texts.FORM_EDIT.format(fact=base.id), values, submit)

    @app_commands.command(name="edit", description="Edit a fact (opens the form, filled in)")
    async def edit(self, interaction: discord.Interaction, fact: str) -> None:
        found = await self._fact_or_say(interaction, fact)
        if found is None:
            return
        current = found[1]
        await interaction.response.send_modal(self._edit_form(current, FormValues.of(current)))

    edit.autocomplete("fact")(KbPlumbing.fact_autocomplete)

    @app_commands.command(name="remove", description="Remove a fact (asks to confirm)")
    async def remove(self, interaction: discord.Interaction, fact: str) -> None:
        found = await self._fact_or_say(interaction, fact)
        if found is None:
            return
        where, current = found

        async def confirmed(click: discord.Interaction) -> None:
            doing(click, refused=texts.REFUSED_REMOVE, in_place=view)
            result = await self._edit(click, where.store.remove_fact, fact,
                                      actor=actor_of(click.user), where=where)
            await update(
                click,
                content=texts.REMOVED.format(fact=fact, change=result.change.id)
                + texts.IN_LAYER.format(layer=where.label),
                view=view)
            await self.post_modlog(result.change, click.guild_id)

        view = ConfirmView(self.settings, interaction.user.id, confirmed, label=texts.REMOVE)
        await self._say(interaction, texts.CONFIRM_REMOVE.format(
                            fact=fact, question=clip(current.question, 200)),
                        view=view)

    remove.autocomplete("fact")(KbPlumbing.fact_autocomplete)

    @app_commands.command(name="alias", description="Attach another phrasing to a fact")
    @app_commands.describe(phrasing="How people asked it, e.g. a question the bot missed")
    async def alias(self, interaction: discord.Interaction, fact: str,
                    phrasing: app_commands.Range[str, 1, 200]) -> None:
        found = await self._fact_or_say(interaction, fact)
        if found is None:
            return
        where = found[0]
        result = await self._edit(interaction, where.store.add_alias, fact, phrasing,
                                  actor=actor_of(interaction.user), where=where)
        await self._applied(interaction, result,
                            texts.ALSO_ANSWERS.format(fact=fact, phrasing=clip(phrasing, 200)),
                            where, new_phrasing=(fact, phrasing))

    alias.autocomplete("fact")(KbPlumbing.fact_autocomplete)
