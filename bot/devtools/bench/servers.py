"""Server layers at scale: many servers, each with its own facts, asked through `AnswerService`.

In a temporary folder, `servers` layers of `facts` synthetic facts each are written through
each server's `KnowledgeStore` (an import: validated, recorded), then questions are asked in
the servers as the bot asks them:
- each server's first question (its layer loaded and built cold: phrasings embedded);
- `queries` questions spread over the servers at random (layers warm), and the same in a DM
  (the base alone), interleaved, so that what the layers add to a question's latency shows;
- some layers read again from their files (as after an eviction or a restart: their vectors
  come from each layer's cache file).
The questions are of four kinds, which also say how the combined answers fare: a perturbed
phrasing of one of the server's facts, a question of the gold set (answered as in a DM?), an
off-topic question, and a phrasing of another server's fact (never answered with that fact:
the layers are apart by construction; answered with one of the server's own is counted).
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.core.answers import Answer
from bot.core.editing.yaml_writer import dump_topic
from bot.core.knowledge.models import Citation, Fact, KnowledgeBase
from bot.core.layers import ServerLayers
from bot.core.layers.folders import FIRST_TOPIC, FIRST_TOPIC_TITLE
from bot.core.service import AnswerService
from bot.devtools.bench.synthetic import generate_facts, generate_queries
from bot.devtools.bench.timing import Latency, one_core, percentile, rss_now_mb, rss_peak_mb
from bot.devtools.evaluation import GoldQuestion

FIRST_GUILD = 100_000_000_000_000_000
SOURCE = "server-guide"
VIA = "bench"
KINDS = ("own", "base", "off-topic", "other-server")
SHARES = (0.5, 0.2, 0.1, 0.2)
RELOADED = 20
"""Layers read again from their files at the end (their vectors then come from disk)."""
TARGET_P99_MS = 15.0
"""`bench speed`'s target for a match with the meaning signal (issue 14)."""


@dataclass(frozen=True, slots=True)
class Question:
    guild_id: int
    text: str
    kind: str
    expect: tuple[str, ...]  # own: the fact; base: the gold set's; others: none


@dataclass(frozen=True, slots=True)
class Quality:
    own_right: float
    own_wrong: float
    """Answered with another fact (of the server or of the base)."""
    base_as_in_dm: float
    """Gold questions answered in a server as in a DM (the layer took none of them)."""
    base_right_server: float
    base_right_dm: float
    off_topic_declined: float
    other_server_taken: float
    """Another server's question answered with one of this server's facts."""


@dataclass(frozen=True, slots=True)
class ServersReport:
    servers: int
    facts_per_server: int
    phrasings_per_fact: int
    base_facts: int
    seed: int
    own_thresholds: bool
    capacity: int
    write_s: float
    """Writing every layer through its store (an import each)."""
    first_question: Latency
    """Each server's first question: the layer loaded and built (cold), then asked."""
    cold_build: Latency
    """The build alone (load, index, embedding), per server."""
    reload: Latency
    """Rebuilding a layer from its files with its vectors on disk (after an eviction)."""
    in_server: Latency
    in_dm: Latency
    layer_mb: float
    """Memory a layer holds (traced allocations of layers rebuilt from their files)."""
    rss_before_mb: float
    rss_after_mb: float
    """After every server's first question (the model's working memory for the cold builds
    included)."""
    peak_rss_mb: float
    builds: int
    evictions: int
    quality: Quality
    cores: str
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _latency(times_ns: list[int]) -> Latency:
    times = sorted(times_ns)
    total = sum(times)
    return Latency(len(times), percentile(times, 0.5), percentile(times, 0.99),
                   times[-1] / 1e6 if times else 0.0,
                   len(times) / (total / 1e9) if total else 0.0)


def _timed(calls: list[Callable[[], Any]]) -> tuple[Latency, list[Any]]:
    gc.collect()
    times, results = [], []
    clock = time.perf_counter_ns
    for call in calls:
        start = clock()
        results.append(call())
        times.append(clock() - start)
    return _latency(times), results


def layer_facts(servers: int, facts: int, phrasings: int, seed: int) -> dict[int, list[Fact]]:
    """Each server's facts: distinct synthetic facts, `phrasings` phrasings each."""
    made = generate_facts(servers * facts, seed)
    return {
        FIRST_GUILD + n: [
            replace(f, topic=FIRST_TOPIC, alternates=f.alternates[: phrasings - 1],
                    citations=(Citation(SOURCE, f.answer),))
            for f in made[n * facts : (n + 1) * facts]
        ]
        for n in range(servers)
    }


def _write_layers(service: AnswerService, layers: dict[int, list[Fact]]) -> float:
    started = time.perf_counter()
    for guild_id, facts in layers.items():
        sources = (f"sources:\n  - id: {SOURCE}\n    title: The server's guide\n"
                   f"    url: https://example.org/servers/{guild_id}/guide\n").encode()
        topic = dump_topic(FIRST_TOPIC, FIRST_TOPIC_TITLE, facts).encode()
        service.layer_store(guild_id).import_topics(
            {"sources.yaml": sources, f"{FIRST_TOPIC}.yaml": topic}, actor=VIA, apply=True)
    return time.perf_counter() - started


def _questions(layers: dict[int, list[Fact]], gold: list[GoldQuestion], count: int,
               seed: int) -> list[Question]:
    rng = random.Random(f"servers-{seed}")
    guilds = list(layers)
    answerable = [g for g in gold if g.expect]
    off_topic = [g.text for g in gold if not g.expect] + [
        q.text for q in generate_queries(layers[guilds[0]], 50, seed, unrelated_share=1.0)]
    out = []
    for n in range(count):
        guild = rng.choice(guilds)
        kind = rng.choices(KINDS, SHARES)[0]
        if kind in ("own", "other-server"):
            owner = guild if kind == "own" else rng.choice([g for g in guilds if g != guild]
                                                            or guilds)
            asked = generate_queries(layers[owner], 1, seed, unrelated_share=0.0,
                                     stream=f"{n}")[0]
            expect = (asked.expected,) if kind == "own" and asked.expected else ()
            out.append(Question(guild, asked.text, kind, expect))
        elif kind == "base" and answerable:
            picked = rng.choice(answerable)
            out.append(Question(guild, picked.text, kind, picked.expect))
        else:
            out.append(Question(guild, rng.choice(off_topic), "off-topic", ()))
    return out


def _quality(asked: list[Question], in_server: list[Answer], in_dm: list[Answer],
             owned: dict[int, set[str]]) -> Quality:
    def share(kind: str, test: Callable[[Question, Answer, Answer], bool]) -> float:
        rows = [(q, s, d) for q, s, d in zip(asked, in_server, in_dm, strict=True)
                if q.kind == kind]
        return sum(1 for row in rows if test(*row)) / len(rows) if rows else float("nan")

    return Quality(
        own_right=share("own", lambda q, s, _d: s.fact_id in q.expect),
        own_wrong=share("own", lambda q, s, _d: s.answered and s.fact_id not in q.expect),
        base_as_in_dm=share("base", lambda _q, s, d: s.fact_id == d.fact_id),
        base_right_server=share("base", lambda q, s, _d: s.fact_id in q.expect),
        base_right_dm=share("base", lambda q, _s, d: d.fact_id in q.expect),
        off_topic_declined=share("off-topic", lambda _q, s, _d: not s.answered),
        other_server_taken=share("other-server",
                                 lambda q, s, _d: s.fact_id in owned[q.guild_id]),
    )


def run_servers(
    knowledge: KnowledgeBase, gold: list[GoldQuestion], *, semantic: Any, servers: int = 100,
    facts: int = 50, queries: int = 1000, phrasings: int = 3, seed: int = 0,
    own_thresholds: bool = False, capacity: int | None = None,
) -> ServersReport:
    """Build the layers in a temporary folder and time questions in the servers (one core)."""
    cores, undo = one_core()
    try:
        with tempfile.TemporaryDirectory(prefix="careerbot-servers-") as tmp:
            service = AnswerService(knowledge, semantic=semantic, layers=Path(tmp) / "servers",
                                    layer_capacity=capacity or servers)
            if own_thresholds:
                assert service.layers is not None
                service.layers.own_thresholds = True
            return _run(service, gold, servers, facts, queries, phrasings, seed, cores)
    finally:
        undo()


def _run(service: AnswerService, gold: list[GoldQuestion], servers: int, facts: int,
         queries: int, phrasings: int, seed: int, cores: str) -> ServersReport:
    layers = service.layers
    assert layers is not None
    made = layer_facts(servers, facts, phrasings, seed)
    owned = {guild: {f.id for f in layer} for guild, layer in made.items()}
    write_s = _write_layers(service, made)
    gc.collect()
    rss_before = rss_now_mb()
    firsts = [generate_queries(layer, 1, seed, unrelated_share=0.0, stream="first")[0].text
              for layer in made.values()]
    first, _ = _timed([lambda g=g, q=q: service.ask(q, via=VIA, guild_id=g, record=False)
                       for g, q in zip(made, firsts, strict=True)])
    cold_build = _latency([round(s * 1e9) for s in list(layers.stats.build_seconds)])
    gc.collect()
    rss_after = rss_now_mb()
    asked = _questions(made, gold, queries, seed)
    in_server, in_dm, server_answers, dm_answers = _server_and_dm(service, asked)
    sample = list(made)[:RELOADED]
    for guild in sample:
        layers.reload(guild)
    reload, _ = _timed([lambda g=g: layers.get(g) for g in sample])
    layer_mb = _traced_mb(layers, sample)
    notes = []
    if layers.stats.evictions:
        notes.append(f"{layers.stats.evictions} layers evicted (capacity {layers.capacity}): "
                     "their servers' next questions rebuilt them from their files")
    return ServersReport(
        servers=servers, facts_per_server=facts, phrasings_per_fact=phrasings,
        base_facts=len(service.knowledge.facts), seed=seed,
        own_thresholds=layers.own_thresholds, capacity=layers.capacity, write_s=write_s,
        first_question=first, cold_build=cold_build, reload=reload,
        in_server=in_server, in_dm=in_dm, layer_mb=layer_mb, rss_before_mb=rss_before,
        rss_after_mb=rss_after,
        peak_rss_mb=rss_peak_mb(), builds=layers.stats.builds,
        evictions=layers.stats.evictions,
        quality=_quality(asked, server_answers, dm_answers, owned), cores=cores,
        notes=tuple(notes),
    )


def _server_and_dm(service: AnswerService, asked: list[Question]
                   ) -> tuple[Latency, Latency, list[Answer], list[Answer]]:
    """Each question in its server and in a DM, the two timings interleaved (what else runs
    on the machine weighs on both alike); the DM asks lag half the list behind, so that no
    question's vector is still among the model's recent ones."""
    lag = len(asked) // 2
    order = [(n, True) for n in range(len(asked))]
    order = [step for n, pair in enumerate(order)
             for step in (pair, ((n - lag) % len(asked), False))]
    times: dict[bool, list[int]] = {True: [], False: []}
    answers: dict[bool, dict[int, Answer]] = {True: {}, False: {}}
    clock = time.perf_counter_ns
    gc.collect()
    for n, in_server in order:
        question = asked[n]
        start = clock()
        answer = service.ask(question.text, via=VIA, record=False,
                             guild_id=question.guild_id if in_server else None)
        times[in_server].append(clock() - start)
        answers[in_server][n] = answer
    return (_latency(times[True]), _latency(times[False]),
            [answers[True][n] for n in range(len(asked))],
            [answers[False][n] for n in range(len(asked))])


def _traced_mb(layers: ServerLayers, guilds: list[int]) -> float:
    """The memory of a layer: allocations made while `guilds`' layers are rebuilt from their
    files and kept (what the layers they replace held was allocated before tracing)."""
    kept = []
    gc.collect()
    tracemalloc.start()
    try:
        for guild in guilds:
            layers.reload(guild)
            kept.append(layers.get(guild))
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return held / 2**20 / max(1, len(guilds))


def format_servers(report: ServersReport) -> str:
    """Plain-text summary."""
    r, q = report, report.quality
    mode = "their own calibration" if r.own_thresholds else "the base's calibrated thresholds"
    lines = [
        f"{r.servers} servers x {r.facts_per_server} facts ({r.phrasings_per_fact} phrasings "
        f"each) on a base of {r.base_facts} facts; layers decide with {mode}; "
        f"cache of {r.capacity} layers; {r.cores}",
        f"Layers written through their stores (one import each) in {r.write_s:.1f} s",
        "",
        f"{'latency':<44}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}",
    ]
    for label, lat in (
        ("ask in a server (layer warm)", r.in_server),
        ("ask in a DM (base only), same questions", r.in_dm),
        ("first question of a server (cold build)", r.first_question),
        ("  of which the layer's build", r.cold_build),
        ("layer rebuilt from its files (vectors cached)", r.reload),
    ):
        lines.append(f"{label:<44}{lat.count:>6}{lat.p50_ms:>9.2f}{lat.p99_ms:>9.2f}"
                     f"{lat.max_ms:>9.2f}")
    verdict = "met" if r.in_server.p99_ms <= TARGET_P99_MS else "MISSED"
    dm_verdict = "met" if r.in_dm.p99_ms <= TARGET_P99_MS else "missed"
    lines += [
        "",
        f"The layers add {r.in_server.p50_ms - r.in_dm.p50_ms:+.2f} ms at p50, "
        f"{r.in_server.p99_ms - r.in_dm.p99_ms:+.2f} ms at p99 (ask in a server vs a DM)",
        f"ask in a server p99 {r.in_server.p99_ms:.2f} ms: target <= {TARGET_P99_MS:g} ms "
        f"(bench speed's) {verdict}; in a DM {r.in_dm.p99_ms:.2f} ms, {dm_verdict}",
        f"Memory: {r.layer_mb:.2f} MB a layer (traced); RSS {r.rss_before_mb:.0f} MB before "
        f"the layers, {r.rss_after_mb:.0f} MB with {min(r.servers, r.capacity)} built "
        f"(the model's working memory for the cold builds included), peak "
        f"{r.peak_rss_mb:.0f} MB; {r.builds} builds, {r.evictions} evictions",
        "",
        f"Own facts (perturbed phrasings): {q.own_right:.1%} right, {q.own_wrong:.1%} wrong",
        f"Gold questions in a server: {q.base_as_in_dm:.1%} answered as in a DM "
        f"({q.base_right_server:.1%} right in a server, {q.base_right_dm:.1%} in a DM)",
        f"Off-topic declined: {q.off_topic_declined:.1%}; another server's question answered "
        f"with one of this server's facts: {q.other_server_taken:.1%}",
    ]
    lines += [f"Note: {n}" for n in r.notes]
    return "\n".join(lines)
