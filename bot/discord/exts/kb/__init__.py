"""`/kb`: moderators edit the knowledge base from Discord (gated, validated, recorded)."""

from bot.discord.client import CareerBot
from bot.discord.exts.kb.cog import KnowledgeAdmin


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(KnowledgeAdmin(bot))
