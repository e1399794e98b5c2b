"""Group commit for order placement: concurrent POST /orders requests are gathered and placed in ONE
transaction, and each request is answered when that transaction commits.

Why (bench/bench_orders.py): per order, the thread hand-off of a sync route, the transaction's BEGIN
and COMMIT (a WAL flush each), the connection checkout and one INSERT per table cost more CPU than
the placement's own logic. Here one thread per process does the database work: the event loop hands
it every placement that arrived meanwhile (no timer: a batch is whatever queued while the previous
one ran, so a lone order goes at once); it runs `checks.place_order` for each (the very use case, so
idempotency, history, outbox and errors are what they were), writes all their rows with one INSERT
per table, commits once, and wakes the waiting requests with one call into the loop.

Failure isolation: a placement refused by the use case (bad input, 403, an unknown item) wrote
nothing and answers its own error; the others commit. When the batch's INSERTs meet a taken
Idempotency-Key (a retry in the same batch, or racing in another worker), or a placement meets a
database error, the batch is run again from scratch with a SAVEPOINT per placement: the use case
then sees the taken key and replays the first answer, and a failing placement rolls back alone. If
the COMMIT itself fails (the connection dropped), every request of the batch gets that error, as
each would have alone. What a placement calls on a cache miss (the tax service, auth for a time
zone) holds the batch meanwhile, as it held the request's connection before.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from chassis.errors import DomainError
from chassis.uow import UnitOfWorkFactory

from orders.domain.order import IdempotencyKeyTaken

log = logging.getLogger(__name__)

MAX_BATCH = 64   # placements per transaction: bounds how long the first in a batch waits for the last


class _Retry(Exception):
    """The deferred attempt cannot tell which placement failed: run the batch with savepoints."""


class SharedTransaction(Protocol):
    """One transaction for a batch (orders.adapters.unit_of_work.PlacementBatch)."""

    def unit_of_work(self): ...
    def commit(self) -> None: ...


class OneByOne:
    """No shared transaction (a fake unit of work in tests): each placement commits on its own."""

    def __init__(self, uow: UnitOfWorkFactory, deferred: bool = False) -> None:
        self.unit_of_work = uow

    def __enter__(self) -> OneByOne:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def commit(self) -> None:
        return None


@dataclass
class _Job:
    place: Callable[[UnitOfWorkFactory], Any]   # the use case call, given the batch's unit-of-work factory
    context: contextvars.Context                # the request's (trace span, logging): the outbox row carries it
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    idempotency: tuple | None = None            # (tenant, Idempotency-Key): read with the batch's others
    outcome: Any = None
    error: BaseException | None = None


class GroupCommit:
    """`await group.submit(lambda uow: checks.place_order(uow, ...))`: the use case's result, placed in
    a transaction shared with the placements that queued meanwhile."""

    def __init__(self, open_batch: Callable[..., AbstractContextManager[SharedTransaction]],
                 max_batch: int = MAX_BATCH) -> None:
        self.open_batch, self.max_batch = open_batch, max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, place: Callable[[UnitOfWorkFactory], Any], idempotency: tuple | None = None) -> Any:
        """`idempotency`: the (tenant, key) the placement will look up, when it carries one."""
        loop = asyncio.get_running_loop()
        job = _Job(place, contextvars.copy_context(), loop, loop.create_future(), idempotency)
        self._started()
        self._queue.put(job)
        return await job.future

    def _started(self) -> None:
        if self._thread is None:  # lazily: a forked HTTP worker starts its own
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="orders-group-commit", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._place(batch)
            except BaseException as error:  # noqa: BLE001 - the thread must outlive any one batch
                log.exception("a placement batch failed")
                for job in batch:
                    if job.error is None:
                        job.error = error
            self._answer(batch)

    def _place(self, batch: list[_Job]) -> None:
        """First with the rows deferred (one INSERT per table for the batch); if that meets a taken
        Idempotency-Key or a database error, again from scratch with a savepoint per placement."""
        try:
            self._place_in(batch, deferred=True)
        except _Retry:
            for job in batch:
                job.outcome, job.error = None, None
            self._place_in(batch, deferred=False)

    def _place_in(self, batch: list[_Job], *, deferred: bool) -> None:
        with self.open_batch(deferred=deferred) as transaction:
            prefetch = getattr(transaction, "prefetch_idempotency", None)
            if deferred and prefetch is not None:
                prefetch([job.idempotency for job in batch if job.idempotency is not None])
            placed = False
            for job in batch:
                try:
                    job.outcome = job.context.run(job.place, transaction.unit_of_work)
                    placed = True
                except DomainError as error:  # this request's answer (bad input, 403, ...): it wrote nothing
                    job.error = error
                except Exception as error:  # noqa: BLE001 - a database error: the transaction may be broken
                    if deferred:
                        raise _Retry from error
                    job.error = error  # its savepoint rolled back; the others go on
            if placed:
                try:
                    transaction.commit()
                except IdempotencyKeyTaken as taken:  # a retry in this batch or racing in another worker's
                    if deferred:
                        raise _Retry from taken
                    raise

    @staticmethod
    def _answer(batch: list[_Job]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        for job in batch:
            by_loop.setdefault(job.loop, []).append(job)
        for loop, jobs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve, jobs)  # one wake-up of the loop for the whole batch
            except RuntimeError:  # the loop closed (a test client went away): nobody waits
                pass


def _resolve(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():  # the request was cancelled (client gone)
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.outcome)
