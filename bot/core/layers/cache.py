"""Every server's layer, loaded on the server's first question and kept while it is asked.

Layers are loaded lazily (a server that never asks costs nothing), kept in a bounded cache
that drops the least recently asked, and rebuilt one at a time: an edit to a server's layer
swaps that layer alone, and the base's matcher is never rebuilt for a layer. Which servers
have a layer is read from the folder once, then kept up to date by this process, so a
question in a server without one costs a set lookup, not a file system call.

Thread-safe: questions are matched on the matching threads, edits on others. A layer is built
under its server's lock (one of `STRIPES`), so two first questions of a server build it once,
and an edit and its swap are never overtaken by an older edit's swap.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from bot.core.editing import EDIT_ERRORS, ChangeHistory, KnowledgeStore
from bot.core.editing.postgres import PostgresHistory, layer_scope
from bot.core.knowledge.errors import Issue
from bot.core.knowledge.loader import LoadReport
from bot.core.layers.folders import InvalidGuild, LayerFolders, checked_guild
from bot.core.layers.layer import Layer, build_layer
from bot.core.matching import Matcher
from bot.core.matching.rules import ALL_RULES, Rules

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_CAPACITY = 256
"""Layers kept in memory (about 1 MB each at fifty facts: see `bench servers`)."""
STRIPES = 64


@dataclass
class LayerStats:
    """What the cache has done (for `bench servers` and the owner's status)."""

    hits: int = 0
    builds: int = 0
    evictions: int = 0
    build_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    """The latest builds' durations (a server's first question, after an eviction or an
    edit)."""


class ServerLayers:
    """The layers of every server under `root` (`<data_dir>/servers`), on top of the base
    whose current matcher `base()` gives."""

    def __init__(
        self,
        root: Path,
        base: Callable[[], Matcher],
        *,
        rules: Rules = ALL_RULES,
        capacity: int = DEFAULT_CAPACITY,
        own_thresholds: bool = False,
        lock_timeout: float = 30.0,
        database: PostgresHistory | None = None,
    ) -> None:
        """`own_thresholds`: each layer's matcher calibrates itself instead of using the
        base's thresholds (to measure it: `bench servers --own-thresholds`). `database`: the
        layers live in PostgreSQL (a scope each, `layer_scope`), each folder is a working
        copy of its layer there, and the history is the database's."""
        if capacity < 1:
            raise ValueError(f"a layer cache holds at least one layer, not {capacity}")
        self.folders = LayerFolders(root)
        self.base = base
        self.rules = rules
        self.capacity = capacity
        self.own_thresholds = own_thresholds
        self.lock_timeout = lock_timeout
        self.database = database
        self.stats = LayerStats()
        self._lock = threading.Lock()
        self._stripes = tuple(threading.Lock() for _ in range(STRIPES))
        self._layers: OrderedDict[int, Layer] = OrderedDict()
        self._stores: OrderedDict[int, KnowledgeStore] = OrderedDict()
        self._present: set[int] | None = None

    # -- answering ---------------------------------------------------------------------------

    def get(self, guild_id: int | None) -> Layer | None:
        """The server's layer (loaded on first use); None in a DM or a server without one."""
        if guild_id is None:
            return None
        base = self.base().knowledge
        with self._lock:
            layer = self._layers.get(guild_id)
            if layer is not None:
                self._layers.move_to_end(guild_id)
                self.stats.hits += 1
                if layer.against is base:
                    return layer
            elif not self._has_folder(guild_id):
                return None
        with self._stripe(guild_id):
            with self._lock:
                layer = self._layers.get(guild_id)
            if layer is None:
                store = self.store(guild_id)
                with contextlib.suppress(*EDIT_ERRORS, OSError):
                    store.recover()  # an edit interrupted by a crash: finish or undo it
                    store.sync()  # with PostgreSQL: what other processes changed
                layer = self._put(self._build(guild_id, store.load()))
            elif layer.against is not base:
                layer = self._put(self._rechecked(layer))
        return layer

    def _rechecked(self, layer: Layer) -> Layer:
        """`layer` after the base changed: rebuilt if the base has since taken one of its
        facts' ids or given back one it had taken, else the same (its matcher reads the
        base's thresholds at each ask)."""
        base = self.base().knowledge.facts
        taken = layer.knowledge is not None and not base.keys().isdisjoint(layer.knowledge.facts)
        if taken or any(i not in base for i in layer.shadowed):
            return self._build(layer.guild_id, self.store(layer.guild_id).load())
        return replace(layer, against=self.base().knowledge)

    # -- editing -----------------------------------------------------------------------------

    def store(self, guild_id: int) -> KnowledgeStore:
        """The store that edits the server's layer (its folder made if it has none yet):
        `KnowledgeStore`'s validation, writes, lock, history and revert, on the layer."""
        guild_id = checked_guild(guild_id)
        with self._lock:
            store = self._stores.get(guild_id)
            if store is not None:
                self._stores.move_to_end(guild_id)
                return store
        if self.database is None:
            history: ChangeHistory | PostgresHistory = ChangeHistory(
                self.folders.history(guild_id))
            root = self.folders.create(guild_id, lock_timeout=self.lock_timeout)
        else:
            history = self.database.for_scope(layer_scope(guild_id))
            # A layer the database has is taken from it; only a new one starts empty here.
            root = self.folders.create(guild_id, lock_timeout=self.lock_timeout,
                                       empty=self._in_database_now(history))
        store = KnowledgeStore(root, history, lock_timeout=self.lock_timeout,
                               base=lambda: self.base().knowledge)
        if self.database is not None:
            try:
                note = store.reconcile()
            except EDIT_ERRORS as exc:  # answered from the folder; edits refused meanwhile
                log.warning("server %d's knowledge could not be synced (%s)", guild_id, exc)
            else:
                if note:
                    log.info("server %d's knowledge: %s", guild_id, note)
        with self._lock:
            store = self._stores.setdefault(guild_id, store)
            while len(self._stores) > self.capacity:
                self._stores.popitem(last=False)
            if self._present is not None:
                self._present.add(guild_id)
        return store

    def edited(self, guild_id: int, edit: Callable[[], T]) -> T:
        """Apply an edit of the server's layer (a call of `store(guild_id)`'s methods) and
        answer the server from the layer it leaves; the base and other servers untouched."""
        guild_id = checked_guild(guild_id)
        with self._stripe(guild_id):
            result = edit()
            knowledge = getattr(result, "knowledge", None)
            if knowledge is not None and getattr(result, "applied", True):  # not a preview
                self._put(self._build(guild_id, LoadReport(knowledge, ())))
        return result

    def reload(self, guild_id: int) -> None:
        """Read the server's layer from its files at its next question (edited by hand or by
        another process)."""
        with self._lock:
            self._layers.pop(guild_id, None)
            if self._present is not None:
                self._present.discard(guild_id)
                with contextlib.suppress(InvalidGuild):
                    if self.folders.exists(guild_id):
                        self._present.add(guild_id)

    def moved(self, guild_id: int, version: int) -> None:
        """Another process changed the server's layer in the database (now at `version`):
        read it anew at its next question, unless this process made that change."""
        with self._lock:
            store = self._stores.get(guild_id)
            if self._present is not None:
                self._present.add(guild_id)
        if store is None or store.replica is None or store.replica.synced() < version:
            with self._lock:
                self._layers.pop(guild_id, None)

    # -- machinery ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._layers)

    def _has_folder(self, guild_id: int) -> bool:
        """Whether the server has a layer on disk (call with the lock held)."""
        if self._present is None:
            self._present = self.folders.guilds() | self._in_database()
        return guild_id in self._present

    @staticmethod
    def _in_database_now(history: PostgresHistory) -> bool:
        try:
            return history.version() > 0
        except EDIT_ERRORS:
            return False  # unknown: the folder starts as a new layer's, the database wins later

    def _in_database(self) -> set[int]:
        if self.database is None:
            return set()
        try:
            return self.database.layer_guilds()
        except EDIT_ERRORS as exc:  # the follower adds them as it hears of them
            log.warning("cannot list the servers' layers in the database (%s)", exc)
            return set()

    @contextlib.contextmanager
    def _stripe(self, guild_id: int) -> Iterator[None]:
        with self._stripes[hash(guild_id) % STRIPES]:
            yield

    def _build(self, guild_id: int, report: LoadReport) -> Layer:
        """The layer of `report`; one that fails to build is kept as broken, with the reason:
        a server's own facts never take the base's answers away from it."""
        base = self.base()
        try:
            layer = build_layer(guild_id, report, base, cache_dir=self.folders.cache(guild_id),
                                rules=self.rules, own_thresholds=self.own_thresholds)
        except Exception as exc:
            log.exception("server %d: its knowledge layer could not be built", guild_id)
            where = str(self.folders.knowledge(guild_id))
            layer = Layer(guild_id, None, None, (Issue(where, f"could not be built: {exc}"),))
        with self._lock:
            self.stats.builds += 1
            self.stats.build_seconds.append(layer.build_seconds)
        return replace(layer, against=base.knowledge)

    def _put(self, layer: Layer) -> Layer:
        with self._lock:
            self._layers[layer.guild_id] = layer
            self._layers.move_to_end(layer.guild_id)
            while len(self._layers) > self.capacity:
                self._layers.popitem(last=False)
                self.stats.evictions += 1
        return layer
