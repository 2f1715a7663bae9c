"""What every front asks of the core: answer a question, answer a fact, complete a question.

The service holds the current knowledge base and its matcher (swapped whole on reload, never
mutated) and records each outcome in the database, off the event loop. With `layers`, a
question asked in a server is matched against the base and that server's own facts
(`bot.core.layers`); a DM sees the base alone. No Discord here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from bot.core.answers import Answer, fact_answer, from_match
from bot.core.compound import questions_in
from bot.core.conversation import Context, restates_the_answer
from bot.core.editing import KnowledgeStore
from bot.core.editing.postgres import PostgresHistory
from bot.core.knowledge.errors import FactNotFound
from bot.core.knowledge.models import Fact, KnowledgeBase, Topic
from bot.core.layers import DEFAULT_CAPACITY, Layer, ServerLayers, completions, in_server, matched
from bot.core.matching import Matcher, MatchResult, Thresholds
from bot.core.matching.matcher import DEFAULT_MODEL
from bot.core.matching.rules import ALL_RULES, Rules
from bot.core.matching.semantic import SemanticModel
from bot.core.modes import Mode
from bot.core.storage.database import Database, QuestionRecord, StorageUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

@dataclass(frozen=True, slots=True)
class Loaded:
    knowledge: KnowledgeBase
    matcher: Matcher
    loaded_at: float


@dataclass(frozen=True, slots=True)
class Known:
    """What a server's questions can be answered from (`AnswerService.known`)."""

    topics: tuple[Topic, ...]
    facts: Mapping[str, Fact]


class AnswerService:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        database: Database | None = None,
        *,
        thresholds: Thresholds | None = None,
        semantic: SemanticModel | object | None = DEFAULT_MODEL,
        rules: Rules = ALL_RULES,
        unprompted_confidence: float | None = None,
        layers: Path | None = None,
        layer_capacity: int = DEFAULT_CAPACITY,
        layer_database: PostgresHistory | None = None,
    ) -> None:
        """`unprompted_confidence`: the confidence needed where the bot speaks unprompted
        (None: the matcher's, calibrated on the knowledge base). `layers`: the folder of the
        servers' own knowledge (`<data_dir>/servers`; None: every server sees the base only),
        `layer_capacity` of which are kept in memory; `layer_database`: the layers are kept
        in PostgreSQL, the folders are working copies (`ServerLayers`)."""
        self._unprompted_confidence = unprompted_confidence
        self.semantic = semantic
        """The model of meaning each matcher is built with (see `Matcher`)."""
        self.rules = rules
        """The matcher's hand rules (all, unless measuring one: `bot.core.matching.rules`)."""
        self.thresholds = thresholds
        """None: each knowledge base's matcher calibrates its own (see `Matcher`)."""
        self.database = database
        self.answers_each_question = True
        """A message asking several questions gets each answer (`bot.core.compound`); off,
        every message is matched whole (`bench compound`'s comparison)."""
        self.observers: list[Callable[[Answer, float], None]] = []
        """Called with each answer and its latency in seconds (metrics subscribe here)."""
        self._replacing = threading.Lock()
        self._wanted_lock = threading.Lock()
        self._wanted: tuple[int, KnowledgeBase] = (0, knowledge)
        """The latest knowledge base asked for, numbered."""
        self._built = 0
        """The number of the one answering now."""
        self._current = self._load(knowledge, None)
        self.layers = None if layers is None else ServerLayers(
            layers, lambda: self._current.matcher, rules=rules, capacity=layer_capacity,
            database=layer_database)

    def _load(self, knowledge: KnowledgeBase, previous: Loaded | None) -> Loaded:
        """`knowledge` built into a matcher (reusing `previous`'s calibration if it fits)."""
        matcher = Matcher(knowledge, thresholds=self.thresholds, semantic=self.semantic,
                          calibrated=previous.matcher.calibration if previous else None,
                          rules=self.rules)
        return Loaded(knowledge, matcher, time.time())

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._current.knowledge

    @property
    def matcher(self) -> Matcher:
        return self._current.matcher

    @property
    def unprompted_confidence(self) -> float:
        """In channels where the bot answers unprompted, it speaks only at this confidence or
        more (calibrated on the knowledge base with the meaning signal on)."""
        if self._unprompted_confidence is not None:
            return self._unprompted_confidence
        return self._current.matcher.unprompted_confidence

    @property
    def loaded_at(self) -> float:
        return self._current.loaded_at

    def replace(self, knowledge: KnowledgeBase) -> None:
        """Answer from `knowledge` from now on (built first, then swapped in one step).

        Building embeds the new phrasings and calibrates the matcher (about a second for the
        shipped knowledge base): call it off the event loop. Builds are serialised, and calls
        that queue up behind a build are served by one build of the latest knowledge base (a
        burst of edits costs two builds, not one each); the last call's knowledge base is the
        one that answers, and every call returns once a build at least as new as its own is
        in place."""
        with self._wanted_lock:
            self._wanted = (self._wanted[0] + 1, knowledge)
            mine = self._wanted[0]
        with self._replacing:
            if self._built >= mine:
                return  # a build that began after this call already includes it
            with self._wanted_lock:
                generation, latest = self._wanted
            self._current = self._load(latest, self._current)
            self._built = generation

    def edited(self, edit: Callable[[], T], *, guild_id: int | None = None) -> T:
        """Apply an edit and answer from the knowledge base it leaves: the one place where an
        edit becomes what the bot answers. `edit` is a store operation (`KnowledgeStore`: it
        validates, writes and records the change) returning something with a `knowledge`
        (an `EditResult`, an applied import, a reload's report), None when it changed
        nothing. Blocking (a write and a rebuild): call it off the event loop. With `guild_id`,
        `edit` changes that server's layer (`layer_store`): only its matcher is rebuilt."""
        if guild_id is not None:
            return self._layers().edited(guild_id, edit)
        result = edit()
        knowledge = getattr(result, "knowledge", None)
        if knowledge is not None:
            self.replace(knowledge)
        return result

    def adopt(self, knowledge: KnowledgeBase) -> bool:
        """Answer from `knowledge` (files edited on disk) unless it is the one answering now;
        whether it was swapped in."""
        if knowledge == self.knowledge:
            return False
        self.replace(knowledge)
        return True

    def ask(
        self,
        question: str,
        *,
        via: str,
        guild_id: int | None = None,
        mode: Mode = Mode.ADDRESSED,
        record: bool = True,
        context: Context | None = None,
    ) -> Answer:
        """Match a question asked the way `mode` says (see `bot.core.modes`): unprompted, the
        bot answers only at `unprompted_confidence` or more, and only a clear winner. With a
        `context` (the answer just given), the question is read as its follow-up."""
        started = time.perf_counter()
        current = self._current
        thresholds = None
        if mode is Mode.UNPROMPTED:
            base, level = current.matcher.thresholds, self.unprompted_confidence
            thresholds = replace(base, answer=max(base.answer, level),
                                 floor=max(base.floor, level), close_calls=False)
        if (mode is Mode.UNPROMPTED and context is not None
                and restates_the_answer(current.matcher, question, context)):
            context = None  # "really?" in a busy channel may be for anyone: not restated
        result, knowledge = self._matched(current.matcher, question, context, guild_id,
                                          thresholds)
        answer = from_match(knowledge, result)
        each, missed = self._each_question(current.matcher, question, answer, guild_id,
                                           thresholds, context)
        if each:  # asked as the message asked it; the others as their parts read
            answer = replace(each[0], question=answer.question, also=each[1:])
        latency = time.perf_counter() - started
        log.info(
            "question via=%s answered=%s fact=%s confidence=%.2f latency_ms=%.2f",
            via, answer.answered, answer.fact_id, answer.confidence, latency * 1000,
        )
        for observe in self.observers:
            try:
                observe(answer, latency)
            except Exception:
                log.exception("an answer observer failed")
        if record and answer.more_about is None:  # "tell me more" is no miss
            # Each question the message asked: its answered parts (or the message, read
            # whole), and the parts nothing answered, for the moderators' queue.
            asked = [(a.question, a.fact_id, a.confidence, a.off_topic) for a in each] or [
                (result.question, answer.fact_id, answer.confidence, answer.off_topic)]
            asked += [(part.question, None, part.confidence, part.off_topic) for part in missed]
            for text, fact_id, confidence, off_topic in asked:
                self._record(QuestionRecord(
                    question=text, via=via, fact_id=fact_id, confidence=confidence,
                    answered=fact_id is not None, guild_id=guild_id,
                    off_topic=off_topic.encoded() if off_topic else None,
                ))
        return answer

    def _matched(self, matcher: Matcher, question: str, context: Context | None,
                 guild_id: int | None, thresholds: Thresholds | None
                 ) -> tuple[MatchResult, KnowledgeBase]:
        """`question` matched where it was asked: by the base (in `context`, if any) and by
        the server's layer, the better answer, with the knowledge base it comes from."""
        return in_server(self.layer(guild_id), matcher,
                         matched(matcher, question, context, thresholds), question,
                         context=context, thresholds=thresholds)

    def _each_question(
        self, matcher: Matcher, question: str, whole: Answer, guild_id: int | None,
        thresholds: Thresholds | None, context: Context | None = None,
    ) -> tuple[tuple[Answer, ...], tuple[MatchResult, ...]]:
        """The answers of the questions a message asks, in its order, when it asks two or
        more that different facts answer, or the one part answered when the whole message
        was declined (`bot.core.compound`); () otherwise: it is read as one question.
        `whole`, the message's own answer, stays as it was read (in context), and answers a
        part declined alone when no part got its fact ("what does an ML engineer do and how
        much do they make?": "how much do they make?" asks about ML pay only in the message).
        Second: the parts declined, when another part was answered (a question the
        knowledge base missed, though the message got an answer). The first part follows
        `context` as the whole message does ("and in 2022? also do i need a masters")."""
        parts = questions_in(question) if self.answers_each_question else ()
        slots: list[Answer | None] = []  # each part's answer, None where it was declined
        declined: list[MatchResult] = []
        for n, part in enumerate(parts):
            result, knowledge = self._matched(matcher, part, context if n == 0 else None,
                                              guild_id, thresholds)
            slots.append(from_match(knowledge, result) if result.fact is not None else None)
            if result.fact is None:
                declined.append(result)
        got = {a.fact_id for a in slots if a is not None}
        if whole.answered and got and declined and whole.fact_id not in got:
            slots[slots.index(None)] = whole  # in the place of the first part declined
            declined.pop(0)
        answers: dict[str, Answer] = {}
        for answer in slots:
            if answer is not None and answer.fact_id not in answers:
                answers[answer.fact_id] = (
                    replace(answer, in_context=whole.in_context)
                    if answer.fact_id == whole.fact_id else answer)
        missed = tuple(declined) if answers else ()
        if len(answers) < 2 and (whole.answered or not answers):
            return (), missed
        return tuple(answers.values()), missed

    def answer_fact(self, fact_id: str, *, question: str | None = None,
                    guild_id: int | None = None) -> Answer:
        """The answer of a known fact (follow-up and "did you mean" buttons)."""
        knowledge = self._holder(fact_id, guild_id)
        fact = knowledge.facts[fact_id]
        return fact_answer(knowledge, fact, question or fact.question, 1.0)

    def fact(self, fact_id: str, *, guild_id: int | None = None) -> Fact:
        """A fact of the base, or of that server's layer (never another server's)."""
        return self._holder(fact_id, guild_id).facts[fact_id]

    def _holder(self, fact_id: str, guild_id: int | None) -> KnowledgeBase:
        """The knowledge base `fact_id` is in, as seen from `guild_id` (FactNotFound)."""
        if fact_id in self.knowledge.facts:
            return self.knowledge
        layer = self.layer(guild_id)
        if layer is not None and layer.knowledge is not None and layer.owns(fact_id):
            return layer.knowledge
        raise FactNotFound(fact_id)

    def complete(self, partial: str, *, limit: int = 25, guild_id: int | None = None
                 ) -> list[Fact]:
        base = self.matcher.complete(partial, limit=limit)
        layer = self.layer(guild_id)
        if layer is None or layer.matcher is None:
            return base
        return completions(base, layer.matcher.complete(partial, limit=limit), limit)

    def layer(self, guild_id: int | None) -> Layer | None:
        """The server's own knowledge (loaded on first use): None in a DM, without `layers`,
        or in a server that has none; `Layer.issues` says why one does not load."""
        return None if self.layers is None else self.layers.get(guild_id)

    def layer_store(self, guild_id: int) -> KnowledgeStore:
        """The store that edits the server's layer (pass its edits to `edited(guild_id=)`)."""
        return self._layers().store(guild_id)

    def _layers(self) -> ServerLayers:
        if self.layers is None:
            raise RuntimeError("this service has no server layers (AnswerService(layers=...))")
        return self.layers

    def known(self, guild_id: int | None = None) -> Known:
        """What a question asked in `guild_id` can be answered from: the server's own topics
        that hold facts first, then the base's (a DM, or a server with none of its own: the
        base's)."""
        knowledge = self.knowledge
        layer = self.layer(guild_id)
        own = layer.knowledge if layer is not None else None
        if own is None or not own.facts:
            return Known(knowledge.topics, knowledge.facts)
        return Known(tuple(t for t in own.topics if t.fact_ids) + knowledge.topics,
                     {**knowledge.facts, **own.facts})

    def _record(self, record: QuestionRecord) -> None:
        if self.database is None:
            return
        with contextlib.suppress(StorageUnavailable):  # the database logs its own failures
            self.database.record_question(record)
