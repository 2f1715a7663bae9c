"""Speed at scale: load time, match and autocomplete latency, memory, beside plain RapidFuzz."""

from __future__ import annotations

import gc
import importlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.core.knowledge.models import KnowledgeBase
from bot.core.knowledge.parsed_files import PARSED_DIR
from bot.core.memory import release_free_memory
from bot.devtools.bench.synthetic import (
    generate_facts,
    generate_prefixes,
    generate_queries,
    write_yaml,
)
from bot.devtools.bench.timing import Latency, measure, one_core, rss_now_mb, rss_peak_mb

TARGET_FACTS = 10_000  # the targets are set at this size, on one core
WARMUP = 50
RAPIDFUZZ_MAX_QUERIES = 100  # plain extractOne is slow at scale; a sample is enough


@dataclass(frozen=True, slots=True)
class SpeedTarget:
    label: str
    goal: float
    value: float | None  # None: not measured
    unit: str

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value <= self.goal


@dataclass(frozen=True, slots=True)
class SpeedReport:
    facts: int
    phrasings: int
    seed: int
    build_s: float  # Matcher(knowledge base)
    yaml_write_s: float | None  # None: the project's loader was not available
    yaml_load_s: float | None
    match: Latency
    complete: Latency
    rapidfuzz: Latency
    rss_before_mb: float  # after generating the data, before any index
    rss_after_mb: float  # after building (current, /proc/self/statm)
    peak_rss_mb: float  # the process's peak so far (getrusage)
    peak_rss_yaml_mb: float  # the peak just after the YAML load, before the index
    answered_right: float  # share of perturbed phrasings answered with their fact
    answered_wrong: float  # share of perturbed phrasings answered with another fact
    unrelated_declined: float  # share of unrelated questions declined
    cores: str
    notes: tuple[str, ...] = ()
    targets: tuple[SpeedTarget, ...] = field(default=())
    meaning: bool = False  # the matcher was built with the sentence-embedding model
    embedded: int = 0  # phrasings the model embedded in this run (0: all from the cache)
    rss_released_mb: float | None = None  # after building and returning the freed heap
    model_load_s: float | None = None  # the embedding model (None: not loaded by this run)

    @property
    def load_s(self) -> float:
        """A start: the model, the YAML, then the index (reading the vectors' file)."""
        return self.build_s + (self.yaml_load_s or 0.0) + (self.model_load_s or 0.0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["load_s"] = self.load_s
        data["targets"] = [{**asdict(t), "met": t.met} for t in self.targets]
        return data


def _yaml_round_trip(knowledge: KnowledgeBase, cache: Path | None, name: str
                     ) -> tuple[float | None, float | None, str | None]:
    """Seconds to write the KB as YAML and to load it with the project's loader, if it has one.
    `cache`: the data directory; the files are written in its folder `name` (the same bytes
    on every run) and their parsed YAML kept, as the bot keeps its knowledge folder's."""
    try:
        loader = importlib.import_module("bot.core.knowledge.loader")
    except ImportError:
        loader = None
    if not hasattr(loader, "load_knowledge_base"):
        return None, None, "no bot.core.knowledge.loader.load_knowledge_base: YAML load not timed"
    with tempfile.TemporaryDirectory(prefix="careerbot-speed-") as tmp:
        root = Path(tmp) / "knowledge" if cache is None else cache / name
        start = time.perf_counter()
        write_yaml(knowledge, root)
        written = time.perf_counter() - start
        parsed = {} if cache is None else {"parsed": cache / PARSED_DIR}
        start = time.perf_counter()
        try:
            loaded = loader.load_knowledge_base(root, **parsed)
        except Exception as exc:  # the loader's own error type is not ours to know
            return written, None, f"the loader refused the generated files: {exc}"
        seconds = time.perf_counter() - start
    if len(loaded.facts) != len(knowledge.facts):
        return written, seconds, f"the loader read {len(loaded.facts)} of the facts"
    return written, seconds, None


def run_speed(
    facts: int, *, seed: int = 0, queries: int = 1000, matcher_factory: Callable | None = None,
    cache: Path | None = None,
) -> SpeedReport:
    """Generate the data, then time loading, matching and autocomplete in this one process.
    `cache`: the folder of the phrasing vectors (as the bot's data directory): the first run
    on it times a cold build, the next ones a warm start."""
    model_load = None
    if matcher_factory is None:
        from bot.core.matching import Matcher
        from bot.core.matching.semantic import semantic_model

        started = time.perf_counter()
        model = semantic_model(cache)  # the vectors' file is read by the build, on first use
        model_load = time.perf_counter() - started

        def matcher_factory(knowledge: KnowledgeBase) -> Any:
            return Matcher(knowledge, semantic=model)
    cores, undo = one_core()
    try:
        return _run(facts, seed, queries, matcher_factory, cores, model_load, cache)
    finally:
        undo()


def _run(n: int, seed: int, count: int, factory: Callable, cores: str,
         model_load: float | None, cache: Path | None) -> SpeedReport:
    fact_list = generate_facts(n, seed)
    knowledge = KnowledgeBase.from_facts(fact_list)
    asked = generate_queries(fact_list, count, seed)
    prefixes = generate_prefixes(fact_list, count, seed)
    warm_q = [q.text for q in generate_queries(fact_list, WARMUP, seed, stream="warm")]
    warm_p = generate_prefixes(fact_list, WARMUP, seed, stream="warm")
    notes: list[str] = []
    gc.collect()
    rss_before = rss_now_mb()
    yaml_write, yaml_load, note = _yaml_round_trip(knowledge, cache, f"knowledge-{n}-{seed}")
    peak_yaml = rss_peak_mb()
    notes += [note] if note else []
    gc.collect()
    start = time.perf_counter()
    matcher = factory(knowledge)
    build = time.perf_counter() - start
    gc.collect()
    rss_after, peak = rss_now_mb(), rss_peak_mb()
    rss_released = rss_now_mb() if release_free_memory() else None  # as the bot does

    if getattr(matcher, "restored", False):
        notes.append("the word index and the centroids read from a snapshot, not built")
    semantic = getattr(matcher, "semantic", None)
    if semantic is not None:
        calibration = matcher.calibration
        notes.append(
            f"calibration read from disk (learned in {calibration.seconds:.2f} s)"
            if calibration.stored else f"calibration: {calibration.seconds:.2f} s of the build")
    results: list[Any] = []
    match = measure(lambda q: results.append(matcher.match(q)), [q.text for q in asked], warm_q)
    complete = measure(lambda p: matcher.complete(p, limit=25), prefixes, warm_p)
    phrasings = [p for f in fact_list for p in f.phrasings]
    sample = [q.text for q in asked[:RAPIDFUZZ_MAX_QUERIES]]
    plain = measure(
        lambda q: process.extractOne(
            q, phrasings, scorer=fuzz.WRatio, processor=utils.default_process
        ),
        sample,
        warm_q[:5],
    )
    if len(sample) < len(asked):
        notes.append(f"plain RapidFuzz timed on the first {len(sample)} questions only")
    results = results[len(warm_q) :]  # the warm-up's answers are not scored
    related = [(q, r) for q, r in zip(asked, results, strict=True) if q.expected]
    unrelated = [r for q, r in zip(asked, results, strict=True) if not q.expected]
    right = sum(1 for q, r in related if r.fact is not None and r.fact.id == q.expected)
    wrong = sum(1 for q, r in related if r.fact is not None and r.fact.id != q.expected)
    report = SpeedReport(
        facts=n,
        phrasings=len(phrasings),
        seed=seed,
        build_s=build,
        yaml_write_s=yaml_write,
        yaml_load_s=yaml_load,
        match=match,
        complete=complete,
        rapidfuzz=plain,
        rss_before_mb=rss_before,
        rss_after_mb=rss_after,
        peak_rss_mb=peak,
        peak_rss_yaml_mb=peak_yaml,
        answered_right=right / len(related) if related else 0.0,
        answered_wrong=wrong / len(related) if related else 0.0,
        unrelated_declined=(
            sum(1 for r in unrelated if r.fact is None) / len(unrelated) if unrelated else 0.0
        ),
        cores=cores,
        notes=tuple(notes),
        meaning=semantic is not None,
        embedded=semantic.embedded if semantic is not None else 0,
        rss_released_mb=rss_released,
        model_load_s=model_load,
    )
    return _with_targets(report)


def _with_targets(report: SpeedReport) -> SpeedReport:
    if report.meaning:  # issue 14's targets: the question's embedding included
        warm = report.embedded == 0
        targets = (
            SpeedTarget("match p99", 15.0, report.match.p99_ms, "ms"),
            SpeedTarget("autocomplete p99", 20.0, report.complete.p99_ms, "ms"),
            SpeedTarget("start, warm cache", 2.0, report.load_s if warm else None, "s"),
            SpeedTarget("peak RSS", 450.0, report.peak_rss_mb, "MB"),
        )
    else:
        targets = (
            SpeedTarget("match p99", 5.0, report.match.p99_ms, "ms"),
            SpeedTarget("autocomplete p99", 20.0, report.complete.p99_ms, "ms"),
            SpeedTarget("load (YAML + index)", 2.0, report.load_s, "s"),
            SpeedTarget("peak RSS", 300.0, report.peak_rss_mb, "MB"),
        )
    fields = {**{f: getattr(report, f) for f in report.__dataclass_fields__}, "targets": targets}
    return SpeedReport(**fields)


def format_speed(report: SpeedReport) -> str:
    """Plain-text summary, targets beside, verdicts marked when N is not the targets' size."""
    at_size = report.facts == TARGET_FACTS
    lines = [
        f"Synthetic knowledge base: {report.facts:,} facts, {report.phrasings:,} phrasings "
        f"(seed {report.seed}); {report.cores}",
        "",
    ]
    if report.yaml_load_s is not None:
        lines.append(
            f"YAML write {report.yaml_write_s:.2f} s (not a target), "
            f"load with the project's loader {report.yaml_load_s:.2f} s"
        )
    model = (f"model load {report.model_load_s:.2f} s, " if report.model_load_s is not None
             else "")
    lines.append(f"{model}Matcher build {report.build_s:.2f} s; load total {report.load_s:.2f} s")
    if report.meaning:
        embedded = report.embedded
        state = "warm: every vector from the cache" if not embedded else (
            f"cold: {embedded:,} phrasings embedded, "
            f"{embedded / max(report.build_s, 1e-9):,.0f} a second or more")
        lines.append(f"Meaning on ({state})")
    lines.append(
        f"RSS: {report.rss_before_mb:.0f} MB before indexing, {report.rss_after_mb:.0f} MB "
        f"after, peak {report.peak_rss_mb:.0f} MB ({report.peak_rss_yaml_mb:.0f} MB "
        "reached by the end of the YAML load)"
    )
    if report.rss_released_mb is not None:
        lines.append(f"RSS once the memory freed while building is returned, as the bot does at "
                     f"start: {report.rss_released_mb:.0f} MB")
    lines += ["", f"{'latency':<34}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'per s':>9}"]
    for label, lat in (
        ("CareerBot match()", report.match),
        ("CareerBot complete(limit=25)", report.complete),
        ("RapidFuzz extractOne WRatio", report.rapidfuzz),
    ):
        lines.append(
            f"{label:<34}{lat.count:>6}{lat.p50_ms:>9.2f}{lat.p99_ms:>9.2f}{lat.max_ms:>9.2f}"
            f"{lat.per_second:>9,.0f}"
        )
    lines += [
        "",
        f"Perturbed phrasings: {report.answered_right:.1%} answered with their fact, "
        f"{report.answered_wrong:.1%} with another; unrelated questions declined: "
        f"{report.unrelated_declined:.1%} (a sanity check, not a target)",
        "",
        f"Targets (issue; set at N={TARGET_FACTS:,} on one core):",
    ]
    for t in report.targets:
        verdict = "not measured" if t.met is None else ("met" if t.met else "MISSED")
        if not at_size and t.met is not None:
            verdict += f" (at N={report.facts:,}, not {TARGET_FACTS:,})"
        value = "-" if t.value is None else f"{t.value:.2f} {t.unit}"
        lines.append(f"  {t.label:<22} <= {t.goal:g} {t.unit:<3} {value:>13}  {verdict}")
    lines += [f"Note: {n}" for n in report.notes]
    return "\n".join(lines)
