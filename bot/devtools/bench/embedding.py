"""Where a question's embedding time goes (`python -m bot bench embedding`).

Times `Embedder.embed_one` (tokenizer, model, pooling: what each question costs) on questions
of a given number of word pieces, then runs the model once more under onnxruntime's own
profiler and sums its kernels' time by operator type. On the pinned model the matrix products
dominate at every length, and a 4-piece question costs most of a 12-piece one: the time goes
to reading the weights, not to the tokens.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.matching.embedding import Embedder, new_session
from bot.devtools.bench.timing import measure

LENGTHS = (4, 8, 12, 16, 32)
FILLER = "machine"
"""One word piece in the model's vocabulary: `n` of them make a question of n + 2 pieces."""


@dataclass(frozen=True, slots=True)
class LengthTiming:
    tokens: int
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True, slots=True)
class OperatorTime:
    operator: str
    ms_per_run: float
    nodes: int


@dataclass(frozen=True, slots=True)
class EmbeddingReport:
    threads: int
    runs: int
    by_length: tuple[LengthTiming, ...]
    profiled_tokens: int
    by_operator: tuple[OperatorTime, ...]
    """Kernel time of one run by operator type, most first."""


def text_of(tokens: int) -> str:
    """A text the tokenizer reads as `tokens` word pieces (with its two markers)."""
    return " ".join([FILLER] * max(1, tokens - 2))


def time_lengths(embedder: Embedder, lengths: Sequence[int], runs: int) -> list[LengthTiming]:
    timings = []
    for tokens in lengths:
        text = text_of(tokens)
        latency = measure(embedder.embed_one, [text] * runs, [text] * max(3, runs // 10))
        timings.append(LengthTiming(tokens, latency.p50_ms, latency.p99_ms))
    return timings


def profile_operators(model: Path, threads: int, tokens: int, runs: int) -> list[OperatorTime]:
    """Kernel time per operator type of one run on `tokens` pieces (mean of `runs`)."""
    ids = np.full((1, tokens), 2000, dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids)}
    with tempfile.TemporaryDirectory() as folder:
        session = new_session(model.read_bytes(), threads,
                              profile_prefix=str(Path(folder) / "profile"))
        for _ in range(runs):
            session.run(None, feed)  # type: ignore[attr-defined]
        trace = json.loads(Path(session.end_profiling()).read_text())  # type: ignore[attr-defined]
    spent: Counter[str] = Counter()
    nodes: Counter[str] = Counter()
    for event in trace:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            operator = event.get("args", {}).get("op_name", "?")
            spent[operator] += event["dur"]
            nodes[operator] += 1
    return [OperatorTime(op, micros / runs / 1000, nodes[op] // runs)
            for op, micros in spent.most_common()]


def run_embedding(embedder: Embedder, *, threads: int = 1, runs: int = 200,
                  lengths: Sequence[int] = LENGTHS, profiled_tokens: int = 12) -> EmbeddingReport:
    return EmbeddingReport(
        threads=threads,
        runs=runs,
        by_length=tuple(time_lengths(embedder, lengths, runs)),
        profiled_tokens=profiled_tokens,
        by_operator=tuple(profile_operators(embedder.info.path, threads, profiled_tokens,
                                            max(1, runs // 4))),
    )


def format_embedding(report: EmbeddingReport, top: int = 8) -> str:
    lines = [f"question embedding, {report.threads} thread(s), {report.runs} runs a length",
             "  word pieces   p50 ms   p99 ms"]
    lines += [f"  {t.tokens:11d} {t.p50_ms:8.2f} {t.p99_ms:8.2f}" for t in report.by_length]
    total = sum(o.ms_per_run for o in report.by_operator)
    lines.append(f"onnxruntime kernels, {report.profiled_tokens} word pieces: "
                 f"{total:.2f} ms a run")
    for op in report.by_operator[:top]:
        share = op.ms_per_run / total if total else 0.0
        lines.append(f"  {op.operator:24s} {op.ms_per_run:6.2f} ms  {share:6.1%}  "
                     f"({op.nodes} nodes)")
    return "\n".join(lines)
