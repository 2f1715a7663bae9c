"""The one matching function behind every entry point: a question in, a fact or a decline out.

A question is scored against each fact with three signals in [0, 1]:

- *phrasing*: cosine similarity (IDF-weighted terms) with the fact's closest phrasing: a
  question worded like one of the fact's known phrasings scores high;
- *centroid*: cosine similarity with the fact's centroid (all its phrasings, keywords and,
  weakly, its answer): the words a fact is usually asked with count most;
- *fuzzy*: RapidFuzz's `token_sort_ratio` between the question's terms and the closest
  phrasing's, computed for the few best candidates only (near-spellings the terms miss).

A word of the question that the knowledge base has never seen counts against every fact
(cosine's norm): a question about a nurse's pay is not a question about an ML engineer's.
The confidence is the weighted mix. The matcher answers when the confidence and its lead over
the runner-up clear `Thresholds` (see there), or with the fact that gives a figure the question
quotes ("is 127k still the average"); otherwise it declines and offers up to `max_suggestions`
facts that reach `Thresholds.suggest`. A "what is ..." question is decided among the facts that
fit its form (`Matcher._fitting`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache, cached_property
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.gc_pause import collector_paused
from bot.core.knowledge.models import Fact, KnowledgeBase
from bot.core.matching import snapshot
from bot.core.matching.analyzer import Analyzer
from bot.core.matching.calibration import (
    Calibration,
    CalibrationStore,
    calibrate,
    calibration_key,
)
from bot.core.matching.corpus import (
    Texts,
    Vocabulary,
    distinct_ids,
    read_texts,
    words_of,
)
from bot.core.matching.decisions import Decisions
from bot.core.matching.density import Density
from bot.core.matching.embedding import DIMENSION
from bot.core.matching.form_fit import FormFit
from bot.core.matching.index import Index
from bot.core.matching.normalize import MAX_QUESTION_CHARS, clean, stem, with_words
from bot.core.matching.normalize import words as words_in
from bot.core.matching.question_forms import thing_asked_about
from bot.core.matching.results import MatchResult, Suggestion
from bot.core.matching.rules import ALL_RULES, Rules
from bot.core.matching.scope import MAY_COMPARE, YEAR, OffTopic, Scope
from bot.core.matching.semantic import LEARN, SemanticIndex, SemanticModel, semantic_model
from bot.core.matching.snapshot import Snapshot, SnapshotStore
from bot.core.matching.synonyms import CHAT_SYNONYMS, STOP_WORDS, SynonymTable
from bot.core.matching.thresholds import DEFAULT_THRESHOLDS, Thresholds
from bot.core.memory import release_free_memory

PHRASING_WEIGHT = 0.35
CENTROID_WEIGHT = 0.35
FUZZY_WEIGHT = 0.3
UNKNOWN_WEIGHT = 1.5
"""A word the knowledge base has never seen weighs this times the rarest known word."""
RERANK_CANDIDATES = 12
"""How many of the best facts by term overlap get the (costlier) fuzzy comparison."""
SEMANTIC_WEIGHT = 0.6
"""The meaning signal's share of the score (the lexical signals share the rest)."""
SEMANTIC_PHRASING_SHARE = 0.7
"""Of the meaning signal: the closest phrasing's cosine; the centroid's has the rest."""
UNPROMPTED_CONFIDENCE = 0.6
"""Lexical signals only: where the bot speaks unprompted, it needs this confidence."""
RELEASE_AFTER_PHRASINGS = 20_000
"""A word index of this many phrasings or more frees enough short-lived memory while building
(~80 MB at 100,000) that it goes back to the system before the meaning index is built (its
vectors read from disk on first use, 77 MB at 100,000): the two no longer add up at the peak
of a start (10,000 facts: 461 -> ~420 MB). The trim costs ~10 ms at that size."""
DEFAULT_MODEL = object()
"""`Matcher(semantic=...)` default: the process's model (`semantic_model()`), if usable."""
FROM_KNOWLEDGE = object()
"""`Matcher(scope=...)` default: the knowledge base's own (`scope_of`)."""


def scope_of(knowledge: KnowledgeBase) -> Scope | None:
    """The knowledge base's scope (its `matching.yaml` subject), if it names one."""
    vocabulary = knowledge.vocabulary
    return Scope(vocabulary.subject, vocabulary.topic_words) if vocabulary.subject else None


_CALIBRATIONS: dict[str, Calibration] = {}
"""The last few calibrations of this process, by knowledge base (see `Matcher._calibrated`)."""


class Matcher(Decisions):
    """An index over one knowledge base. Immutable once built; safe to share between tasks."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        *,
        synonyms: Mapping[str, str] | None = None,
        scope: Scope | object | None = FROM_KNOWLEDGE,
        thresholds: Thresholds | None = None,
        semantic: SemanticModel | object | None = DEFAULT_MODEL,
        calibrated: Calibration | None = None,
        rules: Rules = ALL_RULES,
        density: Density | object | None = LEARN,
        spelling: Analyzer | None = None,
    ) -> None:
        """`thresholds`: None to calibrate them on this knowledge base (with the meaning
        signal; see `bot.core.matching.calibration`), else these. `semantic`: the model of
        meaning (default: the process's, if usable; None: lexical signals only). `synonyms`
        and `scope` default to the knowledge base's own (`matching.yaml`), with chat spelling.
        `calibrated`: the calibration of the matcher this one replaces, reused if it still
        fits this knowledge base (`Calibration.fits`: an edit does not recalibrate).
        `rules`: the hand rules on (all but to measure one: `bot.core.matching.rules`).
        `density`: what lifts a fact with few phrasings (`bot.core.matching.density`; default:
        learned on this knowledge base; a server's layer takes its base's). `spelling`: the
        analyzer whose typo corrections the model reads (default: its own; a server's layer
        takes its base's, so that a question asked in a server is embedded once for both: a
        typo of a word only the layer's facts use is corrected for its words, not the model)."""
        self.knowledge = knowledge
        self.spelling = spelling
        self.rules = rules
        if synonyms is None:
            domain = knowledge.vocabulary.synonyms if "domain-synonyms" in rules else {}
            synonyms = {**CHAT_SYNONYMS, **domain}
        if scope is FROM_KNOWLEDGE:
            scope = scope_of(knowledge)
        self.scope: Scope | None = scope  # type: ignore[assignment]
        self.facts: tuple[Fact, ...] = tuple(knowledge.facts.values())
        model = semantic_model() if semantic is DEFAULT_MODEL else semantic
        model = model if isinstance(model, SemanticModel) else None

        @cache
        def key() -> str:
            """What the calibration and the snapshot depend on: digested once, if either
            needs it (a layer's matcher, given thresholds and too small for a snapshot, needs
            neither). Both need the model."""
            assert model is not None
            return self._key_of(model, synonyms)

        phrasings = sum(len(fact.phrasings) for fact in self.facts)
        snapshots = self._snapshots(model, phrasings)
        kept = None if snapshots is None else snapshots.get(
            key(), len(self.facts), phrasings, DIMENSION)
        self.restored = kept is not None
        """Its indexes were read from a snapshot (`bot.core.matching.snapshot`), not built."""
        if kept is not None:
            self.analyzer = Analyzer(SynonymTable(synonyms), kept.known_words)
            self.index = kept.index
        else:
            with collector_paused():
                self.analyzer, self.index = self._build(synonyms)
            if len(self.index.phrasing_text) >= RELEASE_AFTER_PHRASINGS:
                release_free_memory()  # before the meaning index's arrays come (see there)
        self.fit = FormFit(self.facts, self.index, self.analyzer)
        self.semantic: SemanticIndex | None = None if model is None else SemanticIndex(
            model, self.facts, centroids=kept.centroids if kept is not None else None,
            file=kept.vectors_file if kept is not None else None, density=density)
        if snapshots is not None and self.semantic is not None and (
                kept is None or kept.vectors_file != self.semantic.file):
            snapshots.put(key(), Snapshot(self.index, self.analyzer.known_words,
                                              self.semantic.centroids, self.semantic.file))
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
        self.calibration: Calibration | None = None
        if thresholds is None and self.semantic is not None:
            fits = calibrated is not None and calibrated.fits(self.facts)
            self.calibration = calibrated if fits else self._calibrated(key())
            self.thresholds = self.calibration.thresholds

    def _snapshots(self, model: SemanticModel | None, phrasings: int) -> SnapshotStore | None:
        """Where this matcher's indexes are kept: beside the model's cache of vectors, for a
        knowledge base of enough `phrasings` to be worth it (`bot.core.matching.snapshot`)."""
        cache_file = model.cache.path if model is not None else None
        if cache_file is None:
            return None
        return SnapshotStore(cache_file.parent) if phrasings >= snapshot.MIN_PHRASINGS else None

    def _key_of(self, model: SemanticModel, synonyms: Mapping[str, str]) -> str:
        """What this matcher's calibration and indexes depend on (`calibration_key`)."""
        scope = self.scope
        return calibration_key(
            model.embedder.info.model_sha256, self.facts, synonyms,
            (f"scope {scope.subject} {sorted(scope.topic_words)}" if scope else "no scope",
             f"rules off {sorted(self.rules.off)}"),
        )

    def _calibrated(self, key: str) -> Calibration:
        """The calibration of this knowledge base (`key`: `_key_of`'s). The matcher is
        deterministic: one with the same facts, vocabulary, rules, model and code gets the same,
        so it is remembered per process and on disk beside the embedding cache (a restart reads
        it back)."""
        semantic = self.semantic
        assert semantic is not None
        calibration = _CALIBRATIONS.get(key)
        if calibration is None:
            cache_file = semantic.model.cache.path
            store = CalibrationStore(cache_file.parent if cache_file is not None else None)
            calibration = store.get(key, self.facts)
            if calibration is None:
                calibration = calibrate(self)
                store.put(key, calibration)
            _CALIBRATIONS[key] = calibration
            while len(_CALIBRATIONS) > 16:
                del _CALIBRATIONS[next(iter(_CALIBRATIONS))]
        return calibration

    @property
    def _scope_on(self) -> Scope | None:
        """The scope, unless its rule is off."""
        return self.scope if "scope" in self.rules else None

    @property
    def unprompted_confidence(self) -> float:
        """The confidence needed to answer where the bot speaks unprompted."""
        return self.calibration.unprompted if self.calibration else UNPROMPTED_CONFIDENCE

    def _build(self, synonyms: Mapping[str, str]) -> tuple[Analyzer, Index]:
        """Read every text of the knowledge base (all at once: see `bot.core.matching.corpus`)."""
        # Canonical questions, keywords and answers are edited text: their words are trusted.
        # Alternates imitate chat, typos included ("machien"): their unknown words are
        # corrected towards the trusted ones, so a typo in the knowledge base does not become
        # a word of its own that a question's typo would then be "corrected" to.
        trusted = dict.fromkeys(
            chain.from_iterable((f.question, *f.keywords, f.answer) for f in self.facts)
        )
        alternates = [
            text for text in dict.fromkeys(chain.from_iterable(f.alternates for f in self.facts))
            if text not in trusted
        ]
        texts = [*trusted, *alternates]
        vocabulary = Vocabulary()
        read = read_texts(texts, vocabulary)  # words(clean(text)) of every text, numbered
        edited = read.part(0, len(trusted))
        analyzer = Analyzer(
            SynonymTable(synonyms), words_of(vocabulary, distinct_ids(edited, len(vocabulary)))
        )
        chat = analyzer.corrected_texts(vocabulary, read.part(len(trusted), len(texts)))
        read = Texts.concatenated([edited, chat])
        analyzer.extend(words_of(vocabulary, distinct_ids(read, len(vocabulary))))
        # Terms: synonyms applied, then each distinct word stemmed once.
        read = analyzer.synonyms.apply_texts(vocabulary, read)
        stems: dict[str, int] = {}
        stem_of = np.zeros(len(vocabulary), dtype=np.int32)
        present = distinct_ids(read, len(vocabulary))
        stem_of[present] = [
            stems.setdefault(stem(word), len(stems)) for word in words_of(vocabulary, present)
        ]
        terms = Texts(stem_of[read.ids], read.offsets)
        text_index = dict(zip(texts, range(len(texts)), strict=True))
        return analyzer, Index(self.facts, terms, list(stems), text_index)

    def _scores(
        self, terms: list[str], extra: list[str] = (), held_out: int | None = None,
        meaning: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """(fact index, score) for the best candidates, best first; the phrasing row
        `held_out`, if any, is left out of the phrasing and fuzzy signals. `meaning`: the
        question's sentence vector, when the meaning signal is on."""
        index = self.index
        unique = list(dict.fromkeys([*self.analyzer.with_bigrams(terms), *extra]))
        ids = [index.terms[t] for t in unique if t in index.terms]
        if not ids:
            return []
        unknown = sum(
            1 for t in unique if t not in index.terms and t not in STOP_WORDS and " " not in t
        ) if "unknown-words" in self.rules else 0
        weights = index.idf[ids]
        unknown_weight = UNKNOWN_WEIGHT * index.idf_unknown
        norm = math.sqrt(float((weights**2).sum()) + unknown * unknown_weight**2)
        query = weights / norm

        by_phrasing = index.phrasings.dot(ids, query)
        if held_out is not None:
            by_phrasing[held_out] = 0.0
        # A fact's phrasings are consecutive rows: the best of each run (scores are >= 0, so
        # a fact no phrasing of which shares a term gets 0).
        best_phrasing = np.maximum.reduceat(by_phrasing, index.first_phrasing)
        by_centroid = index.centroids.dot(ids, query)

        lexical = PHRASING_WEIGHT * best_phrasing + CENTROID_WEIGHT * by_centroid
        if meaning is not None and self.semantic is not None:
            return self._with_meaning(terms, lexical, meaning, held_out)
        candidates = np.flatnonzero(lexical)
        if len(candidates) > RERANK_CANDIDATES:
            top = np.argpartition(-lexical[candidates], RERANK_CANDIDATES)[:RERANK_CANDIDATES]
            candidates = candidates[top]
        facts = candidates.tolist()
        scored = []
        fuzzy_scores = self._fuzzy(" ".join(terms), facts, held_out)
        for f_index, fuzzy in zip(facts, fuzzy_scores, strict=True):
            score = float(lexical[f_index] + FUZZY_WEIGHT * fuzzy / 100.0)
            scored.append((f_index, min(1.0, max(0.0, score))))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored

    def _with_meaning(
        self, terms: list[str], lexical: np.ndarray, meaning: np.ndarray, held_out: int | None
    ) -> list[tuple[int, float]]:
        """The scores with the meaning signal: candidates by words and centroid meaning,
        then each candidate's closest phrasing by meaning and by spelling."""
        semantic = self.semantic
        assert semantic is not None
        by_centroid = semantic.by_centroid(meaning, held_out)
        rough = (1 - SEMANTIC_WEIGHT) * lexical + SEMANTIC_WEIGHT * by_centroid
        candidates = np.arange(len(rough))
        if len(candidates) > RERANK_CANDIDATES:
            candidates = np.argpartition(-rough, RERANK_CANDIDATES)[:RERANK_CANDIDATES]
        facts = candidates.tolist()
        fuzzy = np.asarray(self._fuzzy(" ".join(terms), facts, held_out)) / 100.0
        closest = (semantic.best_phrasing(meaning, facts, held_out)
                   + semantic.lift_of(facts, held_out))
        words = lexical[candidates] + FUZZY_WEIGHT * fuzzy
        sense = (SEMANTIC_PHRASING_SHARE * closest
                 + (1 - SEMANTIC_PHRASING_SHARE) * by_centroid[candidates])
        scores = np.clip((1 - SEMANTIC_WEIGHT) * words + SEMANTIC_WEIGHT * sense, 0.0, 1.0)
        scored = list(zip(facts, scores.tolist(), strict=True))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored

    def _fuzzy(
        self, query_text: str, facts: list[int], held_out: int | None = None
    ) -> Sequence[float]:
        """Each fact's `token_sort_ratio` with the question: that of its closest phrasing
        (the row `held_out` aside; a fact left with no phrasing scores 0).

        All phrasings of all candidates go to RapidFuzz in one call (the question is read
        once); float64 keeps the scores `fuzz.token_sort_ratio` returns, to the last bit."""
        if not facts:
            return ()
        phrasings = [self.index.phrasings_of[f] for f in facts]
        if held_out is not None:
            phrasings = [[p for p in rows if p != held_out] for rows in phrasings]
        lengths = np.fromiter(map(len, phrasings), dtype=np.int64, count=len(phrasings))
        best = np.zeros(len(facts))
        if lengths.any():
            texts = self.index.phrasing_text
            scores = process.cdist(
                [query_text], [texts[p] for rows in phrasings for p in rows],
                scorer=fuzz.token_sort_ratio, dtype=np.float64,
            )[0]
            firsts = np.cumsum(lengths) - lengths
            present = lengths > 0
            best[present] = np.maximum.reduceat(scores, firsts[present])
        return best

    # -- public API --------------------------------------------------------------------------

    def rank(self, question: str, *, limit: int = 10) -> list[tuple[Fact, float]]:
        """The best facts for `question`, best first, with their scores (no thresholds)."""
        question = question[:MAX_QUESTION_CHARS]
        scored, _ = self._rank(question, limit)
        return [(self.facts[i], score) for i, score in scored]

    def words(self, question: str) -> list[str]:
        """`question`'s words as the matcher reads them (lower case, after synonyms and typo
        correction): those an `OffTopic` names."""
        return self.analyzer.words_of(self.analyzer.raw_words(question[:MAX_QUESTION_CHARS]),
                                      correct_typos="typo-correction" in self.rules)

    @cached_property
    def _numbers(self) -> dict[str, int]:
        """Each fact's number (its place in `facts`), by id."""
        return {fact.id: n for n, fact in enumerate(self.facts)}

    def fact_uses(self, fact_id: str, word: str) -> bool:
        """Whether fact `fact_id` uses `word` (as `words` reads it) in a phrasing, a keyword
        or its answer."""
        number = self._numbers.get(fact_id)
        return number is not None and bool(np.isin(number, self.index.facts_with(stem(word))))

    def names_what_no_fact_has(self, question: str) -> bool:
        """Whether `question` names something no fact has, in a phrasing, a keyword or its
        answer: all its words of substance (not stop words: "whats your favorite color"), or
        one that is a common English word or a year ("deep" in "how is it different from deep
        learning"; "again" in "was it #1 again in 2020": any such word counts, not only a
        topic). Chat shorthand ("wbu", "rn") is no common word: it names nothing."""
        words = [w for w in self.words(question) if w not in STOP_WORDS]
        unknown = [w for w in words if not len(self.index.facts_with(stem(w)))]
        return bool(words) and (len(unknown) == len(words) or any(
            w in self.analyzer.common_words or YEAR.fullmatch(w) for w in unknown))

    def _rank(self, question: str, limit: int) -> tuple[list[tuple[int, float]], list[str]]:
        """(fact index, score) of the best facts, and the question's words."""
        cleaned = clean(question)
        raw = words_in(cleaned)
        typos = "typo-correction" in self.rules
        corrected = self.analyzer.corrected(raw) if typos else raw
        words = self.analyzer.synonyms.apply(corrected)
        # The model reads the words it knows, not their misspellings, chat spelling nor
        # fillers ("lerning", "whats", "ur", "tbh": word pieces that mean little to it).
        read = corrected if self.spelling is None or not typos else self.spelling.corrected(raw)
        spelt = [CHAT_SYNONYMS.get(word, word) for word in read]
        if spelt != raw:
            question = with_words(cleaned, spelt)
        meaning = self.semantic.question(question) if self.semantic and question else None
        return self._scores([stem(w) for w in words], meaning=meaning)[:limit], words

    def rank_held_out(
        self, fact_index: int, phrasing: int, *, limit: int = 2
    ) -> list[tuple[Fact, float]]:
        """The best facts for phrasing number `phrasing` of fact number `fact_index`, as if
        that fact did not list it (left out of its phrasing and fuzzy signals; it still
        counts in the fact's centroid and the term weights): how a user's question worded
        that way would fare."""
        scored = self.scores_held_out(fact_index, phrasing)
        return [(self.facts[i], s) for i, s in scored[:limit]]

    def scores_held_out(self, fact_index: int, phrasing: int) -> list[tuple[int, float]]:
        """`rank_held_out`'s (fact index, score) pairs, every candidate."""
        row = self.index.phrasings_of[fact_index][phrasing]
        terms = self.analyzer.terms(self.facts[fact_index].phrasings[phrasing])
        meaning = (self.semantic.phrasings[row].astype(np.float32)
                   if self.semantic is not None else None)
        return self._scores(terms, held_out=row, meaning=meaning)

    def match(
        self,
        question: str,
        *,
        thresholds: Thresholds | None = None,
        max_suggestions: int = 3,
    ) -> MatchResult:
        """Answer `question` with a fact when confident; otherwise decline with suggestions."""
        return self.match_ranked(question, thresholds=thresholds,
                                 max_suggestions=max_suggestions)[0]

    def match_ranked(
        self,
        question: str,
        *,
        thresholds: Thresholds | None = None,
        max_suggestions: int = 3,
    ) -> tuple[MatchResult, list[tuple[Fact, float]]]:
        """`match`, and the ranking it decided from (what `rank` gives: every candidate with
        its score, best first), scoring the question once."""
        question = question[:MAX_QUESTION_CHARS]
        compared = self._compared(question)
        if compared is None:
            scored, words = self._rank(question, RERANK_CANDIDATES)
        else:  # matched without the side the knowledge base does not cover
            scored, words = self._rank(compared[1], RERANK_CANDIDATES)
        ranking = [(self.facts[i], score) for i, score in scored]
        result = self._decided(question, scored, words, thresholds or self.thresholds,
                               max_suggestions)
        if compared is not None and result.answered:
            result = replace(result, not_covered=OffTopic("role", compared[0]))
        return result, ranking

    def job_instead(self, question: str, fact_id: str) -> str | None:
        """The job a follow-up asks about in the subject's place ("what about software
        engineers?") after the answer of fact `fact_id`, if that fact is asked about a topic
        whose figures are tied to a job (pay, outlook): the sources give them for the subject
        alone (`Scope.job_instead`)."""
        scope, number = self._scope_on, self._numbers.get(fact_id)
        if scope is None or number is None or not self._topic_facts[number]:
            return None
        return scope.job_instead(self.words(question), self._named_with_topic)

    def _compared(self, question: str) -> tuple[str, str] | None:
        """The other job a pay or outlook question compares the subject with, and the
        question without it ("machine learning engineer pay" for "ML engineer vs software
        engineer salary"), or None (`Scope.compared_with`)."""
        scope = self._scope_on
        if scope is None or not MAY_COMPARE.search(question):
            return None  # (most questions: their words are not read twice)
        words = self.words(question)
        compared = scope.compared_with(words, self._named_with_topic)
        if compared is None:
            return None
        job, alone = compared
        return job, " ".join(alone)

    def _decided(self, question: str, scored: list[tuple[int, float]], words: list[str],
                 t: Thresholds, max_suggestions: int) -> MatchResult:
        """The answer or the decline for `question`, from its ranking `scored`."""
        if not scored:
            return MatchResult(question, None, 0.0)
        rules, scope = self.rules, self._scope_on
        outside = scope.outside(words, self._named_with_topic) if scope else None
        # Words only, a question needs a word of substance the knowledge base knows; the
        # meaning signal reads questions in words the knowledge base never uses ("subject-word").
        needs_subject = "subject-word" in rules and self.semantic is None
        if outside is None and (not needs_subject or self._has_subject(words)):
            fitting = (self._fitting(scored, thing_asked_about(words))
                       if "question-form" in rules else scored)
            chosen = self._chosen(fitting, t, words)
            if chosen is not None:
                (fact, score), others = fitting[chosen], fitting[:chosen] + fitting[chosen + 1 :]
                close = tuple(
                    Suggestion(self.facts[other], other_score)
                    for other, other_score in others[:1]
                    if t.close_call(score, other_score)
                )
                return MatchResult(question, self.facts[fact], score, close)
        suggestions = tuple(
            Suggestion(self.facts[fact], score) for fact, score in scored[:max_suggestions]
            if score >= t.suggest
        )
        return MatchResult(question, None, scored[0][1], suggestions, off_topic=outside)

    def complete(self, partial: str, *, limit: int = 25) -> list[Fact]:
        """Facts whose questions fit what is being typed (autocomplete), best first."""
        partial = partial[:MAX_QUESTION_CHARS]
        text = clean(partial).strip()
        if not text:
            return list(self.facts[:limit])
        raw = Analyzer.raw_words(partial)
        extra: list[str] = []
        if raw and not partial[-1:].isspace():
            extra = self.analyzer.prefix_terms(raw[-1])
        terms = self.analyzer.terms(partial)
        return [self.facts[i] for i, _ in self._scores(terms, extra)[:limit]]
