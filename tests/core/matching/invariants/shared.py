"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

import random

import pytest

from bot.core.knowledge.models import KnowledgeBase

pytestmark = pytest.mark.usefixtures("lexical_only")


"""The lexical index and its twins (the meaning signal has its own tests)."""


PIECES = [
    "can't", "cant", "won't", "wont", "I'm", "you're", "we've", "they'll", "he'd", "it's",
    "1,000", "12,345,678", "a,b", "1,00", "$127,712", "<@123>", "<@!123>", "<#55>",
    "<:smile:1234>", "<a:x:1>", "<t:123:R>", "<id:home>", "</cmd sub:123>", "@everyone",
    "@here", "http://x.com/a,b's", ":thumbs_up:", ":a:b:", "ÄÖ", "é", "’", "don’t", "\u200b",
    "🤔", "ＭＬ", "ß", "_", "x_y", "Hello", "WORLD", "42", "\n", "\t", "'", "`", ",", "\x1e",
    "\x00", "ML", "mle", "salary", "a i", "u s", "make", "much", "phd", "ph d", "comp sci",
    "machien", "enginer", "a" * 30, "data", "science", "Pay:", "a:b", "x:/y", ":", "HTTPS://Y.org",
]


def random_texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14))) for _ in range(count)]
    return [*texts, "x" * 600 + "can't", "é" * 10 + "a" * 600, ""]


def kb_texts(knowledge: KnowledgeBase) -> list[str]:
    return [t for f in knowledge.facts.values() for t in (*f.phrasings, *f.keywords, f.answer)]
