"""Knowing what the knowledge base is about: a question about another job is not ours.

A knowledge base about one occupation shares most words with questions about every other
one: "how much does a nurse make" differs from "how much does an ML engineer make" in a single
word. Word overlap alone cannot tell them apart, so the matcher asks a second question: when the
text names the person the question is about ("become a ___", "how much does a ___ make", "what
does a ___ do", "salary for a ___"), is that person the knowledge base's subject? Likewise, a pay
question tied to a place, an employer or a level that no pay question of the knowledge base names
("... salary in London", "... at Meta", "... for a junior", "senior ML engineer salary") or a
year ("... pay in 2026") asks for a figure the sources do not give, even when another fact uses
the word ("are there junior ML jobs").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import Literal

from bot.core.matching.synonyms import STOP_WORDS

ROLE_WORDS_MAX = 4
LEVEL_WORDS_MAX = 2
"""At most this many words qualify the subject's name ("entry level")."""
_ROLE_END = frozenset(
    "make pay do does doing earn get gets got have has need needs work works start in at for"
    " with and or but if to from on job position after before by who that which than as".split()
)
_DETERMINERS = frozenset({"a", "an", "the"})
_PRONOUNS = frozenset(
    "i me you we they them he she it one someone somebody anyone person people this that these"
    " those my your our their his her".split()
)
_QUANTIFIERS = frozenset(
    "few couple lot lots bit number many several all each every other another same next last"
    " most more less much enough whole".split()
)
"""Words that count or pick ("in a few years", "more pay"): they qualify nothing."""
_ROLE_CUES = (
    # "become a ___", "to be an ___"
    re.compile(r"\b(?:become|becoming|be|being)\s+(?:a|an)\s+(?P<role>.+)"),
    # "how much does a ___ make" ("make", "earn" and the like read "pay" after synonyms)
    re.compile(r"\bhow much (?:do|does|can|will|would)\s+(?:(?:a|an|the)\s+)?"
               r"(?P<role>(?:\w+ ){1,4})pay\b"),
    # "what does a ___ do"
    re.compile(r"\bwhat (?:do|does)\s+(?:a|an)\s+(?P<role>(?:\w+ ){1,4})do\b"),
    # "what do ___ get paid", "what does a ___ earn" (read "pay" after synonyms)
    re.compile(r"\bwhat (?:do|does)\s+(?:(?:a|an)\s+)?(?P<role>(?:\w+ ){1,4}?)(?:get )?pay\b"),
)
_NOT = frozenset({"not", "no", "without", "excluding", "except", "minus"})
"""Words that set aside what follows: "base pay, not total pay" does not ask for the total."""
_QUALIFIER = re.compile(r"\b(?:in|at|for|of)\s+(?:(?:the|a|an)\s+)?(?P<word>[^\W\d_]+)")
_COMPARING = (("vs",), ("versus",), ("than",), ("compared", "to"), ("compared", "with"),
              ("or",))
"""Words between the two sides of a comparison ("ML engineer vs data scientist pay", "do ML
engineers make more than data scientists"); "or" only with the other job first ("data
scientist or ML engineer, which pays more": "is the pay good or bad" compares no jobs)."""
_JOB_NOUN = re.compile(r"[^\W\d_]{3,}(?:er|or|ist|ian|yst|ant)s?")
"""How English names most jobs, by what a person does: engineer, developer, doctor,
scientist, physician, analyst, consultant."""
_NOT_JOB_NOUNS = frozenset(
    "ever never later earlier rather better other either neither together whether however"
    " after over under longer faster higher lower greater bigger smaller sooner harder easier"
    " major minor prior poor door floor number order paper power career junior senior"
    " interior superior".split())
"""Words that end like a job and are none ("more than ever", "better or worse")."""

_ASKING_ABOUT = frozenset("and what about how for same so but ok okay then also".split())
"""Words a follow-up opens with to ask the same of something else ("and what about ...")."""
_TRAILING = frozenset("then too though tho instead".split())
MAY_COMPARE = re.compile(
    r"(?i)\b(?:" + "|".join(sorted({cue[0] for cue in _COMPARING})) + r")\b")
"""A text without one of these words compares nothing (`Scope.compared_with`): a matcher
reads a question's words for a comparison only when it has one."""
YEAR = re.compile(r"(?:19|20)\d\d")
"""A year, as a question names one (whole words: `fullmatch`)."""


def _looks_like_a_job(word: str) -> bool:
    """Whether `word` names a job the way English mostly does (`_JOB_NOUN`), plural or not."""
    return (_JOB_NOUN.fullmatch(word) is not None and word not in _NOT_JOB_NOUNS
            and word.removesuffix("s") not in _NOT_JOB_NOUNS)


@cache
def _before_topic(topics: frozenset[str]) -> re.Pattern[str]:
    """A word right before a topic word: "nurse pay", "lawyer outlook" (built once per set)."""
    alternatives = "|".join(map(re.escape, sorted(topics)))
    return re.compile(rf"(?P<word>[^\W\d_]+)\s+(?:{alternatives})\b")


@dataclass(frozen=True, slots=True)
class OffTopic:
    """Why a question is about something the knowledge base does not cover: it names
    another `role` than its subject, or asks for a pay or outlook figure of a `qualifier`
    (a place, an employer, a level) or a `year` that no such fact names."""

    kind: Literal["role", "qualifier", "year"]
    what: str
    """The role, word or year, as read (lower case, after synonyms)."""

    def encoded(self) -> str:
        """As one string ("role nurse", "qualifier uk"), the way the store keeps it."""
        return f"{self.kind} {self.what}"

    @classmethod
    def decoded(cls, text: str) -> OffTopic | None:
        """`encoded`'s reverse (None for text it did not write)."""
        kind, _, what = text.partition(" ")
        if kind not in ("role", "qualifier", "year") or not what:
            return None
        return cls(kind, what)  # type: ignore[arg-type]

    def __str__(self) -> str:
        if self.kind == "role":
            return f"it asks about {self.what!r}, not the knowledge base's subject"
        if self.kind == "year":
            return f"it asks about {self.what}, a year the sources give no such figure for"
        return f"it asks about {self.what!r}, which the sources say nothing about"


@dataclass(frozen=True, slots=True)
class Scope:
    """Who the knowledge base is about, in the words left after synonyms (before stemming)."""

    subject: tuple[str, ...]
    """Words of the subject's name that a question must use when it names someone
    ("machine learning" for "a machine learning engineer", "an ML eng", "MLEs")."""
    topic_words: frozenset[str] = frozenset()
    """Words of the questions whose figures are tied to a place and a job (pay, outlook): such a
    question about a person, place or employer the knowledge base never names asks for a
    figure the sources do not give."""

    def roles_named(self, words: list[str]) -> list[str]:
        """The people the question names ("a data analyst", "ML engineers"), as text."""
        text = " ".join(words)
        roles = []
        for cue in _ROLE_CUES:
            for match in cue.finditer(text):
                role = []
                for word in match.group("role").split()[:ROLE_WORDS_MAX]:
                    if word in _ROLE_END or word in _DETERMINERS:
                        break
                    role.append(word)
                if role:
                    roles.append(" ".join(role))
        return roles

    def _level_named(self, words: list[str], qualifies: Callable[[str], bool]) -> str | None:
        """The words that qualify the subject's name right before it ("senior", "entry level",
        "remote" in "senior ML engineer salary"), or None: the kind of the subject a pay or
        outlook question asks about, which the sources may give no figure for. Only at the
        start of a noun phrase (the text's start or a function word before them, not a
        pronoun): in "my cousin swears ML engineers make..." the words before are a clause."""
        size = len(self.subject)
        for start in range(1, len(words) - size + 1):
            if tuple(words[start:start + size]) != self.subject:
                continue
            first = start
            while first > 0 and start - first <= LEVEL_WORDS_MAX and qualifies(words[first - 1]):
                first -= 1
            if not 0 < start - first <= LEVEL_WORDS_MAX:
                continue
            before = words[first - 1] if first else None
            if before is None or (before in STOP_WORDS and before not in _PRONOUNS):
                return " ".join(words[first:start])
        return None

    def _names_a_job(self, side: list[str], named_with_topic: Callable[[str], bool]) -> bool:
        """Whether `side` is another job than the subject, named the way English names most
        jobs (its last word an agent noun: "software engineer", "data scientists"), and not
        one the pay or outlook facts name ("research scientists")."""
        return (0 < len(side) <= ROLE_WORDS_MAX
                and not any(w in STOP_WORDS or w in _PRONOUNS or w in _QUANTIFIERS
                            or w in self.topic_words or not w.isalpha() for w in side)
                and _looks_like_a_job(side[-1])
                and not named_with_topic(side[0])
                and tuple(side[:len(self.subject)]) != self.subject)

    def job_instead(self, words: list[str], named_with_topic: Callable[[str], bool]
                    ) -> str | None:
        """The job a follow-up asks about in the subject's place, and nothing else ("what
        about software engineers?", "and for data scientists?", "how about web developers
        then"), or None."""
        start = 0
        while start < len(words) and words[start] in _ASKING_ABOUT:
            start += 1
        if start == 0 or start == len(words):
            return None
        while start < len(words) and words[start] in _DETERMINERS:
            start += 1
        end = len(words)
        while end > start and words[end - 1] in _TRAILING:
            end -= 1
        side = words[start:end]
        return " ".join(side) if self._names_a_job(side, named_with_topic) else None

    def compared_with(self, words: list[str], named_with_topic: Callable[[str], bool]
                      ) -> tuple[str, list[str]] | None:
        """The other side of a pay or outlook question comparing the subject with another
        job ("ML engineer vs software engineer pay", "do ML engineers make more than data
        scientists", "data scientist or ML engineer, which pays more", "how much does a
        software engineer make compared to an ML engineer"): the job, and the question's
        words asking about the subject alone ("machine learning engineer pay"), or None. A
        side the pay or outlook facts name ("more than the national average", "than research
        scientists"), a count ("than most jobs") or a pronoun ("than they do") is no other
        job."""
        if not self.topic_words or self.topic_words.isdisjoint(words):
            return None
        size = len(self.subject)
        subject_at = [i for i in range(len(words) - size + 1)
                      if tuple(words[i:i + size]) == self.subject]
        if not subject_at:
            return None

        def job(side: list[str]) -> bool:
            return self._names_a_job(side, named_with_topic)

        def name_end(start: int) -> int:
            """Where a name starting at `start` ends: at a function or topic word."""
            end = start
            while end < len(words) and words[end] not in _ROLE_END and (
                    words[end] not in STOP_WORDS and words[end] not in self.topic_words):
                end += 1
            return end

        for at in range(len(words)):
            for cue in _COMPARING:
                if tuple(words[at:at + len(cue)]) != cue:
                    continue
                after = at + len(cue)
                if subject_at[0] < at and cue != ("or",):  # the other job follows the cue
                    while after < len(words) and words[after] in _DETERMINERS:
                        after += 1
                    end = name_end(after)
                    if job(words[after:end]):
                        return " ".join(words[after:end]), words[:at] + words[end:]
                    continue
                if after < len(words) and words[after] in _DETERMINERS:
                    after += 1
                if after not in subject_at:
                    continue
                start = at  # the other job first, right before the cue
                while start > 0 and words[start - 1] not in STOP_WORDS and (
                        words[start - 1] not in self.topic_words):
                    start -= 1
                if job(words[start:at]):
                    return " ".join(words[start:at]), words[:start] + words[after:]
                # or named earlier ("how much does a ___ make compared to an ML engineer"):
                # the subject's name, as the question gives it, takes its place
                end = name_end(after + size)
                for role in self.roles_named(words[:at]):
                    named = role.split()
                    place = next((i for i in range(at - len(named) + 1)
                                  if words[i:i + len(named)] == named), None)
                    if place is not None and job(named):
                        return role, (words[:place] + words[after:end]
                                      + words[place + len(named):at] + words[end:])
        return None

    def _named_at(self, words: list[str], at: int, step: int,
                  named_with_topic: Callable[[str], bool]) -> OffTopic:
        """What a pay or outlook question names at `words[at]`, a word no such fact names:
        the words of its name read on after it (`step` 1: "in new york", "for data
        scientists") or before it (`step` -1: "data scientist pay"), up to a function word,
        a topic word, the subject's own name or, before it, a word the pay or outlook facts
        use ("average lawyer pay"); another job if it is named like one ("My
        sources are about machine learning, not **data scientists**"), else the place,
        employer or kind ("no figures for **new york**")."""
        size = len(self.subject)
        first = last = at

        def part_of_name(i: int) -> bool:
            return (0 <= i < len(words) and words[i].isalpha() and words[i] not in STOP_WORDS
                    and words[i] not in self.topic_words and words[i] not in _ROLE_END
                    and (step > 0 or not named_with_topic(words[i]))
                    and tuple(words[i:i + size]) != self.subject
                    and tuple(words[max(0, i - size + 1):i + 1]) != self.subject)

        while last - first + 1 < ROLE_WORDS_MAX and part_of_name(
                (last if step > 0 else first) + step):
            if step > 0:
                last += 1
            else:
                first -= 1
        name = words[first:last + 1]
        if _looks_like_a_job(name[-1]):
            return OffTopic("role", " ".join(name))
        return OffTopic("qualifier", " ".join(name))

    def outside(self, words: list[str], named_with_topic: Callable[[str], bool]
                ) -> OffTopic | None:
        """Why the question is about something else than the knowledge base, or None.

        `named_with_topic(word)`: whether the knowledge base asks about its topics (pay,
        outlook) with that word."""
        roles = self.roles_named(words)
        subject = " ".join(self.subject)
        ours = [r for r in roles if subject in r or not _PRONOUNS.isdisjoint(r.split())]
        if roles and not ours:
            return OffTopic("role", roles[0])
        if self.topic_words and not self.topic_words.isdisjoint(words):
            text = " ".join(words)
            before_topic = _before_topic(self.topic_words)

            def qualifies(word: str) -> bool:
                return (word not in _PRONOUNS and word not in STOP_WORDS
                        and word not in _QUANTIFIERS and not named_with_topic(word))

            for match, step in chain(((m, 1) for m in _QUALIFIER.finditer(text)),
                                     ((m, -1) for m in before_topic.finditer(text))):
                word = match.group("word")
                set_aside = text[:match.start()].split()[-1:]
                if qualifies(word) and _NOT.isdisjoint(set_aside):
                    return self._named_at(words, len(text[:match.start("word")].split()), step,
                                          named_with_topic)
            level = self._level_named(words, qualifies)
            if level:
                return OffTopic("qualifier", level)
            for word in words:
                if YEAR.fullmatch(word) and not named_with_topic(word):
                    return OffTopic("year", word)
        return None

