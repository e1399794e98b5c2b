"""Group commit for order placement: concurrent POST /orders requests are gathered and placed in ONE
transaction, each in a savepoint of it, and each request is answered when that transaction commits.

Why (bench/bench_orders.py): per order, the thread hand-off of a sync route, the transaction's BEGIN
and COMMIT (a WAL flush each) and the connection checkout cost about as much CPU as the placement's
own statements. Here one thread per process does the database work: the event loop hands it every
placement that arrived meanwhile (no timer: a batch is whatever queued while the previous one ran, so
a lone order goes at once), it runs `checks.place_order` for each in a savepoint (the very use case,
so idempotency, history, outbox and errors are what they were), commits once, and wakes the waiting
requests with one call into the loop.

A placement that fails (bad input, a taken Idempotency-Key, a database error in its statements) rolls
back to its savepoint and answers its own error; the others in the batch commit. If the COMMIT itself
fails (the connection dropped), every request of the batch gets that error, as each would have alone.
What a placement's use case calls on a cache miss (the tax service, auth for a time zone) holds the
batch meanwhile, as it held the request's connection before.
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

from chassis.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_BATCH = 64   # placements per transaction: bounds how long the first in a batch waits for the last


class SharedTransaction(Protocol):
    """One transaction for a batch (orders.adapters.unit_of_work.PlacementBatch)."""

    def unit_of_work(self): ...
    def commit(self) -> None: ...


class OneByOne:
    """No shared transaction (a fake unit of work in tests): each placement commits on its own."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
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
    outcome: Any = None
    error: BaseException | None = None


class GroupCommit:
    """`await group.submit(lambda uow: checks.place_order(uow, ...))`: the use case's result, placed in
    a transaction shared with the placements that queued meanwhile."""

    def __init__(self, open_batch: Callable[[], AbstractContextManager[SharedTransaction]],
                 max_batch: int = MAX_BATCH) -> None:
        self.open_batch, self.max_batch = open_batch, max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, place: Callable[[UnitOfWorkFactory], Any]) -> Any:
        loop = asyncio.get_running_loop()
        job = _Job(place, contextvars.copy_context(), loop, loop.create_future())
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
        with self.open_batch() as transaction:
            placed = False
            for job in batch:
                try:
                    job.outcome = job.context.run(job.place, transaction.unit_of_work)
                    placed = True
                except Exception as error:  # noqa: BLE001 - this request's answer; its savepoint rolled back
                    job.error = error
            if placed:
                transaction.commit()

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
