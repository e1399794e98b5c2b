"""Issue 9, payments and reconciliation, as one story through Envoy with the real services.

The demo server opens a check at table 12 (a burger for seat 1, a salad for seat 2, fries to share),
sends it, the kitchen readies it, it is served; the server splits it by seat, takes cash with change
for seat 1 and a card with a tip for seat 2: the check is paid in full and closes. The manager refunds
the salad (and part of the tip). OrderPaymentRecorded, OrderPaid and OrderRefunded are on
orders.order.v1 (read with a stock Kafka client); payroll credits the card tip to the server and takes
the refunded part off. The manager imports the day's settlement file: one payment settled 1.00 short
is explained, a second matches, an unknown charge shows as missing in our records; importing the same
file again changes nothing. Bad input is a 4xx naming the field; a card number is never accepted.
gRPC RecordPayment (pos-bridge's) is idempotent by the POS's payment id.
"""
from __future__ import annotations

import uuid

import grpc
import pytest
from auraconnect.orders.v1 import events_pb2
from auraconnect.orders.v1 import orders_service_pb2 as orders_pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as orders_grpc
from auraconnect.payroll.v1 import events_pb2 as payroll_events

from tests.e2e.auth_support import bearer, grpc_channel
from tests.e2e.support import event_types, eventually, menu_items, topic_records

pytestmark = pytest.mark.e2e

ORDERS = "/api/orders/v1/orders"


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def field_of(response) -> str:
    body = response.json()
    return body.get("field") or body["fields"][0]["field"]


@pytest.fixture(scope="module")
def menu(demo_members, gateway):
    with demo_members["manager"].http(gateway) as manager:
        return menu_items(manager, {"Burger": 1450, "Salad": 900, "Fries": 500}, category="payments")


def served(waiter, kitchen, location: str, lines: list[dict], table: str = "12") -> dict:
    check = created(waiter.post(ORDERS, json={"location_id": location, "table": table, "guest_count": 2,
                                              "lines": lines}))
    path = f"{ORDERS}/{check['order_id']}"
    ok(waiter.patch(path, json={"status": "sent"}))
    ok(kitchen.patch(path, json={"status": "ready"}))
    return ok(waiter.patch(path, json={"status": "served"}))


def test_table_12_split_by_seat_cash_card_tip_refund_and_the_days_settlement(platform, gateway, admin,
                                                                               demo_members, menu):
    server, cook, manager = demo_members["staff"], demo_members["kitchen"], demo_members["manager"]
    location = platform.demo["location_id"]
    card_ref, other_ref = f"ch_{uuid.uuid4().hex[:16]}", f"ch_{uuid.uuid4().hex[:16]}"
    with server.http(gateway) as waiter, cook.http(gateway) as kitchen, manager.http(gateway) as boss:
        check = served(waiter, kitchen, location, [{"item_id": menu["Burger"], "seat": 1},
                                                   {"item_id": menu["Salad"], "seat": 2},
                                                   {"item_id": menu["Fries"]}])
        path, total = f"{ORDERS}/{check['order_id']}", check["total_cents"]
        burger, salad, _fries = check["lines"]

        # Split by seat: the shared fries go in proportion; the parts add up to the total, to the cent.
        split = created(waiter.post(f"{path}/split", json={"by": "seat"}, headers={"Idempotency-Key": str(uuid.uuid4())}))
        seat1, seat2 = split["splits"]
        assert [(p["label"], p["seat"]) for p in split["splits"]] == [("seat 1", 1), ("seat 2", 2)]
        assert seat1["amount_cents"] + seat2["amount_cents"] == total and seat1["amount_cents"] > seat2["amount_cents"]

        # Seat 1 pays cash: 50.00 handed over, the change is the rest.
        cash = created(waiter.post(f"{path}/payments", json={"tender": "cash", "tendered_cents": 5000,
                                                             "split_id": seat1["split_id"]}))
        assert cash["payment"]["change_cents"] == 5000 - seat1["amount_cents"]
        assert (cash["balance_cents"], cash["order"]["status"]) == (seat2["amount_cents"], "served")

        # A card number is never accepted, wherever it is sent.
        for body, field in (({"card_last4": "4242424242424242"}, "card_last4"),
                            ({"processor_reference": "4111-1111-1111-1111"}, "processor_reference"),
                            ({"card_number": "4111111111111111"}, "card_number")):
            refused = waiter.post(f"{path}/payments", json={
                "tender": "card", "card_brand": "visa", "card_last4": "4242", "processor_reference": card_ref,
                "split_id": seat2["split_id"], **body})
            assert refused.status_code == 422 and field_of(refused) == field, refused.text
            assert "4111" not in refused.text and "42424242" not in refused.text

        # Seat 2 pays by card with a 3.00 tip: paid in full, the served check closes. A retry replays.
        card_body = {"tender": "card", "card_brand": "visa", "card_last4": "4242", "processor_reference": card_ref,
                     "tip_cents": 300, "split_id": seat2["split_id"]}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        card = created(waiter.post(f"{path}/payments", json=card_body, headers=key))
        again = waiter.post(f"{path}/payments", json=card_body, headers=key)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true" and again.json() == card
        assert (card["paid_in_full"], card["balance_cents"], card["order"]["status"]) == (True, 0, "closed")
        payment = card["payment"]
        assert (payment["card_brand"], payment["card_last4"], payment["tip_cents"], payment["seat"]) == (
            "visa", "4242", 300, 2)
        history = ok(boss.get(f"{path}/history"))["history"]
        assert (history[-1]["to_status"], history[-1]["reason"]) == ("closed", "paid in full")

        # Refunds are a manager's: the salad goes back (its net + tax) with 1.00 of the tip.
        refund_body = {"payment_id": payment["payment_id"], "reason": "salad was wilted",
                       "line_ids": [salad["line_id"]], "tip_cents": 100}
        assert waiter.post(f"{path}/refunds", json=refund_body).status_code == 403
        refund = created(boss.post(f"{path}/refunds", json=refund_body, headers={"Idempotency-Key": str(uuid.uuid4())}))
        assert refund["refund"]["amount_cents"] == salad["unit_price_cents"] + salad["tax_cents"]
        too_much = boss.post(f"{path}/refunds", json={"payment_id": payment["payment_id"], "reason": "again",
                                                      "amount_cents": seat2["amount_cents"]})
        assert too_much.status_code == 409 and field_of(too_much) == "amount_cents"
        twice = boss.post(f"{path}/refunds", json={**refund_body, "tip_cents": 0})
        assert twice.status_code == 409 and field_of(twice) == "line_ids[0]"
        money = ok(waiter.get(f"{path}/payments"))
        assert (money["status"], money["paid_cents"], money["tip_cents"], money["refunded_tip_cents"]) == (
            "closed", total, 300, 100)
        assert burger["seat"] == 1

        # A second check paid by card in one go (it settles exactly).
        other = served(waiter, kitchen, location, [{"item_id": menu["Fries"]}], table="7")
        created(waiter.post(f"{ORDERS}/{other['order_id']}/payments", json={
            "tender": "card", "card_brand": "mastercard", "card_last4": "4444", "processor_reference": other_ref}))

    # The events: payments, paid, closed, refunded, in order on the check's key.
    found = topic_records(platform, "orders.order.v1", check["order_id"], wanted=9)
    assert event_types(found) == [
        "OrderPlaced", "OrderSent", "OrderStatusChanged", "OrderStatusChanged", "OrderPaymentRecorded",
        "OrderPaymentRecorded", "OrderPaid", "OrderStatusChanged", "OrderRefunded"]
    paid = events_pb2.OrderPaid.FromString(found[6].value)
    assert (paid.total_cents, paid.paid_cents, paid.tip_cents, paid.server_staff_id) == (
        total, total, 300, server.user_id)
    assert sorted((t.tender, t.amount_cents) for t in paid.tenders) == sorted(
        [("cash", seat1["amount_cents"]), ("card", seat2["amount_cents"])])
    assert paid.business_date == payment["business_date"]
    refunded = events_pb2.OrderRefunded.FromString(found[8].value)
    assert (refunded.payment_id, refunded.tip_cents, list(refunded.line_ids), refunded.reason) == (
        payment["payment_id"], 100, [salad["line_id"]], "salad was wilted")
    recorded = events_pb2.OrderPaymentRecorded.FromString(found[5].value)
    assert (recorded.payment.processor_reference, recorded.payment.card_last4) == (card_ref, "4242")
    assert all(b"4242424242424242" not in r.value for r in found)

    # Payroll follows: the card tip is credited to the server, the refunded part taken off.
    def payment_tip() -> list[dict]:
        listed = admin.get("/api/payroll/v1/tips", params={"staff_id": server.user_id}).json()["tips"]
        return [t for t in listed if t["order_id"] == check["order_id"] and t["source"] == "payment"]

    eventually(lambda: [t["tip_cents"] for t in payment_tip()] == [200], timeout=40)
    reversed_tips = [payroll_events.TipReversed.FromString(r.value)
                     for r in topic_records(platform, "payroll.tip.v1", server.user_id, wanted=1)
                     if dict(r.headers)["ce_type"] == b"auraconnect.payroll.v1.TipReversed"]
    assert [(t.tip_cents, t.order_status) for t in reversed_tips if t.order_id == check["order_id"]] == [
        (100, "refunded")]

    # The day's settlement: our card settled 1.00 short of what we recorded (net of the refund), the
    # second card exactly, and a charge we never recorded.
    day = payment["business_date"]
    net = payment["amount_cents"] - refund["refund"]["amount_cents"]
    stranger = f"ch_{uuid.uuid4().hex[:16]}"
    settlement = (f"processor_reference,amount,tip,settled_at\n"
                  f"{card_ref},{(net - 100) / 100:.2f},2.00,2026-03-15T03:00:00Z\n"
                  f"{other_ref},{other['total_cents'] / 100:.2f},0,\n"
                  f"{stranger},12.34,0,\n").encode()
    url = f"/api/orders/v1/reconciliation/{location}/{day}"
    with manager.http(gateway) as boss:
        first = created(boss.post(f"{url}/settlements", content=settlement, headers={"Content-Type": "text/csv"}))
        report = ok(boss.get(url))
        again = ok(boss.post(f"{url}/settlements", files={"file": ("settlement.csv", settlement, "text/csv")}))
        assert again == {**first, "created": False}
        assert ok(boss.get(url)) == report  # the same file again changed nothing
        as_csv = boss.get(url, params={"format": "csv"})
        bad = boss.post(f"{url}/settlements", content=b"processor_reference,amount\nch_x,ten\n",
                        headers={"Content-Type": "text/csv"})
        assert bad.status_code == 422 and field_of(bad) == "rows[1].amount"
        assert ok(boss.get(url, params={"tolerance_cents": 100}))["rows"] != report["rows"]
    rows = {row["reference"]: row for row in report["rows"]}
    mismatch = rows[card_ref]
    assert (mismatch["status"], mismatch["difference_cents"], mismatch["payment_id"]) == (
        "amount_mismatch", -100, payment["payment_id"])
    assert "amount settled" in mismatch["explanation"] and "(-1.00)" in mismatch["explanation"]
    assert rows[other_ref]["status"] == "matched"
    assert rows[stranger]["status"] == "missing_in_records"
    assert report["settlement"]["import_id"] == first["settlement"]["import_id"]
    assert as_csv.headers["content-type"].startswith("text/csv") and card_ref in as_csv.text


def test_record_payment_over_grpc_is_idempotent_by_the_pos_payment_id(platform, gateway, demo_members, menu):
    server, cook = demo_members["staff"], demo_members["kitchen"]
    with server.http(gateway) as waiter, cook.http(gateway) as kitchen:
        check = served(waiter, kitchen, platform.demo["location_id"], [{"item_id": menu["Burger"]}], table="3")
    reference = f"sq-pay-{uuid.uuid4().hex[:10]}"
    request = orders_pb.RecordPaymentRequest(order_id=check["order_id"], amount_cents=check["total_cents"],
                                             tip_cents=150, external_reference=reference)
    with grpc_channel(platform) as channel:
        stub = orders_grpc.OrdersServiceStub(channel)
        first = stub.RecordPayment(request, metadata=bearer(server.token), timeout=15)
        again = stub.RecordPayment(request, metadata=bearer(server.token), timeout=15)
        with pytest.raises(grpc.RpcError) as error:
            stub.RecordPayment(orders_pb.RecordPaymentRequest(order_id=check["order_id"], amount_cents=1),
                               metadata=bearer(server.token), timeout=15)
    assert (first.created, again.created) == (True, False)
    assert first.payment.payment_id == again.payment.payment_id and first.payment.tender == "external"
    assert (first.balance_cents, first.order.status) == (0, again.order.status)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "external_reference" in error.value.details()
