"""What prices an order, cached per process for one menu generation.

Placing an order reads the menu (items, modifier groups, location overrides) and the pricing rules:
three or four queries, about a third of a placement's CPU (bench/bench_orders.py). Those rows change
rarely, so each process keeps what it read, keyed by the menu generation: a counter in the table
menu_generation that a trigger bumps with every write to the menu or the pricing rules (migration
0011), committed with the write. A transaction reads the generation once (one indexed row), before
any cached read; an entry is used only under the generation it was loaded under.

Why that is enough: a manager's change commits its bump with its rows, so any transaction that
starts reading after the change was answered sees the new generation and misses the cache, on
every worker of every replica. A transaction that read the old generation just before the change
committed may be served rows loaded after it: newer, never older, than what it would have read.

The cached values are shared between requests: callers must not change them (the pricing code
only reads them)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")

GENERATION_SQL = "SELECT generation FROM menu_generation WHERE id = 1"
_GENERATION = text(GENERATION_SQL)
_INFO_KEY = "orders.menu_generation"
MAX_ENTRIES = 10_000


class PricingReads:
    """Read-through cache of pricing reads: `cached(session, key, load)`."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple, object] = {}
        self._generation: int | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def cached(self, session: Session, key: Hashable, load: Callable[[], T]) -> T:
        generation = self.generation(session)
        entry_key = (generation, key)
        found = self._entries.get(entry_key, _MISSING)
        if found is not _MISSING:
            self.hits += 1
            return found  # type: ignore[return-value]
        self.misses += 1
        value = load()
        with self._lock:
            if generation != self._generation:  # a newer (or, racing, an older) generation: start over
                if self._generation is None or generation > self._generation:
                    self._entries, self._generation = {}, generation
            if len(self._entries) >= self.max_entries:
                self._entries = {}
            self._entries[entry_key] = value
        return value

    @staticmethod
    def remember_generation(session: Session, generation: int) -> None:
        """The generation this transaction read some other way (a batch reads it with its other reads
        in one round trip: adapters/unit_of_work.py, PlacementBatch)."""
        session.info[_INFO_KEY] = (session.get_transaction(), generation)

    @staticmethod
    def generation(session: Session) -> int:
        """The menu generation as this transaction first read it (one query per transaction)."""
        transaction = session.get_transaction()
        memo = session.info.get(_INFO_KEY)
        if memo is not None and memo[0] is transaction and transaction is not None:
            return memo[1]
        generation = session.connection().execute(_GENERATION).scalar_one()
        session.info[_INFO_KEY] = (session.get_transaction(), generation)
        return generation


_MISSING = object()

# The process's cache (a forked HTTP worker has its own: it starts empty after the fork).
PRICING_READS = PricingReads()
