"""POS order updates and payments follow into AuraConnect, through Envoy, against the fakes (real HTTP
servers): an order rung up on the fake Square (and on the fake Clover) reaches orders; then on the POS
a line is added, one removed and one's quantity changed, the webhook arrives, and the AuraConnect order
shows the changed lines (the removed one voided, the changed one voided and added again) with its
totals recomputed, the kitchen's tickets have the addition and the void; a payment taken on the POS
shows as a payment on our order, once however often it is delivered."""
from __future__ import annotations

import uuid

import pytest
from posfakes.clover.server import DEFAULT_MERCHANT
from posfakes.clover.server import DEFAULT_TOKEN as CLOVER_TOKEN
from posfakes.square.server import DEFAULT_TOKEN

from tests.e2e.support import connect_pos, eventually

pytestmark = pytest.mark.e2e

BRIDGE = "/api/pos-bridge/v1/connections"
ORDERS = "/api/orders/v1/orders"
SQUARE_LOCATION = "LE2EUPD01"
SIGNATURE_KEY = "e2e-updates-signature-key"
CLOVER_AUTH_CODE = "e2e-updates-clover-auth"


def hook(admin, connection: str, url: str, key: str) -> None:
    answer = admin.put(f"{BRIDGE}/{connection}/webhook", json={"notification_url": url, "signature_key": key})
    assert answer.status_code == 200, answer.text


def held(admin, connection: str, order_id: str) -> dict | None:
    orders = admin.get(f"{BRIDGE}/{connection}/orders").json()["orders"]
    return next((o for o in orders if o["provider_order_id"] == order_id), None)


def ours(admin, order_id: str) -> dict:
    answer = admin.get(f"{ORDERS}/{order_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def active(order: dict) -> list[tuple]:
    return sorted((line["name"], line["quantity"], line["unit_price_cents"]) for line in order["lines"]
                  if line["status"] == "active")


def paid(admin, order_id: str, payment_id: str) -> dict | None:
    answer = admin.get(f"{ORDERS}/{order_id}/payments")
    return answer.json() if answer.status_code == 200 and payment_id in answer.text else None


def money(cents: int) -> dict:
    return {"amount": cents, "currency": "USD"}


def square_line(uid: str, name: str, cents: int, quantity: int = 1) -> dict:
    return {"uid": uid, "name": name, "quantity": str(quantity), "base_price_money": money(cents)}


def kitchen_items(admin, platform, order_id: str) -> list[dict]:
    """The items of the order's tickets at every station of the location."""
    tickets = admin.get("/api/orders/v1/kitchen/tickets", params={
        "location_id": platform.demo["location_id"], "include_done": "true"})
    assert tickets.status_code == 200, tickets.text
    return [item for t in tickets.json()["tickets"] if t["order_id"] == order_id for item in t["items"]]


def test_square_lines_and_a_payment_follow_into_orders_and_the_kitchen(admin, platform, gateway, square):
    connection = connect_pos(admin, platform, {
        "provider": "square", "external_merchant_id": "MUPD", "external_location_id": SQUARE_LOCATION,
        "api_base_url": square.url, "credentials": {"access_token": DEFAULT_TOKEN}})
    try:
        url = f"{gateway}/api/pos-bridge/v1/webhooks/square/{connection}"
        hook(admin, connection, url, SIGNATURE_KEY)
        square.subscribe(url, SIGNATURE_KEY)
        sale = square.create_order(SQUARE_LOCATION, line_items=[
            square_line("L1", "Burger", 1200), square_line("L2", "Fries", 400), square_line("L3", "Cola", 300)])
        assert square.notify(sale["id"], "order.created")["deliveries"] == [200]
        aura_id = eventually(lambda: (h := held(admin, connection, sale["id"])) and h["aura_order_id"], 30)
        first = ours(admin, aura_id)
        assert active(first) == [("Burger", 1, 1200), ("Cola", 1, 300), ("Fries", 1, 400)]
        assert sorted(line["external_line_id"] for line in first["lines"]) == ["L1", "L2", "L3"]

        # On the POS: a pie added, the fries removed, a second burger.
        square.update_order(sale["id"], line_items=[
            square_line("L1", "Burger", 1200, quantity=2), square_line("L3", "Cola", 300),
            square_line("L4", "Pie", 650)])
        assert square.notify(sale["id"], "order.updated")["deliveries"] == [200]
        changed = eventually(lambda: (o := ours(admin, aura_id)) and ("Pie", 1, 650) in active(o) and o, 30)
        assert active(changed) == [("Burger", 2, 1200), ("Cola", 1, 300), ("Pie", 1, 650)]
        voided = sorted((line["name"], line["external_line_id"]) for line in changed["lines"]
                        if line["status"] == "voided")
        assert voided == [("Burger", "L1"), ("Fries", "L2")]   # the changed burger line: voided, added again
        assert changed["subtotal_cents"] == 2 * 1200 + 300 + 650
        assert changed["total_cents"] == changed["subtotal_cents"] + changed["tax_cents"] + changed["tip_cents"]
        assert changed["tax_cents"] > first["tax_cents"]   # recomputed on the new lines (the demo location taxes food)
        audit = admin.get(f"{BRIDGE}/{connection}/sync/audit").json()["audit"]
        lines_audit = [a for a in audit if a["field"] == "lines" and a["object_ref"] == sale["id"]]
        assert lines_audit and lines_audit[0]["applied"] is True   # newest first

        # The kitchen's tickets follow: the pie comes as an addition, the fries are struck through.
        items = eventually(lambda: (i := kitchen_items(admin, platform, aura_id)) and any(
            x["name"] == "Pie" for x in i) and i, 30)
        assert any(x["name"] == "Fries" and x["state"] == "voided" for x in items)

        # A card payment taken on Square, delivered three times: one payment on our order.
        payment_id = f"PAY{uuid.uuid4().hex[:20].upper()}"
        event = {"merchant_id": "MUPD", "type": "payment.updated", "event_id": str(uuid.uuid4()),
                 "created_at": "2026-11-30T00:00:00Z", "data": {"type": "payment", "id": payment_id, "object": {
                     "payment": {"id": payment_id, "order_id": sale["id"], "location_id": SQUARE_LOCATION,
                                 "status": "COMPLETED", "source_type": "CARD", "amount_money": money(1000),
                                 "tip_money": money(150),
                                 "card_details": {"card": {"card_brand": "VISA", "last_4": "4242"}}}}}}
        assert square.send(event, times=3) == [200, 200, 200]
        ledger = eventually(lambda: paid(admin, aura_id, payment_id), 30)
        assert ledger["paid_cents"] == 1000 and len(ledger["payments"]) == 1
    finally:
        admin.delete(f"{BRIDGE}/{connection}")


def test_clover_lines_and_a_payment_follow_into_orders(admin, platform, gateway, clover):
    connection = connect_pos(admin, platform, {
        "provider": "clover", "external_merchant_id": DEFAULT_MERCHANT, "external_location_id": DEFAULT_MERCHANT,
        "api_base_url": clover.url, "credentials": {"access_token": CLOVER_TOKEN}})
    try:
        url = f"{gateway}/api/pos-bridge/v1/webhooks/clover/{connection}"
        assert clover.subscribe(url, auth_code=CLOVER_AUTH_CODE)["deliveries"] == [200]
        hook(admin, connection, url, CLOVER_AUTH_CODE)
        sale = clover.create_order([{"name": "Cheeseburger", "price": 1099}, {"name": "Onion rings", "price": 499}])
        assert clover.notify(sale["id"], "CREATE")["deliveries"] == [200]
        aura_id = eventually(lambda: (h := held(admin, connection, sale["id"])) and h["aura_order_id"], 30)
        assert active(ours(admin, aura_id)) == [("Cheeseburger", 1, 1099), ("Onion rings", 1, 499)]

        # On the device: the rings taken off, a shake added, then paid in cash with a tip (the drawer took it).
        rings = sale["lineItems"]["elements"][1]["id"]
        clover.remove_line(sale["id"], rings)
        clover.add_line(sale["id"], {"name": "Shake", "price": 550})
        payment = clover.pay(sale["id"], amount=1649, tip_amount=300, tender="cash")
        assert clover.notify(sale["id"], "UPDATE")["deliveries"] == [200]
        changed = eventually(lambda: (o := ours(admin, aura_id)) and ("Shake", 1, 550) in active(o) and o, 30)
        assert active(changed) == [("Cheeseburger", 1, 1099), ("Shake", 1, 550)]
        assert [line["name"] for line in changed["lines"] if line["status"] == "voided"] == ["Onion rings"]
        assert changed["subtotal_cents"] == 1099 + 550
        ledger = eventually(lambda: paid(admin, aura_id, payment["id"]), 30)
        assert ledger["paid_cents"] == 1649 and len(ledger["payments"]) == 1
        [recorded] = ledger["payments"]
        assert recorded["tip_cents"] == 300 and recorded["tender"] == "cash" and recorded["change_cents"] == 0
    finally:
        admin.delete(f"{BRIDGE}/{connection}")
