"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

from bot.core.knowledge.models import Fact, KnowledgeBase


def small_kb() -> KnowledgeBase:
    return KnowledgeBase.from_facts([
        Fact(id=f"f{i}", question=q, answer="a")
        for i, q in enumerate(["how much do ml engineers earn", "what degree do i need",
                               "is ml hard to learn", "what does an ml engineer do"])
    ])


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.info, self.texts = inner, inner.info, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)

    def embed_one(self, text):
        return self.inner.embed_one(text)
