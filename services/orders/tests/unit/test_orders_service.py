"""Order use cases against fakes: what each one stages, commits and refuses."""
from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.domain.order import CANCELLED, COMPLETED, IN_KITCHEN, PLACED, READY, STATUSES, LineInput, Order
from orders.service_layer import orders, reports
from orders.service_layer.orders import TOPIC

from services.orders.tests.unit.fakes import (
    LOCATION,
    NOW,
    OTHER_LOCATION,
    STAFF,
    TENANT,
    FixedClock,
    SequentialIds,
    identity,
)

pytestmark = pytest.mark.unit

LINES = [LineInput("Cheesesteak", 2, 1250), LineInput("Lager", 1, 700, "alcohol")]


def place(uow, tax, clock, ids, who=None, **changes):
    args = {"location_id": str(LOCATION), "lines": LINES, "tip_cents": 325, **changes}
    return orders.place_order(lambda: uow, who or identity(), tax=tax, clock=clock, new_id=ids, **args)


def test_placing_stages_order_placed_with_the_totals_and_commits_once(uow, tax, clock, ids):
    order, created = place(uow, tax, clock, ids)
    assert created and uow.commits == 1
    assert (order.order_id, order.placed_at, order.server_staff_id) == (uuid.UUID(int=1), NOW, STAFF)
    assert (order.subtotal_cents, order.tax_cents, order.total_cents) == (3200, 200 + 56, 3200 + 256 + 325)
    assert uow.orders.saved[order.order_id] == order
    [staged] = uow.events
    assert (staged.topic, staged.key, staged.subject) == (TOPIC, str(order.order_id), str(order.order_id))
    event = staged.message
    assert isinstance(event, events_pb2.OrderPlaced)
    assert (event.order.subtotal_cents, event.order.tax_cents, event.order.tip_cents, event.order.total_cents) == (
        3200, 256, 325, 3781)
    assert event.order.tenant_id == str(TENANT) and event.order.status == orders_pb2.ORDER_STATUS_PLACED
    assert [line.tax_cents for line in event.order.lines] == [200, 56]
    assert event.order.placed_at.ToDatetime().replace(tzinfo=NOW.tzinfo) == NOW


def test_the_same_idempotency_key_returns_the_first_order(uow, tax, clock, ids):
    first, created = place(uow, tax, clock, ids, idempotency_key="k-1")
    again, created_again = place(uow, tax, clock, ids, idempotency_key="k-1", tip_cents=999)
    assert (created, created_again) == (True, False)
    assert again == first and again.tip_cents == 325
    assert uow.commits == 1 and len(uow.events) == 1 and len(tax.calls) == 1


def test_keys_are_per_tenant(uow, tax, clock, ids):
    place(uow, tax, clock, ids, idempotency_key="k-1")
    other = identity(tenant=uuid.UUID(int=77))
    _, created = place(uow, tax, clock, ids, who=other, idempotency_key="k-1")
    assert created and uow.commits == 2


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_idempotency_key_is_refused(uow, tax, clock, ids, key):
    with pytest.raises(InvalidInput) as error:
        place(uow, tax, clock, ids, idempotency_key=key)
    assert error.value.field == "Idempotency-Key"
    assert uow.commits == 0 and not tax.calls


def test_a_concurrent_retry_that_wins_the_race_is_returned(uow, tax, clock, ids):
    """Both requests missed each other's key; the database's unique key refuses the second."""
    winner = Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF, lines=LINES[:1],
                         tip_cents=0, placed_at=NOW, new_id=lambda: uuid.uuid4(), idempotency_key="k-race")
    tax.on_call = lambda _: uow.orders.seed(winner)
    order, created = place(uow, tax, clock, ids, idempotency_key="k-race")
    assert not created and order.order_id == winner.order_id
    assert uow.commits == 0 and uow.events == []


@pytest.mark.parametrize(("line", "field"), [
    (LineInput("Soup", 0, 100), "lines[1].quantity"),
    (LineInput("Soup", 1, 100, "caviar"), "lines[1].category"),
    (LineInput("", 1, 100), "lines[1].name"),
])
def test_a_bad_line_is_refused_and_commits_nothing(uow, tax, clock, ids, line, field):
    with pytest.raises(InvalidInput) as error:
        place(uow, tax, clock, ids, lines=[LINES[0], line])
    assert error.value.field == field
    assert uow.commits == 0 and uow.events == [] and uow.orders.saved == {} and not tax.calls


@pytest.mark.parametrize(("changes", "field"), [
    ({"location_id": "not-a-uuid"}, "location_id"),
    ({"server_staff_id": "nobody"}, "server_staff_id"),
])
def test_malformed_ids_name_the_field(uow, tax, clock, ids, changes, field):
    with pytest.raises(InvalidInput) as error:
        place(uow, tax, clock, ids, **changes)
    assert error.value.field == field and uow.commits == 0


def test_a_location_the_caller_may_not_access_is_refused(uow, tax, clock, ids):
    with pytest.raises(PermissionDenied) as error:
        place(uow, tax, clock, ids, who=identity(location_ids=(str(OTHER_LOCATION),)))
    assert error.value.field == "location_id"
    assert uow.commits == 0 and not tax.calls


def test_an_order_at_a_location_the_caller_may_not_access_is_not_found(uow, tax, clock, ids):
    order, _ = place(uow, tax, clock, ids)
    outsider = identity(location_ids=(str(OTHER_LOCATION),))
    for attempt in (lambda: orders.get_order(lambda: uow, outsider, str(order.order_id)),
                    lambda: orders.change_status(lambda: uow, outsider, str(order.order_id), READY, clock=clock),
                    lambda: orders.cancel_order(lambda: uow, outsider, str(order.order_id), clock=clock)):
        with pytest.raises(NotFound):
            attempt()
    assert uow.commits == 1


def test_get_order(uow, tax, clock, ids):
    order, _ = place(uow, tax, clock, ids)
    assert orders.get_order(lambda: uow, identity(), str(order.order_id)) == order
    with pytest.raises(NotFound):
        orders.get_order(lambda: uow, identity(tenant=uuid.UUID(int=77)), str(order.order_id))
    with pytest.raises(InvalidInput) as error:
        orders.get_order(lambda: uow, identity(), "42")
    assert error.value.field == "order_id"


LEGAL = {(PLACED, IN_KITCHEN), (PLACED, READY), (IN_KITCHEN, READY), (READY, COMPLETED)}
STATUS_PROTO = {PLACED: 1, IN_KITCHEN: 2, READY: 3, COMPLETED: 4, CANCELLED: 5}


def order_in(uow, status: str) -> Order:
    order = Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF, lines=LINES,
                        tip_cents=0, placed_at=NOW, new_id=SequentialIds())
    order.status = status
    return uow.orders.seed(order)


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, (IN_KITCHEN, READY, COMPLETED))))
def test_every_status_change(uow, current, wanted):
    order = order_in(uow, current)
    later = FixedClock(NOW + timedelta(minutes=5))
    if (current, wanted) in LEGAL:
        changed = orders.change_status(lambda: uow, identity(), str(order.order_id), wanted, clock=later)
        assert changed.status == wanted == uow.orders.saved[order.order_id].status
        [event] = uow.events_of(events_pb2.OrderStatusChanged)
        assert (event.previous_status, event.status) == (STATUS_PROTO[current], STATUS_PROTO[wanted])
        assert event.order_id == str(order.order_id) and event.changed_at.ToSeconds() == int(later.now.timestamp())
        assert uow.commits == 1
    else:
        with pytest.raises(Conflict) as error:
            orders.change_status(lambda: uow, identity(), str(order.order_id), wanted, clock=later)
        assert error.value.http_status == 409 and error.value.field == "status"
        assert current in error.value.message
        assert uow.commits == 0 and uow.events == [] and uow.orders.saved[order.order_id].status == current


@pytest.mark.parametrize("current", [PLACED, IN_KITCHEN, READY])
def test_cancel_stages_order_cancelled(uow, clock, current):
    order = order_in(uow, current)
    cancelled = orders.cancel_order(lambda: uow, identity(), str(order.order_id), "customer left", clock=clock)
    assert cancelled.status == CANCELLED == uow.orders.saved[order.order_id].status
    [event] = uow.events_of(events_pb2.OrderCancelled)
    assert (event.reason, event.previous_status, event.tenant_id) == ("customer left", STATUS_PROTO[current],
                                                                      str(TENANT))
    assert uow.events[0].key == str(order.order_id) and uow.commits == 1


@pytest.mark.parametrize("current", [COMPLETED, CANCELLED])
def test_a_finished_order_cannot_be_cancelled(uow, clock, current):
    order = order_in(uow, current)
    with pytest.raises(Conflict) as error:
        orders.cancel_order(lambda: uow, identity(), str(order.order_id), clock=clock)
    assert current in error.value.message and uow.commits == 0


def test_sales_summary_counts_what_the_caller_may_see(uow, tax, clock, ids):
    kept, _ = place(uow, tax, clock, ids)
    dropped, _ = place(uow, tax, clock, ids)
    orders.cancel_order(lambda: uow, identity(), str(dropped.order_id), clock=clock)
    place(uow, tax, clock, ids, location_id=str(OTHER_LOCATION))
    place(uow, tax, FixedClock(NOW + timedelta(days=1)), ids)  # the next day: outside the period
    who = identity(location_ids=(str(LOCATION),))
    period, sales = reports.sales_summary(lambda: uow, who, "2026-03-14", "2026-03-14")
    assert (period.start, period.end) == (NOW.replace(hour=0, minute=0), NOW.replace(hour=0, minute=0) + timedelta(days=1))
    assert [(s.location_id, s.orders, s.total_cents, s.tip_cents) for s in sales] == [
        (LOCATION, 1, kept.total_cents, 325)]


@pytest.mark.parametrize(("first", "last", "field"), [
    ("2026-13-01", "2026-01-01", "from"),
    ("2026-01-01", "yesterday", "to"),
    ("2026-02-01", "2026-01-01", "to"),
    ("2026-01-01", "9999-12-31", "to"),
    ("9999-12-31", "9999-12-31", "to"),
])
def test_report_dates_name_the_field(uow, first, last, field):
    with pytest.raises(InvalidInput) as error:
        reports.sales_summary(lambda: uow, identity(), first, last)
    assert error.value.field == field


def test_the_last_day_before_the_end_of_the_calendar_is_fine(uow):
    period, sales = reports.sales_summary(lambda: uow, identity(), "0001-01-01", "9999-12-30")
    assert sales == [] and period.end.year == 9999
