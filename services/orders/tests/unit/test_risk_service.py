"""Risk use cases on fakes: the consumer's handlers turn orders.order.v1 events into judged steps;
the review queue lists, confirms and dismisses; the tenant's settings are checked and versioned."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2, payments_pb2, risk_events_pb2
from chassis.errors import Conflict, InvalidInput, NotFound
from chassis.events import EventEnvelope
from chassis.timestamps import to_timestamp
from orders.domain.risk_case import StaleCase
from orders.service_layer import risk
from orders.service_layer.risk_feed import RiskFeed, card_reference

from services.orders.tests.unit.fakes import (
    LOCATION,
    OTHER_LOCATION,
    STAFF,
    TENANT,
    FixedClock,
    SequentialIds,
    identity,
)
from services.orders.tests.unit.fakes_risk import FakeRiskUnitOfWork

NY = "America/New_York"
EVENING = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # 19:00 in New York: the night shift of 2026-03-14
MANAGER_ID = "00000000-0000-4000-8000-00000000d001"
REVIEWER = identity(permissions=frozenset({"orders:review_risk", "settings:update"}))
ENVELOPE = EventEnvelope("event-1", "type", "/auraconnect/orders", EVENING, "subject")


class Zones:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def time_zone(self, who, location_id: str) -> str:
        self.asked.append((who.subject, location_id))
        return NY


@pytest.fixture
def uow() -> FakeRiskUnitOfWork:
    return FakeRiskUnitOfWork()


@pytest.fixture
def zones() -> Zones:
    return Zones()


@pytest.fixture
def feed(zones) -> RiskFeed:
    return RiskFeed(zones, SequentialIds(), FixedClock(EVENING))


def order(number: int, *, total: int = 2_000, location=LOCATION, server=STAFF, lines=()) -> orders_pb2.Order:
    return orders_pb2.Order(order_id=str(uuid.UUID(int=1000 + number)), tenant_id=str(TENANT),
                            location_id=str(location), server_staff_id=str(server), total_cents=total,
                            subtotal_cents=total, lines=list(lines), placed_at=to_timestamp(EVENING))


def cash(check: orders_pb2.Order, amount: int, at: datetime = EVENING) -> events_pb2.OrderPaymentRecorded:
    return events_pb2.OrderPaymentRecorded(
        tenant_id=check.tenant_id, order_id=check.order_id, order=check,
        payment=payments_pb2.Payment(payment_id=str(uuid.uuid4()), tender="cash", amount_cents=amount,
                                     paid_at=to_timestamp(at), actor_id=str(STAFF)))


def card(check: orders_pb2.Order, amount: int, at: datetime) -> events_pb2.OrderPaymentRecorded:
    event = cash(check, amount, at)
    event.payment.tender, event.payment.card_brand, event.payment.card_last4 = "card", "visa", "4242"
    return event


def voided(check: orders_pb2.Order, at: datetime) -> events_pb2.OrderVoided:
    return events_pb2.OrderVoided(tenant_id=check.tenant_id, order_id=check.order_id, order=check,
                                  reason="guest left", voided_at=to_timestamp(at), actor_id=MANAGER_ID)


def flags(uow) -> list[risk_events_pb2.RiskFlagRaised]:
    return uow.events_of(risk_events_pb2.RiskFlagRaised)


def handle(uow, handler, event) -> None:
    """As chassis.consumer does: one unit of work per event, committed."""
    with uow() as u:
        handler(u, event, ENVELOPE)
        u.commit()


def test_a_server_whose_three_paid_cash_checks_are_voided_in_a_shift_lands_in_the_queue(uow, feed, zones):
    checks = [order(n) for n in range(3)]
    for n, check in enumerate(checks):
        handle(uow, feed.payment_recorded, cash(check, 2_000))
        handle(uow, feed.order_voided, voided(check, EVENING + timedelta(minutes=10 * n)))
    [flag] = flags(uow)
    assert (flag.subject_kind, flag.staff_id, flag.score, flag.threshold) == ("staff_shift", str(STAFF), 60, 50)
    assert flag.subject_key == f"{STAFF}/2026-03-14/night" and flag.rules_version
    assert [h.rule for h in flag.hits] == ["voids_per_shift"] and flag.hits[0].order_id == checks[2].order_id
    # Each voided check was paid: each one's own case scores 30, below the threshold (watching, not queued).
    order_cases = [c for c in uow.risk.cases.values() if c.subject.kind == "order"]
    assert sorted(c.score for c in order_cases) == [30, 30, 30] and {c.status for c in order_cases} == {"watching"}
    # The shift was read on the location's wall clock, asked of auth as the orders service.
    assert zones.asked[0] == ("service:orders", str(LOCATION))

    [queued] = risk.list_cases(uow, REVIEWER).cases
    assert queued.case_id == uuid.UUID(flag.case_id)
    decided = risk.resolve_case(uow, REVIEWER, flag.case_id, "dismiss", "three walk-outs, on camera",
                                expected_version=queued.version, clock=FixedClock(EVENING + timedelta(hours=1)))
    assert decided.status == "dismissed"
    [resolved] = uow.events_of(risk_events_pb2.RiskReviewResolved)
    assert (resolved.decision, resolved.reason, resolved.actor_id) == (
        risk_events_pb2.RISK_DECISION_DISMISSED, "three walk-outs, on camera", REVIEWER.subject)
    assert risk.list_cases(uow, REVIEWER).cases == []
    assert [c.case_id for c in risk.list_cases(uow, REVIEWER, status="dismissed").cases] == [decided.case_id]


def test_voids_in_two_shifts_do_not_add_up(uow, feed):
    for n, at in enumerate((EVENING, EVENING + timedelta(minutes=5), EVENING + timedelta(hours=12))):  # 3rd: next day
        handle(uow, feed.order_voided, voided(order(n), at))
    assert flags(uow) == []


def test_voids_of_unpaid_checks_count_but_score_no_payment(uow, feed):
    for n in range(3):
        handle(uow, feed.order_voided, voided(order(n), EVENING))
    [flag] = flags(uow)
    assert [h.rule for h in flag.hits] == ["voids_per_shift"]
    assert all(c.score == 0 or c.subject.kind == "staff_shift" for c in uow.risk.cases.values())


def test_a_refund_above_what_was_paid_flags_the_order(uow, feed):
    check = order(1)
    handle(uow, feed.payment_recorded, cash(check, 2_000))
    refund = events_pb2.OrderRefunded(tenant_id=check.tenant_id, order_id=check.order_id, order=check,
                                      amount_cents=2_500, actor_id=MANAGER_ID, refunded_at=to_timestamp(EVENING))
    handle(uow, feed.refunded, refund)
    [flag] = flags(uow)
    assert (flag.subject_kind, flag.order_id, [h.rule for h in flag.hits]) == ("order", check.order_id,
                                                                                ["refund_over_paid"])


def test_a_refused_refund_is_recorded_and_scored(uow, feed):
    check = order(2)
    handle(uow, feed.payment_recorded, cash(check, 1_000))
    feed.refund_refused(uow, tenant_id=TENANT, location_id=LOCATION, order_id=uuid.UUID(check.order_id),
                        staff_id=STAFF, actor_id=MANAGER_ID, amount_cents=5_000, at=EVENING)
    [flag] = flags(uow)
    assert "refused" in flag.hits[0].reason


def test_the_same_card_many_times_in_ten_minutes(uow, feed):
    for n in range(4):
        handle(uow, feed.payment_recorded, card(order(n), 500, EVENING + timedelta(minutes=2 * n)))
    [flag] = flags(uow)
    assert (flag.subject_kind, flag.subject_key) == ("card", "visa:4242/2026-03-14")


def test_cards_spread_over_time_are_not_velocity(uow, feed):
    for n in range(6):
        handle(uow, feed.payment_recorded, card(order(n), 500, EVENING + timedelta(minutes=11 * n)))
    assert flags(uow) == []


def test_a_check_far_above_the_locations_usual_total(uow, feed):
    uow.risk.closed_totals = [(TENANT, LOCATION, EVENING - timedelta(days=d % 29 + 1), 2_000) for d in range(25)]
    big = order(1, total=50_000)
    handle(uow, feed.paid, events_pb2.OrderPaid(tenant_id=big.tenant_id, order_id=big.order_id, order=big,
                                                total_cents=50_000, paid_at=to_timestamp(EVENING)))
    small = order(2, total=9_000)
    handle(uow, feed.paid, events_pb2.OrderPaid(tenant_id=small.tenant_id, order_id=small.order_id, order=small,
                                                total_cents=9_000, paid_at=to_timestamp(EVENING)))
    scored = {c.order_id: c.score for c in uow.risk.cases.values()}
    assert scored == {uuid.UUID(big.order_id): 25}  # below the threshold alone: watching


def test_a_heavily_discounted_check_and_an_edit_after_close(uow, feed):
    line = orders_pb2.OrderLine(line_id="l1", quantity=1, unit_price_cents=1_000, discount_cents=800)
    check = order(1, lines=[line])
    handle(uow, feed.placed, events_pb2.OrderPlaced(order=check))
    closed = events_pb2.OrderStatusChanged(tenant_id=check.tenant_id, order_id=check.order_id, order=check,
                                           status=orders_pb2.ORDER_STATUS_CLOSED, changed_at=to_timestamp(EVENING))
    handle(uow, feed.status_changed, closed)
    added = events_pb2.OrderLinesAdded(tenant_id=check.tenant_id, order_id=check.order_id, order=check,
                                       lines=[orders_pb2.OrderLine(line_id="l2", quantity=1, unit_price_cents=100)],
                                       actor_id=MANAGER_ID, added_at=to_timestamp(EVENING + timedelta(minutes=1)))
    handle(uow, feed.lines_added, added)
    [flag] = flags(uow)
    assert [h.rule for h in flag.hits] == ["discount_percent", "edited_after_close"] and flag.score == 80


def test_other_status_changes_are_not_judged(uow, feed):
    sent = events_pb2.OrderStatusChanged(order=order(1), status=orders_pb2.ORDER_STATUS_READY,
                                         changed_at=to_timestamp(EVENING))
    handle(uow, feed.status_changed, sent)
    assert uow.risk.observations == []


def test_hold_flagged_orders_holds_the_order_until_decided(uow, feed):
    risk.put_settings(uow, REVIEWER, {"hold_flagged_orders": True}, expected_version=0, clock=FixedClock(EVENING))
    check = order(1)
    handle(uow, feed.payment_recorded, cash(check, 100))
    handle(uow, feed.refunded, events_pb2.OrderRefunded(order=check, amount_cents=900, refunded_at=to_timestamp(EVENING)))
    assert flags(uow)[0].held
    with uow() as u:
        assert risk.order_held(u, TENANT, uuid.UUID(check.order_id))
    risk.resolve_case(uow, REVIEWER, flags(uow)[0].case_id, "confirm", "refund fraud", expected_version=None,
                      clock=FixedClock(EVENING))
    with uow() as u:
        assert not risk.order_held(u, TENANT, uuid.UUID(check.order_id))


def test_card_reference_is_brand_and_last_four_never_more():
    payment = payments_pb2.Payment(tender="card", card_brand="amex", card_last4="0005", processor_reference="ch_1")
    assert card_reference(payment) == "amex:0005"
    assert card_reference(payments_pb2.Payment(tender="cash")) == ""


# ---------------------------------------------------------------- the queue's rules
def flagged_case(uow, feed, location=LOCATION) -> str:
    check = order(7, location=location)
    handle(uow, feed.refunded, events_pb2.OrderRefunded(order=check, amount_cents=1, refunded_at=to_timestamp(EVENING)))
    return flags(uow)[-1].case_id


def test_a_manager_of_another_location_does_not_see_the_case(uow, feed):
    case_id = flagged_case(uow, feed)
    elsewhere = identity(location_ids=(str(OTHER_LOCATION),), permissions=frozenset({"orders:review_risk"}))
    assert risk.list_cases(uow, elsewhere).cases == []
    with pytest.raises(NotFound):
        risk.get_case(uow, elsewhere, case_id)
    with pytest.raises(NotFound):
        risk.resolve_case(uow, elsewhere, case_id, "dismiss", "not mine", expected_version=None, clock=FixedClock())


def test_decisions_are_checked(uow, feed):
    case_id = flagged_case(uow, feed)
    with pytest.raises(StaleCase):
        risk.resolve_case(uow, REVIEWER, case_id, "confirm", "x", expected_version=9, clock=FixedClock())
    with pytest.raises(InvalidInput) as bad:
        risk.resolve_case(uow, REVIEWER, case_id, "approve", "x", expected_version=None, clock=FixedClock())
    assert bad.value.field == "decision"
    risk.resolve_case(uow, REVIEWER, case_id, "confirm", "x", expected_version=None, clock=FixedClock())
    with pytest.raises(Conflict):
        risk.resolve_case(uow, REVIEWER, case_id, "dismiss", "y", expected_version=None, clock=FixedClock())


@pytest.mark.parametrize(("kwargs", "field"), [({"status": "watching"}, "status"), ({"limit": 0}, "limit"),
                                               ({"cursor": "!!"}, "cursor"), ({"location_id": "x"}, "location_id")])
def test_bad_queue_queries_name_the_field(uow, kwargs, field):
    with pytest.raises(InvalidInput) as error:
        risk.list_cases(uow, REVIEWER, **kwargs)
    assert error.value.field == field


def test_the_queue_pages_newest_first(uow, feed):
    for n in range(3):
        check = order(20 + n)
        handle(uow, feed.refunded, events_pb2.OrderRefunded(order=check, amount_cents=1,
                                                            refunded_at=to_timestamp(EVENING)))
        uow.risk.case_for(TENANT, risk.Subject("order", check.order_id)).flagged_at = EVENING + timedelta(minutes=n)
    first = risk.list_cases(uow, REVIEWER, limit=2)
    second = risk.list_cases(uow, REVIEWER, limit=2, cursor=first.next_cursor)
    assert [c.order_id.int for c in first.cases + second.cases] == [1022, 1021, 1020] and second.next_cursor is None


def test_settings_are_versioned_and_checked(uow):
    overrides, version, rules = risk.get_settings(uow, REVIEWER)
    assert (overrides, version, rules.flag_threshold) == ({}, 0, 50)
    _, version, rules = risk.put_settings(uow, REVIEWER, {"flag_threshold": 70}, expected_version=0,
                                          clock=FixedClock())
    assert (version, rules.flag_threshold) == (1, 70)
    with pytest.raises(StaleCase):
        risk.put_settings(uow, REVIEWER, {"flag_threshold": 60}, expected_version=0, clock=FixedClock())
    with pytest.raises(InvalidInput) as bad:
        risk.put_settings(uow, REVIEWER, {"rules": {"card_velocity": {"max_uses": 0}}}, expected_version=None,
                          clock=FixedClock())
    assert bad.value.field == "rules.card_velocity.max_uses"


def test_a_check_paid_before_it_is_served_is_not_closed_so_its_void_is_no_edit_after_close(uow, feed):
    check = order(3)
    handle(uow, feed.payment_recorded, cash(check, 2_000))
    handle(uow, feed.paid, events_pb2.OrderPaid(order=check, total_cents=2_000, paid_at=to_timestamp(EVENING)))
    handle(uow, feed.order_voided, voided(check, EVENING + timedelta(minutes=1)))
    [case] = uow.risk.cases.values()
    assert [h.rule for h in case.hits] == ["void_after_payment"] and flags(uow) == []


def test_a_plain_edit_is_judged_but_not_stored(uow, feed):
    handle(uow, feed.placed, events_pb2.OrderPlaced(order=order(5, lines=[
        orders_pb2.OrderLine(line_id="l1", quantity=1, unit_price_cents=900)])))
    assert uow.risk.observations == [] and uow.risk.cases == {}
