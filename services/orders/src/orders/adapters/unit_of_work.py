"""The orders unit of work: one transaction, the orders, menu, pricing-rule, kitchen, payments, risk and
report repositories, the outbox; and the batch of placements that share one transaction (group commit)."""
from __future__ import annotations

from chassis import outbox
from chassis.db import read_together
from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session, sessionmaker

from orders.adapters.kitchen_repository import KitchenRepository
from orders.adapters.menu_cache import GENERATION_SQL, PRICING_READS, PricingReads
from orders.adapters.menu_repository import MenuRepository
from orders.adapters.payments_repository import PaymentsRepository, SettlementRepository
from orders.adapters.pricing_repository import PricingRuleRepository
from orders.adapters.reports_repository import ReportsRepository
from orders.adapters.repositories import (
    DeferredRows,
    IdempotencyRepository,
    OrderRepository,
    translating_integrity_errors,
)
from orders.adapters.risk_repository import RiskRepository


class OrdersUnitOfWork(SqlUnitOfWork):
    orders: OrderRepository
    idempotency: IdempotencyRepository
    pricing_rules: PricingRuleRepository
    menu: MenuRepository
    kitchen: KitchenRepository
    payments: PaymentsRepository
    settlements: SettlementRepository
    risk: RiskRepository
    reports: ReportsRepository
    # The reads that price an order come from the process's cache while the menu generation holds
    # (adapters/menu_cache.py); a test gives a class of its own a cache of its own (another worker).
    pricing_reads: PricingReads | None = PRICING_READS

    def _open(self, session: Session) -> None:
        self.orders = OrderRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.pricing_rules = PricingRuleRepository(session, self.pricing_reads)
        self.menu = MenuRepository(session, self.pricing_reads)
        self.kitchen = KitchenRepository(session)
        self.payments = PaymentsRepository(session)
        self.settlements = SettlementRepository(session)
        self.risk = RiskRepository(session)
        self.reports = ReportsRepository(session)

    def flush(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        translating_integrity_errors(self.session.flush)

    def _commit(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        translating_integrity_errors(self.session.commit)


class PlacementBatch:
    """Group commit: one transaction shared by a batch of placements (entrypoints/group_commit.py).

        with PlacementBatch(sessions, source, deferred=True) as batch:
            place_order(batch.unit_of_work, ...)   # reads now; its rows gathered, not yet written
            place_order(batch.unit_of_work, ...)
            batch.commit()                          # one INSERT per table for all, then one COMMIT

    `deferred=True`: each placement's rows (order, lines, history, outbox event, idempotency row) are
    gathered and written at `commit` with one statement per table; a placement that fails before its
    commit leaves nothing behind (it wrote nothing). A taken Idempotency-Key then surfaces at `commit`
    as IdempotencyKeyTaken for the whole batch: the caller runs the batch again with `deferred=False`.
    Its reads run in autocommit (the batch's keys and the menu generation in one round trip, a cache
    miss on its own), and the write is one pipeline [BEGIN, the INSERTs, COMMIT]: two round trips a
    batch instead of five. Under load every
    round trip waits for PostgreSQL, and for this thread to get the GIL back from the event loop, so
    they, not the CPU, set how long a batch takes (bench/bench_orders.py). Nothing read needs the write's
    snapshot: a key another worker commits meanwhile fails the INSERT (the batch runs again), and a
    menu generation read a moment early prices as an order placed a moment earlier would have.
    `deferred=False`: each placement writes at once in a SAVEPOINT of the transaction, so one that
    fails (a taken key included, which the use case then replays) rolls back alone.
    Leaving the block without `commit` rolls every placement back."""

    def __init__(self, session_factory: sessionmaker[Session], source: str, deferred: bool = False) -> None:
        self.session_factory, self.source, self.deferred = session_factory, source, deferred
        self.rows = DeferredRows()
        self.known_keys: dict = {}

    def __enter__(self) -> PlacementBatch:
        self.session = self.session_factory()
        if self.deferred:  # reads without a transaction; commit() writes in a transaction of its own
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self

    def prefetch_idempotency(self, keys: list) -> None:
        """Deferred batches: the Idempotency-Keys (tenant, key) its placements carry and the menu
        generation, read up front in one round trip; each placement's replay check and the cached menu
        then ask no query. A key another worker commits meanwhile surfaces as taken when the batch
        writes (and the batch runs again)."""
        if not self.deferred:
            return
        keys = list(dict.fromkeys(keys))
        queries = [(GENERATION_SQL, ())]
        if keys:
            queries.append((IdempotencyRepository.PREFETCH_SQL, IdempotencyRepository.prefetch_params(keys)))
        generation, *found = read_together(self.session.connection(), queries)
        PricingReads.remember_generation(self.session, generation[0][0])
        self.known_keys = IdempotencyRepository.prefetched(keys, found[0] if found else ())

    def unit_of_work(self) -> OrdersUnitOfWork:
        if self.deferred:
            return DeferredUnitOfWork(self.session, self.source, self.rows, self.known_keys)
        return SavepointUnitOfWork(self.session, self.source)

    def commit(self) -> None:
        self.rows.insert(self.session, own_transaction=self.deferred)
        translating_integrity_errors(self.session.commit)   # deferred: ends the session's (empty) transaction

    def __exit__(self, *exc) -> None:
        self.session.close()  # without commit: the transaction ends rolled back


class SavepointUnitOfWork(OrdersUnitOfWork):
    """A unit of work inside a PlacementBatch's transaction: begin = SAVEPOINT, commit = RELEASE,
    rollback or leaving without commit = ROLLBACK TO SAVEPOINT (the batch goes on)."""

    def __init__(self, session: Session, source: str) -> None:
        self._shared, self.source = session, source

    def _begin(self) -> None:
        self.session = self._shared
        self._savepoint = self._shared.begin_nested()
        self._open(self.session)

    def _commit(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        translating_integrity_errors(self._savepoint.commit)

    def rollback(self) -> None:
        if self._savepoint.is_active:
            self._savepoint.rollback()

    def _abandon(self) -> None:
        self.rollback()

    def _end(self) -> None:
        """The batch's session stays open: the batch commits or rolls back the whole."""


class DeferredUnitOfWork(OrdersUnitOfWork):
    """A unit of work inside a deferred PlacementBatch: reads run at once in the batch's transaction;
    new orders, their events and idempotency rows are gathered, handed to the batch on commit and
    dropped on rollback (nothing was written). Only what placing an order writes may be deferred:
    other writes (an expired idempotency key removed) run at once, in the batch's transaction."""

    def __init__(self, session: Session, source: str, batch_rows: DeferredRows, known_keys: dict) -> None:
        self._shared, self.source, self._batch_rows, self._known = session, source, batch_rows, known_keys

    def _begin(self) -> None:
        self.session, self._rows = self._shared, DeferredRows()
        self._open(self.session)
        self.orders = OrderRepository(self.session, self._rows)
        self.idempotency = IdempotencyRepository(self.session, self._rows, self._known)

    def add_event(self, topic: str, key: str, message, subject: str | None = None, occurred_at=None) -> str:
        row = outbox.event_row(self.source, topic, key, message, subject, occurred_at)
        self._rows.events.append(row)
        return row["event_id"]

    def _commit(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        self._batch_rows.extend(self._rows)
        self._rows = DeferredRows()

    def rollback(self) -> None:
        self._rows = DeferredRows()

    def _abandon(self) -> None:
        self.rollback()

    def _end(self) -> None:
        """The batch's session stays open: the batch writes, commits or rolls back the whole."""
