"""ApplyExternalOrderChange (a POS's line changes on the order it placed), against fakes: what it
adds, voids, stages and refuses, and that doing it again changes nothing."""
from __future__ import annotations

import pytest
from auraconnect.orders.v1 import events_pb2
from chassis.errors import InvalidInput, PermissionDenied
from chassis.identity import service_identity
from orders.domain.order import SENT, CheckDetails, PreconditionFailed
from orders.service_layer import checks, external_changes
from orders.service_layer.checks import CheckPeers, LineRequest

from services.orders.tests.unit.fakes import LOCATION, TENANT, identity

pytestmark = pytest.mark.unit

BRIDGE = service_identity("pos-bridge", str(TENANT), frozenset({"orders:create", "orders:update", "orders:read"}))
POS_LINES = [LineRequest(name="Burger", quantity=2, unit_price_cents=1000, external_line_id="L1"),
             LineRequest(name="Cola", unit_price_cents=300, external_line_id="L2")]


@pytest.fixture
def peers(tax, clock, ids) -> CheckPeers:
    return CheckPeers(clock=clock, new_id=ids, tax=tax)


def pos_order(uow, peers, channel="pos:square"):
    order, _ = checks.create_external_order(lambda: uow, BRIDGE, location_id=str(LOCATION), lines=POS_LINES,
                                            details=CheckDetails("dine_in", channel, external_id="SQ-1"), peers=peers)
    return order


def apply(uow, peers, order, lines=(), voids=(), who=BRIDGE):
    return external_changes.apply_external_change(lambda: uow, who, str(order.order_id), list(lines), list(voids),
                                                  peers=peers)


def test_create_order_keeps_the_pos_line_ids(uow, peers):
    order = pos_order(uow, peers)
    assert [line.external_line_id for line in order.lines] == ["L1", "L2"]


def test_a_line_added_and_one_voided_on_the_pos(uow, peers, tax):
    order = pos_order(uow, peers)
    change = apply(uow, peers, order, [LineRequest(name="Pie", unit_price_cents=600, external_line_id="L3")], ["L2"])
    assert (change.added, change.voided, change.unmatched) == (["L3"], ["L2"], [])
    saved = uow.orders.saved[order.order_id]
    assert [(line.external_line_id, line.status) for line in saved.lines] == [
        ("L1", "active"), ("L2", "voided"), ("L3", "active")]
    assert saved.subtotal_cents == 2000 + 600 and saved.version == order.version + 2   # a void and an add
    assert saved.lines[1].void_reason == external_changes.DEFAULT_REASON
    [voided] = uow.events_of(events_pb2.OrderLineVoided)
    [added] = uow.events_of(events_pb2.OrderLinesAdded)
    assert voided.line.external_line_id == "L2" and [line.name for line in added.lines] == ["Pie"]
    assert added.order.subtotal_cents == 2600 and not added.addition
    assert [entry.kind for entry in saved.history][-2:] == ["line_voided", "lines_added"]


def test_the_same_change_again_changes_nothing(uow, peers):
    order = pos_order(uow, peers)
    lines = [LineRequest(name="Pie", unit_price_cents=600, external_line_id="L3")]
    apply(uow, peers, order, lines, ["L2"])
    commits, version = uow.commits, uow.orders.saved[order.order_id].version
    again = apply(uow, peers, order, lines + POS_LINES[:1], ["L2"])
    assert (again.added, again.voided, again.unmatched) == ([], [], ["L2"])
    assert uow.commits == commits and uow.orders.saved[order.order_id].version == version


def test_a_quantity_change_is_a_void_and_an_addition_once_sent(uow, peers):
    order = pos_order(uow, peers)
    checks.change_status(lambda: uow, BRIDGE, str(order.order_id), SENT, peers=peers)
    change = apply(uow, peers, order, [LineRequest(name="Burger", quantity=3, unit_price_cents=1000,
                                                   external_line_id="L1")])
    assert (change.added, change.voided) == (["L1"], ["L1"])
    saved = uow.orders.saved[order.order_id]
    active = [line for line in saved.lines if line.active and line.external_line_id == "L1"]
    assert len(active) == 1 and active[0].quantity == 3 and active[0].addition
    assert saved.subtotal_cents == 3000 + 300
    [added] = uow.events_of(events_pb2.OrderLinesAdded)
    assert added.addition


def test_voiding_a_sent_line_needs_orders_update(uow, peers):
    order = pos_order(uow, peers)
    checks.change_status(lambda: uow, BRIDGE, str(order.order_id), SENT, peers=peers)
    creator = service_identity("pos-bridge", str(TENANT), frozenset({"orders:create"}))
    with pytest.raises(PermissionDenied) as error:
        apply(uow, peers, order, voids=["L1"], who=creator)
    assert error.value.field == "void_external_line_ids"


def test_only_pos_orders_change_by_external_line_id(uow, peers):
    order = checks.place_order(lambda: uow, identity(), location_id=str(LOCATION), lines=POS_LINES[:1],
                               peers=peers).order
    with pytest.raises(PreconditionFailed) as error:
        apply(uow, peers, order, voids=["L1"])
    assert error.value.field == "order_id" and error.value.grpc_code == "FAILED_PRECONDITION"


@pytest.mark.parametrize(("lines", "voids", "field"), [
    ([], [], "lines"),
    ([LineRequest(name="Pie", unit_price_cents=1)], [], "lines[0].external_line_id"),
    ([LineRequest(name="Pie", unit_price_cents=1, external_line_id="A")] * 2, [], "lines[1].external_line_id"),
    ([LineRequest(name="Pie", unit_price_cents=1, external_line_id="A")], ["A"], "void_external_line_ids[0]"),
    ([], [" "], "void_external_line_ids[0]"),
    ([LineRequest(name="Pie", unit_price_cents=-1, external_line_id="A")], [], "lines[0].unit_price_cents"),
    ([LineRequest(name="Pie", unit_price_cents=1, quantity=0, external_line_id="A")], [], "lines[0].quantity"),
    # the second line is the only one that changes: still named as the request's lines[1]
    ([POS_LINES[0], LineRequest(name="Pie", unit_price_cents=1, category="food", external_line_id="A")], [],
     "lines[1].category"),
])
def test_bad_input_names_the_field_and_commits_nothing(uow, peers, lines, voids, field):
    order = pos_order(uow, peers)
    commits = uow.commits
    with pytest.raises(InvalidInput) as error:
        apply(uow, peers, order, lines, voids)
    assert error.value.field == field and uow.commits == commits


def test_a_pos_order_placed_before_line_ids_were_kept_is_refused_not_duplicated(uow, peers):
    old = [LineRequest(name="Burger", unit_price_cents=1000)]   # no external_line_id: an order of before
    order, _ = checks.create_external_order(lambda: uow, BRIDGE, location_id=str(LOCATION), lines=old,
                                            details=CheckDetails("dine_in", "pos:toast", external_id="T-1"),
                                            peers=peers)
    with pytest.raises(PreconditionFailed) as error:
        apply(uow, peers, order, [LineRequest(name="Burger", quantity=2, unit_price_cents=1000, external_line_id="L1")])
    assert error.value.field == "order_id" and len(uow.orders.saved[order.order_id].lines) == 1
