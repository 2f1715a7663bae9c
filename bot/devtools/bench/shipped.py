"""The shipped knowledge base's speed, as the bot runs it (`python -m bot bench speed --shipped`).

Start is timed in fresh processes, as a restart is: the first on an empty vector cache (a cold
start: the model loaded, every phrasing embedded, the thresholds learned), the second on what
the first left (a warm start); a start counts reading the knowledge files, loading the model
and building the matcher, not Python's own start and imports (0.5 s; 0.9 s for the whole bot,
whatever the knowledge base). Match latency is then timed here, on one core, over the gold
set's questions, each asked once (a question's vector is never reused from an earlier ask).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.devtools.bench.timing import Latency, measure, one_core

if TYPE_CHECKING:
    from bot.core.knowledge.models import KnowledgeBase

CHILD = "bot.devtools.bench.shipped"


@dataclass(frozen=True, slots=True)
class Start:
    knowledge_s: float
    """Reading and validating the knowledge files."""
    model_s: float
    """Loading the model (its hash checked) and the tokenizer."""
    build_s: float
    """Building the matcher: the index, the phrasing vectors (embedded or read), the
    calibration (learned or read)."""
    embedded: int
    """Phrasings embedded (0: all read from the cache)."""

    @property
    def total_s(self) -> float:
        return self.knowledge_s + self.model_s + self.build_s


@dataclass(frozen=True, slots=True)
class ShippedSpeed:
    facts: int
    phrasings: int
    questions: int
    cold: Start
    warm: Start
    match: Latency
    cores: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cold"]["total_s"], data["warm"]["total_s"] = self.cold.total_s, self.warm.total_s
        return data


def start_once(knowledge: Path, cache: Path) -> Start:
    """One start in this process: the model, then the matcher over `knowledge`."""
    from bot.core.knowledge.loader import load_knowledge_base
    from bot.core.matching import Matcher
    from bot.core.matching.semantic import semantic_model

    started = time.perf_counter()
    kb = load_knowledge_base(knowledge)
    read = time.perf_counter()
    model = semantic_model(cache)
    loaded = time.perf_counter()
    if model is None:
        raise RuntimeError("the embedding model could not be loaded (see the log)")
    Matcher(kb, semantic=model)
    return Start(read - started, loaded - read, time.perf_counter() - loaded, model.embedded)


def start_in_new_process(knowledge: Path, cache: Path) -> Start:
    done = subprocess.run([sys.executable, "-m", CHILD, str(knowledge), str(cache)],
                          capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the start process failed: {done.stderr.strip()[-500:]}")
    return Start(**json.loads(done.stdout.strip().splitlines()[-1]))


def run_shipped(knowledge: Path, kb: KnowledgeBase, questions: list[str]) -> ShippedSpeed:
    """Start cold and warm (fresh processes, on the folder `knowledge`), then time `match` over
    `questions` here (on `kb`, that folder's knowledge base as already loaded)."""
    from bot.core.matching import Matcher
    from bot.core.matching.semantic import semantic_model

    with tempfile.TemporaryDirectory(prefix="careerbot-shipped-") as folder:
        cache = Path(folder)
        cold = start_in_new_process(knowledge, cache)
        warm = start_in_new_process(knowledge, cache)
        model = semantic_model(cache)
        matcher = Matcher(kb, semantic=model)
        warmup = [fact.question[::-1] for fact in list(kb.facts.values())[:20]]
        cores, undo = one_core()
        try:
            latency = measure(matcher.match, questions, warmup)
        finally:
            undo()
    phrasings = sum(len(f.phrasings) for f in kb.facts.values())
    return ShippedSpeed(len(kb.facts), phrasings, len(questions), cold, warm, latency, cores)


def format_shipped(report: ShippedSpeed) -> str:
    m = report.match

    def start(name: str, s: Start) -> str:
        return (f"  start, {name}: {s.total_s:.2f} s (knowledge {s.knowledge_s:.2f} s, model "
                f"{s.model_s:.2f} s, matcher {s.build_s:.2f} s, {s.embedded} phrasings "
                "embedded)")

    return "\n".join([
        f"shipped knowledge base: {report.facts} facts, {report.phrasings} phrasings; "
        f"{report.questions} gold questions timed on {report.cores}",
        f"  match p50 {m.p50_ms:.2f} ms, p99 {m.p99_ms:.2f} ms, max {m.max_ms:.2f} ms"
        "   target p99 <= 12 ms",
        start("cold (empty vector cache)", report.cold) + "   target <= 10 s",
        start("warm (vectors and calibration on disk)", report.warm) + "   target <= 2 s",
    ])


if __name__ == "__main__":  # one start, in a process of its own (see `start_in_new_process`)
    print(json.dumps(asdict(start_once(Path(sys.argv[1]), Path(sys.argv[2])))))
