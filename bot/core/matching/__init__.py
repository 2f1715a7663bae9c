"""Matching questions to facts: normalisation, synonyms, scoring, confidence (no Discord)."""

from bot.core.matching.matcher import MAX_QUESTION_CHARS, Matcher
from bot.core.matching.results import MatchResult, Suggestion
from bot.core.matching.scope import OffTopic
from bot.core.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MAX_QUESTION_CHARS",
    "MatchResult",
    "Matcher",
    "OffTopic",
    "Suggestion",
    "Thresholds",
]
