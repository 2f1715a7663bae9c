"""The search index over one knowledge base: terms, their weights, and sparse vectors.

Every phrasing (a fact's question or an alternate) is a unit-length vector of IDF weights. Each
fact also has a *centroid*: the mean of its phrasing vectors, plus its keywords and (weakly) its
answer, normalised. A word most phrasings of a fact use weighs more in its centroid than a word
one phrasing happens to contain. Vectors are stored as postings (term -> rows, weights, in one
compressed array each: `bot.core.matching.postings`) so that scoring a question touches only rows
that share a term with it.

Building works on all texts at once (see `bot.core.matching.corpus`): the terms of every text come
in as one array of stem ids, features (terms and pairs of neighbouring content terms) are found
with numpy, and each text's distinct features are kept in the order of their term ids (a
vector's length is summed in that order, which `tests/test_matcher_speed_invariants.py` checks
against a text-by-text build to the last bit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from bot.core.knowledge.models import Fact
from bot.core.matching.corpus import Texts
from bot.core.matching.numbering import first_seen
from bot.core.matching.postings import Postings, stable_argsort
from bot.core.matching.question_forms import ANSWER_TYPE_WORDS
from bot.core.matching.synonyms import STOP_WORDS

STOP_WORD_WEIGHT = 0.5
"""Function words ("what", "do", "a") weigh this fraction of their IDF (not those that ask for a
kind of answer, such as "where": see `ANSWER_TYPE_WORDS`)."""
BIGRAM_WEIGHT = 0.5
"""A pair of neighbouring terms weighs this fraction of its IDF."""
KEYWORD_WEIGHT = 0.5
"""A fact's keywords count in its centroid as this fraction of one phrasing."""
ANSWER_WEIGHT = 0.35
"""A fact's answer text counts in its centroid as this fraction of one phrasing."""

_PHRASING, _KEYWORDS, _ANSWER = 0, 1, 2
"""The kinds of *units*: the texts whose features form one vector (all keywords form one)."""
_FACTS_PER_CHUNK = 512
"""Facts whose texts are turned into vectors at a time: enough that the few dozen numpy calls
a chunk costs are spread over many texts (at 64 facts they were a tenth of the build, at the
speed bench's size), few enough that a chunk's arrays stay around a megabyte each (the peak
memory is that of the finished index either way)."""


def _norms(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0] = 1.0
    return norms


def _exclusive_cumsum(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _slices(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`values[starts[i]:starts[i] + lengths[i]]` for every i, concatenated."""
    ends = _exclusive_cumsum(lengths)
    return values[np.repeat(starts - ends[:-1], lengths) + np.arange(ends[-1])]


class _Units:
    """The units of the facts in order: each fact's phrasings, then its keywords, then its
    answer; and the texts each unit is made of (a keywords unit: all keywords, in order)."""

    def __init__(self, facts: Sequence[Fact], text_index: Mapping[str, int]) -> None:
        text_of = text_index.__getitem__
        parts: list[int] = []  # the texts of all units, in order
        for fact in facts:
            parts += map(text_of, fact.phrasings)
            parts += map(text_of, fact.keywords)
            parts.append(text_of(fact.answer))
        n_facts = len(facts)
        self.phrasings_per_fact = np.fromiter(
            (len(fact.alternates) + 1 for fact in facts), dtype=np.int64, count=n_facts
        )
        keyword_counts = np.fromiter(
            (len(fact.keywords) for fact in facts), dtype=np.int64, count=n_facts
        )
        self.first_of_fact = _exclusive_cumsum(self.phrasings_per_fact + 2)
        self.count = int(self.first_of_fact[-1])
        self.kind = np.zeros(self.count, dtype=np.int8)
        self.kind[self.first_of_fact[1:] - 2] = _KEYWORDS
        self.kind[self.first_of_fact[1:] - 1] = _ANSWER
        self.fact = np.repeat(np.arange(n_facts, dtype=np.int32), self.phrasings_per_fact + 2)
        texts_per_unit = np.ones(self.count, dtype=np.int64)
        texts_per_unit[self.first_of_fact[1:] - 2] = keyword_counts
        self.first_part = _exclusive_cumsum(texts_per_unit)
        self.part_text = np.asarray(parts, dtype=np.int64)

    def terms(self, first: int, last: int, terms: Texts) -> tuple[np.ndarray, np.ndarray]:
        """The terms of units first to last (not included), in order, and the unit of each
        (counted from `first`)."""
        part_text = self.part_text[self.first_part[first] : self.first_part[last]]
        lengths = terms.lengths[part_text]
        unit_terms = _slices(terms.ids, terms.offsets[part_text], lengths)
        parts_per_unit = np.diff(self.first_part[first : last + 1])
        unit_of_part = np.repeat(np.arange(last - first, dtype=np.int32), parts_per_unit)
        return unit_terms, np.repeat(unit_of_part, lengths)


class _TermNumbering:
    """Term ids, given in order of first use as the texts are read, and each term's name."""

    def __init__(self, stems: Sequence[str]) -> None:
        self.n_stems = len(stems)
        self.stems = np.array(stems, dtype=object)
        # Stems are compared with the stop words as written: the few whose stem differs
        # ("does" -> "doe", "actually", "really", "very", "please", "anyone") count as content
        # terms. Weighing them as stop words too was measured in November 2026 and not kept:
        # gold 94.2 -> 93.4 % correct and 1.6 -> 2.3 % wrong, fresh 91.7 -> 92.5 % and
        # 4.2 -> 3.3 %, holdout unchanged ("what does an MLE do" leans on "does").
        self.stop = np.fromiter((s in STOP_WORDS for s in stems), dtype=bool, count=len(stems))
        self.weak = self.stop & np.fromiter(
            (s not in ANSWER_TYPE_WORDS for s in stems), dtype=bool, count=len(stems))
        """Stop words weighed at STOP_WORD_WEIGHT (all but ANSWER_TYPE_WORDS)."""
        self._ids: dict[int, int] = {}  # key -> id (see `features`)
        self.key_dtype = np.int32 if self.n_stems * (self.n_stems + 1) < 2**31 else np.int64

    def features(
        self, unit_terms: np.ndarray, unit_of_term: np.ndarray, n_units: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The feature ids of each unit, in the order `Analyzer.with_bigrams` lists its
        features (its terms, then each pair of neighbouring content terms), new features
        numbered as they come; and how many each unit has."""
        n_stems = self.n_stems
        unit_terms = unit_terms.astype(self.key_dtype)
        content = np.flatnonzero(~self.stop[unit_terms])
        first, second = content[:-1], content[1:]
        same_unit = unit_of_term[first] == unit_of_term[second]
        first, second = first[same_unit], second[same_unit]
        # Keys: a term is its stem s; a pair of stems x, y is n_stems + x * n_stems + y.
        pair_keys = n_stems + unit_terms[first] * n_stems + unit_terms[second]
        pair_units = unit_of_term[first]
        n_terms = np.bincount(unit_of_term, minlength=n_units)
        n_pairs = np.bincount(pair_units, minlength=n_units)
        start = _exclusive_cumsum(n_terms + n_pairs)
        term_start, pair_start = _exclusive_cumsum(n_terms), _exclusive_cumsum(n_pairs)
        keys = np.empty(start[-1], dtype=self.key_dtype)
        keys[start[unit_of_term] + np.arange(len(unit_terms)) - term_start[unit_of_term]] = (
            unit_terms
        )
        keys[start[pair_units] + n_terms[pair_units] + np.arange(len(pair_keys))
             - pair_start[pair_units]] = pair_keys
        # Number the chunk's keys, then give its new keys the next term ids, in that order.
        local, firsts = first_seen(keys)
        ids = self._ids
        numbers = np.fromiter(
            map(ids.setdefault, keys[firsts].tolist(), iter(ids.__len__, None)),
            dtype=np.int32, count=len(firsts),
        )
        return numbers[local], n_terms + n_pairs

    def __len__(self) -> int:
        return len(self._ids)

    def keys(self) -> np.ndarray:
        """The key of each term id."""
        return np.fromiter(self._ids, dtype=np.int64, count=len(self._ids))

    def names(self) -> dict[str, int]:
        """Term -> id: a stem, or two stems and a space between."""
        keys = self.keys()
        n_stems = max(self.n_stems, 1)
        names = np.empty(len(keys), dtype=object)
        single = keys < self.n_stems
        names[single] = self.stems[keys[single]]
        pairs = keys[~single] - self.n_stems
        names[~single] = list(map(" ".join, zip(
            self.stems[pairs // n_stems].tolist(), self.stems[pairs % n_stems].tolist(),
            strict=True,
        )))
        return dict(zip(names.tolist(), range(len(keys)), strict=True))


def _distinct_in_units(
    feature_ids: np.ndarray, counts: np.ndarray, n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's distinct feature ids in ascending order, given `counts[u]` ids of unit u
    after those of unit u - 1 (ids below `n_features`); and the unit of each."""
    bound = max(n_features, 1)
    keys = np.repeat(np.arange(len(counts), dtype=np.int64), counts) * bound + feature_ids
    keys.sort()  # (np.unique would hash them first: several times slower here)
    distinct = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    return (keys % bound).astype(np.int32), (keys // bound).astype(np.int32)


class Index:
    """Built once from the facts and the terms of their texts; read-only afterwards."""

    def __init__(
        self,
        facts: Sequence[Fact],
        terms: Texts,
        stems: Sequence[str],
        text_index: Mapping[str, int],
    ) -> None:
        """`terms`: the stem ids of every text (typos of alternates corrected, synonyms
        applied); `stems`: the stem of each id; `text_index`: each text's number in `terms`."""
        units = _Units(facts, text_index)
        n_facts = len(facts)
        self.phrasing_fact_array = np.repeat(
            np.arange(n_facts, dtype=np.int32), units.phrasings_per_fact
        )
        phrasing_first = _exclusive_cumsum(units.phrasings_per_fact).tolist()
        self.phrasings_of: list[range] = list(map(range, phrasing_first[:-1], phrasing_first[1:]))
        self.first_phrasing = np.asarray(phrasing_first[:-1], dtype=np.int64)
        """The first phrasing row of each fact (a fact's phrasings are consecutive rows)."""
        self.phrasing_text: list[str] = []

        # Read the units a chunk of facts at a time (bounded memory): their features, and each
        # unit's distinct features as (term, unit) entries, phrasings apart from the rest.
        numbering = _TermNumbering(stems)
        phrasing_of_unit = np.cumsum(units.kind == _PHRASING, dtype=np.int32) - 1  # as pr is kept
        p_parts: list[tuple[np.ndarray, np.ndarray]] = []
        x_parts: list[tuple[np.ndarray, np.ndarray]] = []
        for f_first in range(0, n_facts, _FACTS_PER_CHUNK):
            first = int(units.first_of_fact[f_first])
            last = int(units.first_of_fact[min(f_first + _FACTS_PER_CHUNK, n_facts)])
            unit_terms, unit_of_term = units.terms(first, last, terms)
            kind = units.kind[first:last]
            self.phrasing_text += _joined(
                unit_terms, unit_of_term, kind == _PHRASING, numbering.stems
            )
            feature_ids, counts = numbering.features(unit_terms, unit_of_term, last - first)
            entries, entry_units = _distinct_in_units(feature_ids, counts, len(numbering))
            entry_units += first
            in_phrasing = units.kind[entry_units] == _PHRASING
            p_parts.append((entries[in_phrasing], phrasing_of_unit[entry_units[in_phrasing]]))
            x_parts.append((entries[~in_phrasing], entry_units[~in_phrasing]))
        pt, pr = _concatenated(p_parts, np.int32, np.int32)
        xt, x_units = _concatenated(x_parts, np.int32, np.int32)
        del p_parts, x_parts
        self.terms: dict[str, int] = numbering.names()
        n_terms = len(numbering)

        n_phrasings = len(self.phrasing_fact_array)
        df = np.bincount(pt, minlength=n_terms).astype(np.float64)
        self.idf = np.log1p((n_phrasings - df + 0.5) / (df + 0.5))
        keys = numbering.keys()
        is_pair = keys >= numbering.n_stems
        is_weak = np.zeros(n_terms, dtype=bool)
        is_weak[~is_pair] = numbering.weak[keys[~is_pair]]
        self.idf[is_weak] *= STOP_WORD_WEIGHT
        self.idf[is_pair] *= BIGRAM_WEIGHT
        self.idf_unknown = math.log1p((n_phrasings + 0.5) / 0.5)

        # Phrasing vectors: binary term presence x IDF, unit length.
        p_values = self.idf[pt]
        p_values = p_values / _norms(pr, p_values, n_phrasings)[pr]
        self.phrasings = Postings(pt, pr, p_values, n_terms, n_phrasings)
        del pt, pr, p_values

        # Centroids: sum of the fact's phrasing vectors, keywords and answer (each unit length,
        # weighted by its share), then unit length. Duplicate (fact, term) pairs are summed.
        xr = units.fact[x_units].astype(np.int64)
        x_kind = units.kind[x_units].astype(np.int64) - _KEYWORDS
        del x_units
        x_values = self.idf[xt]
        x_keys = xr * 2 + x_kind
        x_share = np.where(x_kind == 0, KEYWORD_WEIGHT, ANSWER_WEIGHT)
        x_values = x_values / _norms(x_keys, x_values, n_facts * 2)[x_keys] * x_share
        del x_keys, x_share, x_kind
        self.centroids = _centroids(
            self.phrasings, self.phrasing_fact_array, (xt, xr, x_values), n_terms, n_facts
        )

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
        """What the index holds, as arrays and lists of text (`restored` reads them back)."""
        arrays = {"first_phrasing": self.first_phrasing, "idf": self.idf}
        for name, postings in (("phrasings", self.phrasings), ("centroids", self.centroids)):
            for part, array in zip(("rows", "weights", "indptr"), postings.parts(), strict=True):
                arrays[f"{name}_{part}"] = array
        return arrays, {"phrasing_text": self.phrasing_text, "terms": list(self.terms)}

    @classmethod
    def restored(cls, arrays: Mapping[str, np.ndarray], texts: Mapping[str, list[str]],
                 n_facts: int, n_phrasings: int) -> Index:
        """The index whose `state` this was, for `n_facts` facts of `n_phrasings` phrasings
        in all; a ValueError if the parts do not fit together or those counts."""
        first_phrasing = arrays["first_phrasing"].astype(np.int64, copy=False)
        phrasing_text, terms = texts["phrasing_text"], texts["terms"]
        idf = arrays["idf"].astype(np.float64, copy=False)
        if (len(first_phrasing) != n_facts or len(phrasing_text) != n_phrasings
                or len(idf) != len(terms) or len(set(terms)) != len(terms)
                or (n_facts and (int(first_phrasing[0]) != 0
                                 or np.any(np.diff(first_phrasing) < 0)
                                 or int(first_phrasing[-1]) > n_phrasings))):
            raise ValueError("the index's parts do not fit its knowledge base")
        index = cls.__new__(cls)
        index.first_phrasing = first_phrasing
        bounds = [*first_phrasing.tolist(), n_phrasings]
        index.phrasings_of = list(map(range, bounds[:-1], bounds[1:]))
        index.phrasing_fact_array = np.repeat(
            np.arange(n_facts, dtype=np.int32), np.diff(np.asarray(bounds, dtype=np.int64)))
        index.phrasing_text = phrasing_text
        index.terms = dict(zip(terms, range(len(terms)), strict=True))
        index.idf = idf
        index.idf_unknown = math.log1p((n_phrasings + 0.5) / 0.5)
        index.phrasings, index.centroids = (
            Postings.of_parts(arrays[f"{name}_rows"], arrays[f"{name}_weights"],
                              arrays[f"{name}_indptr"], rows)
            for name, rows in (("phrasings", n_phrasings), ("centroids", n_facts)))
        if len(index.phrasings.indptr) != len(terms) + 1 or (
                len(index.centroids.indptr) != len(terms) + 1):
            raise ValueError("the index's postings do not fit its terms")
        return index

    def phrasings_with(self, term: str) -> np.ndarray:
        """The rows of the phrasings that have the term `term` (none for an unknown term)."""
        return self._rows_with(self.phrasings, term)

    def facts_asked_with(self, term: str) -> np.ndarray:
        """The numbers of the facts a phrasing of which has the term `term` (with repeats)."""
        return self.phrasing_fact_array[self.phrasings_with(term)]

    def facts_with(self, term: str) -> np.ndarray:
        """The numbers of the facts with the term `term` in a phrasing, a keyword or the
        answer (their centroids have it), in order."""
        return self._rows_with(self.centroids, term)

    def _rows_with(self, postings: Postings, term: str) -> np.ndarray:
        """The rows of `postings` that have the term `term` (none for an unknown term)."""
        t = self.terms.get(term)
        return np.zeros(0, dtype=np.int32) if t is None else postings.rows_with(t)

    def asked_with(self, fact: int, term: str) -> bool:
        """Whether a phrasing of fact number `fact` has the term `term`."""
        rows, phrasings = self.phrasings_with(term), self.phrasings_of[fact]
        return bool(np.any((rows >= phrasings.start) & (rows < phrasings.stop)))


def _joined(
    unit_terms: np.ndarray, unit_of_term: np.ndarray, wanted: np.ndarray, stems: np.ndarray
) -> list[str]:
    """The terms of each wanted unit joined by spaces (a phrasing, as fuzzy matching reads it);
    `stems`: the stem of each term id, an array of str objects."""
    chosen = wanted[unit_of_term]
    names = stems[unit_terms[chosen]].tolist()
    bounds = _exclusive_cumsum(np.bincount(unit_of_term[chosen], minlength=len(wanted))[wanted])
    bounds_list = bounds.tolist()
    return list(map(" ".join, map(names.__getitem__, map(slice, bounds_list[:-1],
                                                          bounds_list[1:]))))


def _concatenated(
    parts: list[tuple[np.ndarray, np.ndarray]], *dtypes: type
) -> tuple[np.ndarray, ...]:
    return tuple(
        np.concatenate([part[i] for part in parts]).astype(dtype, copy=False)
        if parts else np.zeros(0, dtype=dtype)
        for i, dtype in enumerate(dtypes)
    )


def _centroids(
    phrasings: Postings,
    phrasing_fact: np.ndarray,
    others: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_terms: int,
    n_facts: int,
) -> Postings:
    """Centroid postings from the phrasing postings and the (term, fact, weight) entries of
    keywords and answers (in fact order, a fact's keywords before its answer).

    Per (term, fact): the sum of the fact's phrasing weights for the term, in phrasing order,
    then of its keyword and answer weights; then each fact's vector made unit length, its
    squares summed in term order. Both orders are those of the original build, which summed
    with np.bincount over entries ordered by (fact, term); here they come ordered by (term,
    fact) as the postings hold them, which needs no sort."""
    xt, xr, x_values = others
    facts = max(n_facts, 1)
    p_keys = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(phrasings.indptr)) * facts
    p_keys += phrasing_fact[phrasings.rows]
    x_order = stable_argsort(xt, n_terms)
    x_keys = xt[x_order].astype(np.int64) * facts + xr[x_order]
    # The distinct keys of both, in order: the phrasings' runs, with the keys only keywords
    # or answers have inserted among them.
    p_run = np.ones(len(p_keys), dtype=bool)
    p_run[1:] = p_keys[1:] != p_keys[:-1]
    run_keys = p_keys[p_run]
    run_of_entry = np.cumsum(p_run, dtype=np.int32) - 1
    del p_keys, p_run
    x_first = np.ones(len(x_keys), dtype=bool)
    x_first[1:] = x_keys[1:] != x_keys[:-1]
    x_distinct = x_keys[x_first]  # sorted: by term, then fact
    at = np.searchsorted(run_keys, x_distinct)
    in_runs = at < len(run_keys)
    in_runs[in_runs] = run_keys[at[in_runs]] == x_distinct[in_runs]
    only_x = x_distinct[~in_runs]
    keys = np.insert(run_keys, at[~in_runs], only_x)
    is_run = np.ones(len(keys), dtype=bool)
    is_run[at[~in_runs] + np.arange(len(only_x))] = False  # where np.insert put them
    group_of_run = np.flatnonzero(is_run)
    # The phrasings' weights first (np.bincount adds in order), then each keyword and answer
    # weight added after them one at a time (np.add.at, in order).
    values = np.bincount(
        group_of_run[run_of_entry], weights=phrasings.weights, minlength=len(keys)
    )
    del run_of_entry
    np.add.at(values, np.searchsorted(keys, x_keys), x_values[x_order])
    terms, rows = keys // facts, keys % facts
    values = values / _norms(rows, values, n_facts)[rows]
    return Postings.of_sorted(terms, rows, values, n_terms, n_facts)
