"""KitchenRepository, the kitchen use cases and PostgresKitchenFeed against real PostgreSQL: rows <->
domain, the per-location lock that makes sequence numbers commit in order, the outstanding-work query,
the NOTIFY that wakes a waiting stream, and an expo bump that moves the real order to ready."""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from auraconnect.orders.v1 import events_pb2
from chassis.identity import Identity
from orders.adapters.kitchen_feed import PostgresKitchenFeed
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.kitchen import LineFacts, OrderHeader, Station, default_stations
from orders.domain.kitchen_load import outstanding_work
from orders.domain.kitchen_split import OrderSnapshot, apply_order
from orders.domain.order import SENT, LineInput, Order, SalesTax
from orders.service_layer import kitchen
from orders.service_layer.checks import CheckPeers
from orders.service_layer.views import order_to_proto
from sqlalchemy import text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)
COOK = frozenset({"orders:read", "kitchen:read", "kitchen:update"})


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


@pytest.fixture
def peers() -> CheckPeers:
    return CheckPeers(clock=lambda: NOW, new_id=uuid.uuid4)


def snapshot(tenant: uuid.UUID, location: uuid.UUID, *lines: LineFacts) -> OrderSnapshot:
    return OrderSnapshot(uuid.uuid4(), tenant, location, "sent", OrderHeader(table="12", guest_count=2,
                                                                            order_number="AB12"), lines)


def test_tickets_stations_and_routes_round_trip_and_outstanding_work_matches_the_domain(uow):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    stations = default_stations(tenant, location, uuid.uuid4)
    order = snapshot(tenant, location,
                     LineFacts("l1", "Burger", 2, prep_time_seconds=600, modifiers=("Cheddar",),
                               allergens=("dairy",), notes="no onions", course="main", seat=2),
                     LineFacts("l2", "Soup", 1, prep_time_seconds=300, held=True, course="starter"))
    tickets = []
    changed = apply_order(order, tickets, stations, [], NOW, uuid.uuid4)
    with uow() as u:
        for station in stations:
            u.kitchen.add_station(station)
        u.flush()
        u.kitchen.save_tickets(changed)
        u.commit()
    tickets[0].start()
    with uow() as u:
        u.kitchen.save_tickets([tickets[0]])  # the upsert overwrites
        u.commit()
    with uow() as u:
        assert [s.name for s in u.kitchen.stations(tenant, location)] == ["Kitchen", "Expo"]
        [prep] = u.kitchen.tickets_at(tenant, location, station_id=stations[0].station_id)
        assert prep == tickets[0]
        assert prep.items[0].fire_at == NOW and prep.items[1].held and prep.state == "in_progress"
        assert len(u.kitchen.tickets_of_order(tenant, order.order_id)) == 2
        assert u.kitchen.outstanding_work(tenant, location) == outstanding_work(tickets) == {
            stations[0].station_id: (2, 1200)}
        assert u.kitchen.tickets_at(uuid.uuid4(), location) == []  # another tenant sees nothing


def test_sequences_are_contiguous_and_a_second_writer_waits_for_the_first(uow):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    station = Station.create(station_id=uuid.uuid4(), tenant_id=tenant, location_id=location, name="Grill",
                             is_default=True)
    tickets = []
    [ticket, *_] = apply_order(snapshot(tenant, location, LineFacts("l1", "Burger", 1)), tickets, [station], [],
                               NOW, uuid.uuid4)
    first = uow()
    with first as u:
        state = u.kitchen.lock_location(tenant, location)
        assert state.last_sequence == 0
        u.kitchen.record_changes(tenant, location, 0, [(ticket, {"n": 1}), (ticket, {"n": 2})], NOW)
        seen: list[int] = []

        def second_writer():
            with uow() as other:
                seen.append(other.kitchen.lock_location(tenant, location).last_sequence)
                other.kitchen.record_changes(tenant, location, seen[0], [(ticket, {"n": 3})], NOW)
                other.commit()

        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.3)
        assert seen == []  # blocked on the location's row until we commit
        u.commit()
    thread.join(5)
    assert seen == [2]
    with uow() as u:
        assert u.kitchen.latest_sequence(tenant, location) == 3
        assert u.kitchen.prune_changes(location, datetime(2100, 1, 1, tzinfo=UTC)) == 2  # the newest stays


def test_the_feed_reads_changes_and_a_commit_wakes_a_waiting_stream(uow, orders_db):
    sessions, schema = orders_db
    dsn = sessions.kw["bind"].url.set(drivername="postgresql").render_as_string(hide_password=False)
    tenant, location = uuid.uuid4(), uuid.uuid4()
    station = Station.create(station_id=uuid.uuid4(), tenant_id=tenant, location_id=location, name="Grill",
                             is_default=True)
    [ticket, *_] = apply_order(snapshot(tenant, location, LineFacts("l1", "Burger", 1)), [], [station], [],
                               NOW, uuid.uuid4)

    def write(n: int, size: int = 0) -> None:
        with uow() as u:
            state = u.kitchen.lock_location(tenant, location)
            u.kitchen.record_changes(tenant, location, state.last_sequence, [(ticket, {"n": n, "pad": "x" * size})],
                                     NOW)
            u.commit()

    async def scenario():
        feed = PostgresKitchenFeed(dsn, schema)
        reads, read = [], feed._read

        async def counted_read(*args):
            reads.append(args)
            return await read(*args)

        feed._read = counted_read
        try:
            write(1)
            assert [c.payload["n"] for c in await feed.changes(location, 0)] == [1]
            assert await feed.wait(location, 1, 0.2) is False  # nothing new: times out
            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            waiting = asyncio.create_task(feed.wait(location, 1, 10))
            await asyncio.sleep(0.05)
            await loop.run_in_executor(None, write, 2)
            assert await waiting is True and time.perf_counter() - started < 5
            assert [(c.sequence, c.payload["n"]) for c in await feed.changes(location, 1)] == [(2, 2)]
            assert len(reads) == 1  # change 2 came with its notification: no read
            # A change too big to travel in the notification is read from the log.
            waiting = asyncio.create_task(feed.wait(location, 2, 10))
            await asyncio.sleep(0.05)
            await loop.run_in_executor(None, write, 3, 9000)
            assert await waiting is True
            [big] = await feed.changes(location, 2)
            assert (big.sequence, big.payload["n"], len(big.payload["pad"]), big.tenant_id) == (3, 3, 9000, tenant)
            assert len(reads) == 2
            assert [c.sequence for c in await feed.changes(location, 0)] == [1, 2, 3]
            assert await feed.oldest(location) == 1
        finally:
            await feed.close()

    asyncio.run(scenario())


def test_a_sent_order_gets_tickets_and_the_expo_bump_makes_the_real_order_ready(uow, peers):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    order = Order.place(tenant_id=tenant, location_id=location, server_staff_id=uuid.uuid4(),
                        lines=[LineInput("Burger", 1, 1450, kitchen_tags=("grill",), prep_time_seconds=600)],
                        tip_cents=0, placed_at=NOW, new_id=uuid.uuid4)
    order.apply_tax(SalesTax(1450, 0, {}, "s"))
    order.move_to(SENT, actor_id="server", at=NOW, new_id=uuid.uuid4)
    with uow() as u:
        u.orders.add(order)
        u.commit()
    with uow() as u:
        kitchen.apply_order_event(u, order_to_proto(order), peers=peers)
        u.commit()
    with uow() as u:  # the same event again (a redelivery) changes nothing
        assert kitchen.apply_order_event(u, order_to_proto(order), peers=peers) == []
        u.commit()
    cook = Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), permissions=COOK)
    board = kitchen.list_tickets(uow, cook, str(location), peers=peers, expo=True)
    [expo] = board.tickets
    assert board.sequence == 2
    kitchen.act_on_ticket(uow, cook, str(expo.ticket_id), "bump", peers=peers)
    with uow() as u:
        ready = u.orders.get(tenant, order.order_id)
        assert ready.status == "ready" and ready.history[-1].actor_id == cook.subject
        assert {t.state for t in u.kitchen.tickets_of_order(tenant, order.order_id)} == {"done"}
        types = [row[0] for row in u.session.execute(
            text("SELECT event_type FROM outbox WHERE subject = :s ORDER BY id"), {"s": str(order.order_id)})]
    assert types[-2:] == [events_pb2.OrderStatusChanged.DESCRIPTOR.full_name,
                          "auraconnect.orders.v1.KitchenOrderBumped"]
