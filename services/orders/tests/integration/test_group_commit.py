"""Group commit (entrypoints/group_commit.py over adapters PlacementBatch) against real PostgreSQL:
a batch of placements commits once, each with its rows, history, outbox event and idempotency row;
a failing placement answers its own error and the others commit; the same Idempotency-Key twice in
one batch places one order and replays it; a batch whose COMMIT fails answers every request with it."""
from __future__ import annotations

import asyncio
import contextvars
import uuid
from functools import partial

import pytest
from chassis.errors import InvalidInput
from orders.adapters.unit_of_work import PlacementBatch
from orders.entrypoints.group_commit import GroupCommit, _Job
from orders.service_layer import checks
from orders.service_layer.checks import CheckPeers, Idempotency, LineRequest
from sqlalchemy import text

from services.orders.tests.unit.fakes import LOCATION, FakeTax, FixedClock, identity

pytestmark = pytest.mark.integration

LINES = [LineRequest(name="Cheesesteak", quantity=2, unit_price_cents=1250)]


@pytest.fixture
def sessions(orders_db):
    return orders_db[0]


def placing(who, key: str | None = None, tip_cents: int = 0, lines=LINES):
    peers = CheckPeers(clock=FixedClock(), new_id=uuid.uuid4, tax=FakeTax())
    idem = Idempotency.of(key, "POST /orders", {"tip": tip_cents}) if key else checks.NO_KEY

    def place(uow):
        return checks.place_order(uow, who, location_id=str(LOCATION), lines=lines, peers=peers,
                                  tip_cents=tip_cents, key=idem)

    place.hint = (who.tenant_uuid, key) if key else None  # what the route tells the batch to read up front
    return place


async def together(group: GroupCommit, *placements) -> list:
    """Submitted in one go, as concurrent requests: the batches take whatever queued meanwhile."""
    return await asyncio.gather(*(group.submit(p) for p in placements), return_exceptions=True)


def one_batch(group: GroupCommit, *placements) -> list:
    """The placements as ONE batch, whatever the timing (the group's thread is not involved)."""
    jobs = [_Job(p, contextvars.copy_context(), None, None, p.hint) for p in placements]  # type: ignore[arg-type]
    try:
        group._place(jobs)
    except Exception as error:  # noqa: BLE001 - what the thread would answer every request with
        return [error] * len(jobs)
    return [job.error if job.error is not None else job.outcome for job in jobs]


def counting_group(sessions) -> tuple[GroupCommit, list[bool]]:
    """A GroupCommit whose batches say, as they commit, whether their rows were deferred."""
    commits: list[bool] = []

    class Counting(PlacementBatch):
        def commit(self) -> None:
            commits.append(self.deferred)
            super().commit()

    return GroupCommit(partial(Counting, sessions, "/auraconnect/orders")), commits


def count(sessions, sql: str, **params) -> int:
    with sessions() as session:
        return session.execute(text(sql), params).scalar_one()


def test_placements_commit_together_and_a_failing_one_alone(sessions):
    group, commits = counting_group(sessions)
    who = identity()
    bad = [LineRequest(name="Nothing", quantity=1, unit_price_cents=None)]
    outcomes = asyncio.run(together(group, *[placing(who, tip_cents=i) for i in range(5)], placing(who, lines=bad),
                                    *[placing(who, tip_cents=10 + i) for i in range(5)]))
    assert isinstance(outcomes[5], InvalidInput) and outcomes[5].field == "lines[0].item_id"
    placed = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(placed) == 10 and len(commits) < 10   # fewer transactions than orders
    assert all(deferred for deferred in commits)     # each batch's rows in one INSERT per table
    ids = [str(o.order.order_id) for o in placed]
    for sql in ("SELECT count(*) FROM orders WHERE id::text = ANY(:ids)",
                "SELECT count(*) FROM order_lines WHERE order_id::text = ANY(:ids)",
                "SELECT count(*) FROM order_history WHERE order_id::text = ANY(:ids)",
                "SELECT count(*) FROM outbox WHERE message_key = ANY(:ids)"):
        assert count(sessions, sql, ids=ids) == 10


def test_the_same_key_twice_in_one_batch_places_one_order(sessions):
    group, commits = counting_group(sessions)
    who, key = identity(tenant=uuid.uuid4()), f"k-{uuid.uuid4()}"
    first, second, third = one_batch(group, placing(who), placing(who, key), placing(who, key))
    assert (second.status, second.replayed, third.status, third.replayed) == (201, False, 201, True)
    assert third.body == second.body
    assert commits[-1] is False  # the batch met the taken key and ran again with savepoints
    [again] = one_batch(group, placing(who, key))   # a later batch: the key read up front, replayed
    assert (again.status, again.replayed, again.body, commits[-1]) == (201, True, second.body, True)
    assert count(sessions, "SELECT count(*) FROM orders WHERE tenant_id = :t", t=who.tenant_uuid) == 2
    assert count(sessions, "SELECT count(*) FROM idempotency_keys WHERE tenant_id = :t", t=who.tenant_uuid) == 1


def test_a_failed_commit_answers_every_request_of_the_batch(sessions):
    class Failing(PlacementBatch):
        def commit(self) -> None:
            raise ConnectionError("the database went away")

    group = GroupCommit(partial(Failing, sessions, "/auraconnect/orders"))
    who = identity(tenant=uuid.uuid4())
    outcomes = one_batch(group, placing(who), placing(who))
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert count(sessions, "SELECT count(*) FROM orders WHERE tenant_id = :t", t=who.tenant_uuid) == 0


def test_a_deferred_batch_reads_its_keys_and_the_menu_generation_up_front(sessions):
    """One round trip before the placements: the menu generation is then known to the batch's
    transaction (no query of its own), and a key stored earlier comes back with its response."""
    from orders.adapters.menu_cache import PricingReads
    from sqlalchemy import event

    who = identity()
    placed = one_batch(GroupCommit(partial(PlacementBatch, sessions, "orders")), placing(who, key="up-front"))[0]
    with sessions() as other:
        current = other.execute(text("SELECT generation FROM menu_generation WHERE id = 1")).scalar_one()
    asked: list[str] = []

    def ask(*call) -> None:
        asked.append(call[2])

    with PlacementBatch(sessions, "orders", deferred=True) as batch:
        batch.prefetch_idempotency([(who.tenant_uuid, "up-front"), (who.tenant_uuid, "never-used")])
        event.listen(batch.session.get_bind(), "before_cursor_execute", ask)
        try:
            generation = PricingReads.generation(batch.session)
        finally:
            event.remove(batch.session.get_bind(), "before_cursor_execute", ask)
    assert generation == current and asked == []
    stored = batch.known_keys[(who.tenant_uuid, "up-front")]
    assert stored is not None and stored.order_id == placed.order.order_id and stored.status == 201
    assert batch.known_keys[(who.tenant_uuid, "never-used")] is None
