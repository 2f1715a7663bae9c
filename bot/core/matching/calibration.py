"""Decisions calibrated on the knowledge base itself, not on constants tuned on a test set.

With the meaning signal on, how high a score must be to answer depends on the knowledge base:
in one whose facts are all about one job, a question it does not cover still reads much like
some fact ("ML engineer pay in the UK" next to "ML engineer pay in the US"); in one whose
entries are about everything (bank transfers, recipes, the weather), an uncovered question
reads like none. So at build time the matcher asks itself questions whose right answer it
knows, from its own text:

- **held-out phrasings** (what a covered question scores): a sample of the phrasings, each
  asked with itself left out of its fact (its words, its spelling, its meaning);
- **held-out facts** (what an uncovered question scores, near neighbours included): the same
  phrasings, with their whole fact left out, so the best *other* fact's score is what the
  knowledge base gives a question it can not answer.

`answer` is the median of the held-out facts' best scores: half the uncovered questions that
read most like the knowledge base (another fact's own phrasings) fall under it, and real
off-topic questions, which read less like it, fall under it far more often; the question
forms, scope and lead rules decline more. Where the bot speaks unprompted it needs the 90th
percentile. Close calls, suggestions and the lead follow from the spread of the held-out facts'
scores. A chatty question scores under `answer` even when it points at one fact only: it
still answers from `floor` (the held-out facts' lower quartile) when its best fact leads the
runner-up by `sure_lead`, a lead that only one held-out fact in twenty gives its best other
fact (their leads' 95th percentile): an uncovered question rarely leads that clearly.

A knowledge base with one phrasing per fact gets held-out facts all the same (the
questions are its phrasings, and the rest of the knowledge base answers them), so it is
calibrated like any other; one with fewer than `MIN_FACTS` facts gets `SMALL`.

Cost: one match per sampled phrasing (at most `SAMPLE` phrasings; ~1-3 ms each), paid when the
matcher is built, and only once for a knowledge base: `CalibrationStore` keeps the result beside
the embedding cache, keyed by everything it depends on (`calibration_key`), so a restart on the
same knowledge base reads it back instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from bot.core.matching.thresholds import Thresholds
from bot.core.whole_files import keep_newest, replace_whole

if TYPE_CHECKING:
    from bot.core.knowledge.models import Fact

log = logging.getLogger(__name__)

SAMPLE = 600
"""Phrasings asked at most (drawn with a fixed seed: the same knowledge base, the same result)."""
MIN_FACTS = 4
ANSWER_QUANTILE = 0.5
UNPROMPTED_QUANTILE = 0.9
FLOOR_QUANTILE = 0.25
SURE_LEAD_QUANTILE = 0.95
DRIFT = 0.05
"""A calibration still fits a knowledge base whose phrasings differ from those it was learned
on by at most this share: a moderator's edit reuses it instead of paying for a new one."""
LEAD = 1.02
"""The best must beat the runner-up by this ratio (the meaning signal lifts every score, so
the lexical matcher's 1.10 would decline most close but right answers)."""


@dataclass(frozen=True, slots=True)
class Calibration:
    thresholds: Thresholds
    unprompted: float
    """The confidence needed where the bot speaks unprompted."""
    asked: int
    """Phrasings asked."""
    covered_median: float
    """Median score of a held-out phrasing's own fact."""
    uncovered: tuple[float, float, float]
    """Best other fact's score with the whole fact held out: 10th, 50th, 90th percentile."""
    seconds: float
    learned_on: Basis = field(default_factory=lambda: Basis(()), compare=False, repr=False)
    """The (fact, phrasing) pairs it was learned on (none: fixed values)."""
    stored: bool = field(default=False, compare=False)
    """Read back from disk (`CalibrationStore`), not learned by this process."""

    def fits(self, facts: Sequence[Fact]) -> bool:
        """Whether it may serve `facts` too: at most `DRIFT` of their phrasings differ from
        those it was learned on (edits add up: each is measured against the basis, and
        a calibration that has drifted too far is learned anew)."""
        basis = self.learned_on.pairs()
        if not len(basis) or len(facts) < MIN_FACTS:
            return False
        new = _basis(facts)
        differing = len(np.setxor1d(basis, new, assume_unique=True))
        return differing <= DRIFT * max(len(basis), len(new))

    def describe(self) -> str:
        t = self.thresholds
        where = " (read from disk)" if self.stored else ""
        return (
            f"calibrated on {self.asked} held-out phrasings in {self.seconds:.1f} s{where}: "
            f"covered "
            f"median {self.covered_median:.2f}, uncovered p10/p50/p90 "
            f"{self.uncovered[0]:.2f}/{self.uncovered[1]:.2f}/{self.uncovered[2]:.2f}; "
            f"answer {t.answer:.2f}, strong {t.strong:.2f}, suggest {t.suggest:.2f}, "
            f"unprompted {self.unprompted:.2f}"
        )


SMALL = Thresholds(answer=0.60, lead=LEAD, floor=0.60, sure_lead=LEAD, strong=0.65,
                   suggest=0.45)
"""A knowledge base of fewer than `MIN_FACTS` facts has too little to learn from: these, the
values calibrated on the shipped knowledge base (rounded)."""
SMALL_UNPROMPTED = 0.70


class Asks(Protocol):
    """What calibrating needs of a matcher (`bot.core.matching.matcher.Matcher`, which imports
    this module: a protocol, not an import cycle)."""

    facts: tuple[Fact, ...]

    def scores_held_out(self, fact_index: int, phrasing: int) -> list[tuple[int, float]]: ...


def calibrate(matcher: Asks, *, sample: int = SAMPLE) -> Calibration:
    """Thresholds for `matcher` from its own knowledge base."""
    started = time.perf_counter()
    facts = matcher.facts
    if len(facts) < MIN_FACTS:
        return Calibration(SMALL, SMALL_UNPROMPTED, 0, float("nan"),
                           (SMALL.suggest, SMALL.answer, SMALL_UNPROMPTED),
                           time.perf_counter() - started)
    pairs = [(f, p) for f, fact in enumerate(facts) for p in range(len(fact.phrasings))]
    random.Random(0).shuffle(pairs)
    covered: list[float] = []
    uncovered: list[float] = []
    leads: list[float] = []
    """With the whole fact held out: how far its best other fact leads the next one."""
    for f, p in pairs[:sample]:
        scored = matcher.scores_held_out(f, p)
        own = next((s for i, s in scored if i == f), None)
        others = (s for i, s in scored if i != f)
        other, next_other = next(others, 0.0), next(others, 0.0)
        if own is not None and len(facts[f].phrasings) > 1:
            covered.append(own)
        uncovered.append(other)
        if next_other > 0:
            leads.append(other / next_other)
    low, floor, mid, high = (float(x) for x in np.quantile(
        uncovered, [0.1, FLOOR_QUANTILE, ANSWER_QUANTILE, 0.9]))
    answer = mid
    sure_lead = float(np.quantile(leads, SURE_LEAD_QUANTILE)) if leads else LEAD
    thresholds = Thresholds(
        answer=answer,
        lead=LEAD,
        floor=floor if sure_lead > LEAD else answer,
        sure_lead=max(sure_lead, LEAD),
        strong=answer + (high - mid) / 2,
        suggest=low,
    )
    return Calibration(
        thresholds=thresholds,
        unprompted=float(np.quantile(uncovered, UNPROMPTED_QUANTILE)),
        asked=len(uncovered),
        covered_median=float(np.median(covered)) if covered else float("nan"),
        uncovered=(low, mid, high),
        seconds=time.perf_counter() - started,
        learned_on=Basis(facts),
    )


class Basis:
    """The (fact, phrasing) pairs of some facts, hashed and sorted on first use: only an edit
    compares them (`Calibration.fits`), so a start that reads its calibration back does not
    pay for them (0.2 s at 100,000 phrasings)."""

    __slots__ = ("_facts", "_pairs")

    def __init__(self, facts: Sequence[Fact]) -> None:
        self._facts: Sequence[Fact] | None = facts
        self._pairs: np.ndarray | None = None

    def pairs(self) -> np.ndarray:
        pairs = self._pairs
        if pairs is None:  # (another thread may be here too: it sets _pairs before _facts)
            facts = self._facts
            pairs = _basis(facts) if facts is not None else self._pairs
            self._pairs = pairs
            self._facts = None  # the facts of an old knowledge base are not kept alive
        assert pairs is not None
        return pairs


def _basis(facts: Sequence[Fact]) -> np.ndarray:
    return np.unique(np.fromiter(
        (hash((f.id, p)) for f in facts for p in f.phrasings), dtype=np.int64))


# -- kept on disk ------------------------------------------------------------------------------

KEEP_ON_DISK = 8
"""Calibrations kept in the directory (the most recently written): a knowledge base edited
back and forth, or several bots sharing a data directory, find theirs."""


@cache
def _code_fingerprint() -> bytes:
    """The source of the matching package and its word lists: a calibration (or an index
    snapshot) made by other code (another weight, another rule, another word) is not this
    code's."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("*.txt")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


def calibration_key(
    model_sha256: str, facts: Iterable[Fact], synonyms: Mapping[str, str],
    settings: Iterable[str],
) -> str:
    """What a calibration depends on, as one hex digest: the model, the matching code, every
    text the matcher reads of each fact, the synonyms and `settings` (the scope, the rules,
    each as a stable string). The same inputs give the same key in every process."""
    parts = (
        *(x for f in facts for x in ("\x1e", f.id, *f.phrasings, "\x1f", *f.keywords, "\x1f",
                                     f.answer)),
        "\x1d", *(x for pair in sorted(synonyms.items()) for x in pair),
        "\x1d", *settings,
    )
    digest = hashlib.sha256(_code_fingerprint())
    digest.update(model_sha256.encode())
    digest.update("\0".join(parts).encode("utf-8", "surrogatepass"))  # one pass, not one a text
    return digest.hexdigest()


class CalibrationStore:
    """Calibrations on disk, one small JSON file per key (`calibration-<key>.json`), written
    atomically; a file that does not parse or does not hold a calibration is logged and
    learned anew, never trusted, never a crash. Without a directory, nothing is kept."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"calibration-{key[:32]}.json"

    def get(self, key: str, facts: Sequence[Fact]) -> Calibration | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") != key:
                raise ValueError("written for another knowledge base")
            calibration = _from_json(data, facts)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("calibration %s ignored and learned anew: %s", path, exc)
            return None
        return calibration

    def put(self, key: str, calibration: Calibration) -> None:
        """Write it (a full disk or a read-only directory: logged, kept in memory only)."""
        path = self._path(key)
        if path is None:
            return
        text = json.dumps({"key": key, **_to_json(calibration)})
        try:
            replace_whole(path, lambda handle: handle.write(text.encode("utf-8")))
            keep_newest(path.parent, "calibration-*.json", KEEP_ON_DISK)
        except OSError as exc:
            log.warning("calibration not saved to %s: %s", path, exc.strerror or exc)



def _to_json(calibration: Calibration) -> dict[str, Any]:
    return {
        "thresholds": asdict(calibration.thresholds),
        "unprompted": calibration.unprompted,
        "asked": calibration.asked,
        "covered_median": None if math.isnan(calibration.covered_median)
        else calibration.covered_median,
        "uncovered": list(calibration.uncovered),
        "seconds": calibration.seconds,
    }


def _from_json(data: dict[str, Any], facts: Sequence[Fact]) -> Calibration:
    def number(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise ValueError(f"not a number: {value!r}")
        return float(value)

    limits = data["thresholds"]
    if set(limits) != set(Thresholds.__dataclass_fields__) or limits["close_calls"] is not True:
        raise ValueError("its thresholds are not this version's")
    fields = set(Thresholds.__dataclass_fields__) - {"close_calls"}
    uncovered = tuple(number(x) for x in data["uncovered"])
    if len(uncovered) != 3:
        raise ValueError("uncovered needs three quantiles")
    covered = data["covered_median"]
    return Calibration(
        thresholds=Thresholds(**{name: number(limits[name]) for name in fields}),
        unprompted=number(data["unprompted"]),
        asked=int(number(data["asked"])),
        covered_median=float("nan") if covered is None else number(covered),
        uncovered=uncovered,  # type: ignore[arg-type]
        seconds=number(data["seconds"]),
        learned_on=Basis(facts if len(facts) >= MIN_FACTS else ()),
        stored=True,
    )
