"""The shipped knowledge base's matching vocabulary (`knowledge/matching.yaml`), for tests of the
synonym and scope machinery: what the bot reads from data, as one table and one scope."""

from __future__ import annotations

from dataclasses import replace

from bot.core.knowledge.loader import bundled_knowledge_dir, load_knowledge_base
from bot.core.knowledge.models import KnowledgeBase
from bot.core.matching.matcher import scope_of
from bot.core.matching.synonyms import CHAT_SYNONYMS

SHIPPED = load_knowledge_base(bundled_knowledge_dir())
DOMAIN_SYNONYMS = {**CHAT_SYNONYMS, **SHIPPED.vocabulary.synonyms}
DOMAIN_SCOPE = scope_of(SHIPPED)


def with_vocabulary(facts) -> KnowledgeBase:
    """`KnowledgeBase.from_facts(facts)` with the shipped matching vocabulary: the samples in
    the tests are about ML careers too."""
    return replace(KnowledgeBase.from_facts(facts), vocabulary=SHIPPED.vocabulary)
