"""Tip use cases against fakes: credited from orders, entered by hand, adjusted, voided, read back."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import PermanentEventError
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.rbac import role_permissions
from chassis.timestamps import to_timestamp
from payroll.domain.tips import MANUAL, ORDER
from payroll.entrypoints.consumer import SUBSCRIPTIONS
from payroll.service_layer import tips
from payroll.service_layer.views import Tip
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FixedClock

TENANT = str(uuid.uuid4())
LOCATION = str(uuid.uuid4())
SERVER = str(uuid.uuid4())
PLACED_AT = datetime(2026, 3, 6, 23, 15, tzinfo=UTC)


def person(role: str, subject: str | None = None) -> Identity:
    return Identity(subject=subject or str(uuid.uuid4()), tenant_id=TENANT, roles=(role,),
                    permissions=role_permissions(role))


def placed(tip_cents: int, order_id: str | None = None, **order) -> tuple[order_events.OrderPlaced, EventEnvelope]:
    fields = {"order_id": order_id or str(uuid.uuid4()), "tenant_id": TENANT, "location_id": LOCATION,
              "server_staff_id": SERVER, "tip_cents": tip_cents, "placed_at": to_timestamp(PLACED_AT), **order}
    event = order_events.OrderPlaced()
    for name, value in fields.items():
        if name == "placed_at":
            event.order.placed_at.CopyFrom(value)
        else:
            setattr(event.order, name, value)
    return event, EventEnvelope(event_id=str(uuid.uuid4()), event_type=order_events.OrderPlaced.DESCRIPTOR.full_name,
                                source="/auraconnect/orders", time=PLACED_AT, subject=fields["order_id"])


def consume(uow: FakePayrollUnitOfWork, event, envelope) -> None:
    """What the idempotent consumer does around a handler: one unit of work, committed after."""
    with uow:
        tips.record_tip_from_order(uow, event, envelope)
        uow.commit()


@pytest.fixture
def uow() -> FakePayrollUnitOfWork:
    return FakePayrollUnitOfWork()


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory(locations={LOCATION}, staff={SERVER})


def enter(uow, directory, identity=None, **changes):
    args = {"staff_id": SERVER, "location_id": LOCATION, "tip_cents": 2300,
            "earned_at": datetime(2026, 3, 6, 22, 30, tzinfo=timezone(timedelta(hours=-5))),
            "note": "cash tips, Friday dinner", **changes}
    return tips.enter_tip(lambda: uow, identity or person("admin"), directory=directory, **args)


# ---- tips from orders ----

def test_a_placed_order_with_a_tip_records_one_tip_and_stages_tip_recorded(uow):
    event, envelope = placed(450)
    consume(uow, event, envelope)
    [record] = uow.tips.rows.values()
    assert (str(record.staff_id), record.tip_cents, record.source, record.earned_at) == (SERVER, 450, ORDER, PLACED_AT)
    [staged] = uow.events
    assert (staged.topic, staged.key, staged.subject) == ("payroll.tip.v1", SERVER, str(record.id))
    [recorded] = uow.events_of(events_pb2.TipRecorded)
    assert (recorded.order_id, recorded.tip_cents, recorded.tenant_id) == (event.order.order_id, 450, TENANT)
    assert recorded.earned_at.ToDatetime(tzinfo=UTC) == PLACED_AT


def test_an_order_without_a_tip_records_nothing(uow):
    consume(uow, *placed(0))
    assert uow.tips.rows == {} and uow.events == []


def test_the_same_order_twice_credits_once(uow):
    """An order redelivered under a second event id (a relay retry after a crash) is credited once."""
    order_id = str(uuid.uuid4())
    consume(uow, *placed(300, order_id))
    consume(uow, *placed(300, order_id))
    assert len(uow.tips.rows) == 1 and len(uow.events_of(events_pb2.TipRecorded)) == 1


def test_an_order_with_malformed_ids_is_parked_not_retried(uow):
    with pytest.raises(PermanentEventError):
        consume(uow, *placed(300, server_staff_id="not-a-uuid"))
    assert uow.tips.rows == {} and uow.events == []


# ---- tips entered by hand ----

def test_a_manual_tip_is_stored_in_utc_with_its_event(uow, directory):
    tip_id = uuid.uuid4()
    admin = person("admin")
    tip = tips.enter_tip(lambda: uow, admin, SERVER, LOCATION, 2300,
                         datetime(2026, 3, 6, 22, 30, tzinfo=timezone(timedelta(hours=-5))), "cash",
                         directory=directory, new_id=lambda: tip_id)
    assert isinstance(tip, Tip)  # a value: rows do not outlive their unit of work
    assert tip.tip_record_id == tip_id and tip.source == MANUAL and tip.order_id is None
    assert tip.earned_at == datetime(2026, 3, 7, 3, 30, tzinfo=UTC)
    assert str(uow.tips.rows[tip_id].entered_by) == admin.subject
    assert directory.asked == [("location", LOCATION), ("staff", SERVER)]
    [recorded] = uow.events_of(events_pb2.TipRecorded)
    assert recorded.tip_record_id == str(tip_id) and recorded.order_id == ""


def test_a_manual_tip_for_an_unknown_staff_member_is_refused_naming_the_field(uow, directory):
    with pytest.raises(InvalidInput) as refused:
        enter(uow, directory, staff_id=str(uuid.uuid4()))
    assert refused.value.field == "staff_id"
    assert uow.commits == 0 and uow.events == [] and uow.tips.rows == {}


def test_a_manual_tip_at_an_unknown_location_is_refused_naming_the_field(uow, directory):
    with pytest.raises(InvalidInput) as refused:
        enter(uow, directory, location_id=str(uuid.uuid4()))
    assert refused.value.field == "location_id" and uow.commits == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"staff_id": "bob"}, "staff_id"), ({"location_id": "x"}, "location_id"), ({"tip_cents": 0}, "tip_cents"),
    ({"tip_cents": -5}, "tip_cents"), ({"earned_at": datetime(2026, 3, 6, 22, 30)}, "earned_at"),
])
def test_malformed_manual_tips_name_the_field_without_asking_the_directory(uow, directory, change, field):
    with pytest.raises(InvalidInput) as refused:
        enter(uow, directory, **change)
    assert refused.value.field == field
    assert directory.asked == [] and uow.commits == 0


def test_only_payroll_create_enters_tips_and_others_learn_nothing_about_ids(uow, directory):
    with pytest.raises(PermissionDenied):
        enter(uow, directory, person("manager"), staff_id=str(uuid.uuid4()))
    assert directory.asked == [] and uow.commits == 0


def test_a_caller_limited_to_other_locations_may_not_enter_tips_here(uow, directory):
    elsewhere = Identity(subject=str(uuid.uuid4()), tenant_id=TENANT, permissions=frozenset({"payroll:create"}),
                         location_ids=(str(uuid.uuid4()),))
    with pytest.raises(PermissionDenied) as refused:
        enter(uow, directory, elsewhere)
    assert refused.value.field == "location_id" and uow.commits == 0


# ---- adjust and void: manual tips only ----

def test_adjust_and_void_change_manual_tips(uow, directory):
    admin = person("admin")
    tip_id = str(enter(uow, directory, admin).tip_record_id)
    adjusted = tips.adjust_tip(lambda: uow, admin, tip_id, 2500, None)
    assert adjusted.tip_cents == 2500 and adjusted.note == "cash tips, Friday dinner"
    assert [t.tip_cents for t in tips.list_tips(lambda: uow, admin, SERVER)] == [2500]
    clock = FixedClock()
    tips.void_tip(lambda: uow, admin, tip_id, clock=clock)
    assert uow.tips.rows[uuid.UUID(tip_id)].deleted_at == clock.now
    assert tips.list_tips(lambda: uow, admin, SERVER) == []
    with pytest.raises(NotFound) as gone:
        tips.void_tip(lambda: uow, admin, tip_id)
    assert gone.value.field == "tip_record_id"


def test_tips_from_orders_follow_their_order(uow):
    consume(uow, *placed(450))
    [record] = uow.tips.rows.values()
    commits = uow.commits
    admin = person("admin")
    with pytest.raises(Conflict):
        tips.adjust_tip(lambda: uow, admin, str(record.id), 100, None)
    with pytest.raises(Conflict):
        tips.void_tip(lambda: uow, admin, str(record.id))
    assert record.tip_cents == 450 and record.deleted_at is None and uow.commits == commits


def test_adjusting_needs_a_positive_amount_and_the_permission(uow, directory):
    tip_id = str(enter(uow, directory).tip_record_id)
    with pytest.raises(InvalidInput) as refused:
        tips.adjust_tip(lambda: uow, person("admin"), tip_id, 0, None)
    assert refused.value.field == "tip_cents"
    with pytest.raises(PermissionDenied):
        tips.adjust_tip(lambda: uow, person("manager"), tip_id, 100, None)
    with pytest.raises(PermissionDenied):
        tips.void_tip(lambda: uow, person("manager"), tip_id)
    assert uow.tips.rows[uuid.UUID(tip_id)].tip_cents == 2300


def test_another_tenants_tip_is_not_found(uow, directory):
    tip_id = str(enter(uow, directory).tip_record_id)
    stranger = Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()),
                        permissions=role_permissions("admin"))
    with pytest.raises(NotFound):
        tips.void_tip(lambda: uow, stranger, tip_id)


# ---- reading tips: the own-record rule ----

def test_staff_read_their_own_tips_only(uow):
    consume(uow, *placed(450))
    me = person("staff", SERVER)
    assert [r.tip_cents for r in tips.list_tips(lambda: uow, me, SERVER)] == [450]
    assert len(tips.list_tips(lambda: uow, me, SERVER.upper())) == 1  # the same id, spelled differently
    with pytest.raises(PermissionDenied):
        tips.list_tips(lambda: uow, me, str(uuid.uuid4()))


def test_payroll_read_reads_anyones_tips_of_its_own_tenant(uow):
    consume(uow, *placed(450))
    assert len(tips.list_tips(lambda: uow, person("manager"), SERVER)) == 1
    outsider = Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()),
                        permissions=frozenset({"payroll:read"}))
    assert tips.list_tips(lambda: uow, outsider, SERVER) == []
    with pytest.raises(PermissionDenied):
        tips.list_tips(lambda: uow, person("kitchen"), SERVER)


def test_a_malformed_staff_id_names_the_field(uow):
    with pytest.raises(InvalidInput) as refused:
        tips.list_tips(lambda: uow, person("admin"), "bob")
    assert refused.value.field == "staff_id"


# ---- tips follow their order (issue 8): a cancelled or voided order takes its tip back ----
REVERSED_AT = datetime(2026, 3, 7, 1, 0, tzinfo=UTC)


def ended(kind, order_id: str, reason: str = "guest left", tenant: str = TENANT):
    event = kind(tenant_id=tenant, order_id=order_id, reason=reason, server_staff_id=SERVER, tip_cents=450)
    return event, EventEnvelope(event_id=str(uuid.uuid4()), event_type=kind.DESCRIPTOR.full_name,
                                source="/auraconnect/orders", time=REVERSED_AT, subject=order_id)


def reverse(uow, event, envelope) -> None:
    with uow:
        tips.reverse_tip_of_order(uow, event, envelope, clock=FixedClock(REVERSED_AT))
        uow.commit()


@pytest.mark.parametrize(("kind", "status"), [(order_events.OrderCancelled, "cancelled"),
                                              (order_events.OrderVoided, "voided")])
def test_a_cancelled_or_voided_orders_tip_leaves_payroll(uow, kind, status):
    order_id = str(uuid.uuid4())
    consume(uow, *placed(450, order_id))
    [record] = uow.tips.rows.values()
    reverse(uow, *ended(kind, order_id))
    assert record.deleted_at == REVERSED_AT and record.note == f"reversed: order {status} (guest left)"
    assert uow.tips.for_staff(record.tenant_id, record.staff_id) == []
    [event] = uow.events_of(events_pb2.TipReversed)
    assert (event.order_id, event.staff_id, event.tip_cents, event.order_status, event.reason) == (
        order_id, SERVER, 450, status, "guest left")
    assert event.tip_record_id == str(record.id) and event.reversed_at.ToDatetime(tzinfo=UTC) == REVERSED_AT
    assert [e.key for e in uow.events if isinstance(e.message, events_pb2.TipReversed)] == [SERVER]


def test_a_second_delivery_reverses_once(uow):
    order_id = str(uuid.uuid4())
    consume(uow, *placed(450, order_id))
    reverse(uow, *ended(order_events.OrderCancelled, order_id))
    reverse(uow, *ended(order_events.OrderVoided, order_id))
    assert len(uow.events_of(events_pb2.TipReversed)) == 1


def test_an_order_without_a_tip_or_of_another_tenant_changes_nothing(uow):
    reverse(uow, *ended(order_events.OrderCancelled, str(uuid.uuid4())))
    order_id = str(uuid.uuid4())
    consume(uow, *placed(450, order_id))
    reverse(uow, *ended(order_events.OrderCancelled, order_id, tenant=str(uuid.uuid4())))
    assert uow.events_of(events_pb2.TipReversed) == []
    assert all(r.deleted_at is None for r in uow.tips.rows.values())


def test_a_malformed_order_id_is_parked_not_retried(uow):
    with pytest.raises(PermanentEventError):
        reverse(uow, *ended(order_events.OrderCancelled, "not-an-id"))


def test_the_consumer_subscribes_to_cancelled_and_voided_orders():
    for kind in (order_events.OrderCancelled, order_events.OrderVoided):
        subscription = SUBSCRIPTIONS[kind.DESCRIPTOR.full_name]
        assert subscription.handler is tips.reverse_tip_of_order
