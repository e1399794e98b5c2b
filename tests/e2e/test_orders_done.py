"""Issue 8, "Done means", as one story through Envoy with the real services.

A manager builds a menu (a Burger with a Size group: exactly one, default Regular; a Lager; a Soup)
and a happy hour (20 % off the Lager, in a window around the current wall-clock time of the demo
location, so the test holds whenever it runs); the demo staff user opens a check at table 12 with a
menu line, adds lines over time (the Lager discounted by the happy hour, Burgers with the default and
with a chosen option), holds and fires the mains, voids a line with a reason and sends the check; the
demo kitchen user moves it to ready; it is served and closed. The history lists every step with its
actor and reason, and every step's event is on orders.order.v1 (read with a stock Kafka client). A
second check with a tip is cancelled and its tip leaves payroll.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from auraconnect.orders.v1 import events_pb2
from auraconnect.payroll.v1 import events_pb2 as payroll_events

from tests.e2e.support import event_types, eventually, topic_records

pytestmark = pytest.mark.e2e

ORDERS = "/api/orders/v1/orders"
MENU = "/api/orders/v1/menu"
RULES = "/api/orders/v1/pricing-rules"
DEMO_TIME_ZONE = "America/New_York"  # the demo bistro (auth's seed_demo)
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def happy_hour_window() -> dict:
    """From 30 minutes ago to 90 minutes ahead on the location's wall clock, every day (a window that
    crosses midnight belongs to the day it starts, which is in the list too)."""
    now = datetime.now(ZoneInfo(DEMO_TIME_ZONE))
    start, end = now - timedelta(minutes=30), now + timedelta(minutes=90)
    return {"days": ALL_DAYS, "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


@pytest.fixture(scope="module")
def menu(demo_members, gateway, platform):
    """The manager's menu and happy hour at the demo location; the rule is deleted afterwards."""
    suffix = uuid.uuid4().hex[:6]
    with demo_members["manager"].http(gateway) as manager:
        category = created(manager.post(f"{MENU}/categories", json={"name": f"Done {suffix}", "position": 0}))
        size = created(manager.post(f"{MENU}/modifier-groups", json={
            "name": f"Size {suffix}", "min_selections": 1, "max_selections": 1,
            "options": [{"name": "Regular", "is_default": True}, {"name": "Large", "price_delta_cents": 300}]}))
        burger = created(manager.post(f"{MENU}/items", json={
            "category_id": category["category_id"], "name": f"Burger {suffix}", "price_cents": 1450,
            "tax_category": "prepared_food", "kitchen_tags": ["grill"], "prep_time_seconds": 600,
            "course": "main", "modifier_group_ids": [size["group_id"]]}))
        lager = created(manager.post(f"{MENU}/items", json={
            "category_id": category["category_id"], "name": f"Lager {suffix}", "price_cents": 700,
            "tax_category": "alcohol", "kitchen_tags": ["bar"], "course": "drinks"}))
        soup = created(manager.post(f"{MENU}/items", json={
            "category_id": category["category_id"], "name": f"Soup {suffix}", "price_cents": 650,
            "tax_category": "prepared_food", "kitchen_tags": ["line"], "course": "appetizer"}))
        rule = created(manager.post(RULES, json={
            "name": f"Happy hour {suffix}", "location_id": platform.demo["location_id"],
            "effect": {"type": "percent_off", "percent": "20"}, "target": {"item_ids": [lager["item_id"]]},
            "windows": [happy_hour_window()]}))
        yield {"size": size, "burger": burger, "lager": lager, "soup": soup, "rule": rule}
        manager.delete(f"{RULES}/{rule['rule_id']}")


def test_a_shift_on_the_menu_with_happy_hour_history_and_events(platform, gateway, demo_members, menu):
    server, cook, manager = demo_members["staff"], demo_members["kitchen"], demo_members["manager"]
    location = platform.demo["location_id"]
    regular, large = (o["option_id"] for o in menu["size"]["options"])
    with server.http(gateway) as waiter, cook.http(gateway) as kitchen, manager.http(gateway) as boss:
        # The happy hour is on now: a quote says which rule gives how much.
        quote = ok(waiter.post("/api/orders/v1/quotes", json={"location_id": location, "lines": [
            {"line_ref": "lager", "item_id": menu["lager"]["item_id"], "name": "Lager", "category": "alcohol",
             "quantity": 1, "unit_price_cents": 700}]}))
        assert [(d["line_ref"], d["rule_id"], d["amount_cents"]) for d in quote["discounts"]] == [
            ("lager", menu["rule"]["rule_id"], 140)]

        check = created(waiter.post(ORDERS, json={
            "location_id": location, "order_type": "dine_in", "table": "12", "guest_count": 2,
            "lines": [{"item_id": menu["soup"]["item_id"], "seat": 1}]}))
        path = f"{ORDERS}/{check['order_id']}"
        # Opened with a line: one step of its history (opened, with its lines), one OrderPlaced.
        assert (check["status"], check["table"], check["version"], check["server_staff_id"]) == (
            "open", "12", 1, server.user_id)
        [soup] = check["lines"]
        assert (soup["unit_price_cents"], soup["course"], soup["open_price"]) == (650, "appetizer", False)

        # A drink in happy hour: priced by the menu, discounted by the rule.
        drinks = created(waiter.post(f"{path}/lines", json={"lines": [{"item_id": menu["lager"]["item_id"], "seat": 2}]},
                                     headers={"If-Match": '"1"', "Idempotency-Key": str(uuid.uuid4())}))
        lager = drinks["lines"][-1]
        assert (lager["unit_price_cents"], lager["discount_cents"], lager["course"]) == (700, 140, "drinks")
        # The check's line says which rule gave how much, as the quote did (and GET and the event say so too).
        assert [(d["rule_id"], d["rule_name"], d["amount_cents"]) for d in lager["discounts"]] == [
            (menu["rule"]["rule_id"], menu["rule"]["name"], 140)]
        assert ok(waiter.get(path))["lines"][-1]["discounts"] == lager["discounts"]

        # Mains held, then two Burgers: the default Size, and Large chosen.
        assert ok(waiter.post(f"{path}/courses/main/hold"))["held_courses"] == ["main"]
        mains = created(waiter.post(f"{path}/lines", json={"lines": [
            {"item_id": menu["burger"]["item_id"], "seat": 1},
            {"item_id": menu["burger"]["item_id"], "seat": 2, "modifier_ids": [large], "notes": "medium rare"}]}))
        default_burger, large_burger = mains["lines"][2:]
        assert [(m["modifier_id"], m["name"]) for m in default_burger["modifiers"]] == [(regular, "Regular")]
        assert (default_burger["unit_price_cents"], large_burger["unit_price_cents"]) == (1450, 1750)
        assert default_burger["held"] and large_burger["held"] and default_burger["kitchen_tags"] == ["grill"]
        assert mains["tax_cents"] > 0

        voided = ok(waiter.post(f"{path}/lines/{soup['line_id']}/void", json={"reason": "guest changed mind"}))
        assert voided["subtotal_cents"] == 700 - 140 + 1450 + 1750

        sent = ok(waiter.patch(path, json={"status": "sent"}, headers={"If-Match": f'"{voided["version"]}"'}))
        assert sent["status"] == "sent"
        assert not any(line["held"] for line in ok(waiter.post(f"{path}/courses/main/fire"))["lines"])
        assert ok(kitchen.patch(path, json={"status": "ready"}))["status"] == "ready"
        assert ok(waiter.patch(path, json={"status": "served"}))["status"] == "served"
        closed = ok(waiter.patch(path, json={"status": "closed", "reason": "paid by card"}))
        assert (closed["status"], closed["version"]) == ("closed", 10)

        history = ok(boss.get(f"{path}/history"))["history"]
        assert [(h["kind"], h["to_status"], h["actor_id"]) for h in history] == [
            ("status", "open", server.user_id),
            ("lines_added", None, server.user_id), ("course_held", None, server.user_id), ("lines_added", None, server.user_id),
            ("line_voided", None, server.user_id), ("status", "sent", server.user_id),
            ("course_fired", None, server.user_id), ("status", "ready", cook.user_id),
            ("status", "served", server.user_id), ("status", "closed", server.user_id)]
        # History and events agree: one entry per event below, same order.
        assert [h["version"] for h in history] == list(range(1, 11))
        assert (history[4]["reason"], history[4]["line_id"]) == ("guest changed mind", soup["line_id"])
        assert history[2]["course"] == history[6]["course"] == "main" and history[-1]["reason"] == "paid by card"
        assert all(h["at"] for h in history)

    found = topic_records(platform, "orders.order.v1", check["order_id"], wanted=10)
    assert event_types(found) == [
        "OrderPlaced", "OrderLinesAdded", "OrderCourseHeld", "OrderLinesAdded", "OrderLineVoided", "OrderSent",
        "OrderCourseFired", "OrderStatusChanged", "OrderStatusChanged", "OrderStatusChanged"]
    assert len(found) == len(history)  # one event per step of the history
    placed = events_pb2.OrderPlaced.FromString(found[0].value)
    assert placed.order.table == "12" and placed.order.lines[0].item_id == menu["soup"]["item_id"]
    happy = events_pb2.OrderLinesAdded.FromString(found[1].value)
    assert (happy.lines[0].discount_cents, happy.actor_id) == (140, server.user_id)
    assert [(d.rule_id, d.amount_cents) for d in happy.lines[0].discounts] == [(menu["rule"]["rule_id"], 140)]
    held = events_pb2.OrderLinesAdded.FromString(found[3].value)
    assert [m.name for m in held.lines[1].modifiers] == ["Large"] and all(line.held for line in held.lines)
    assert events_pb2.OrderLineVoided.FromString(found[4].value).reason == "guest changed mind"
    ticket = events_pb2.OrderSent.FromString(found[5].value)
    assert [line.held for line in ticket.order.lines if line.line_status == "active"] == [False, True, True]
    assert list(events_pb2.OrderCourseFired.FromString(found[6].value).line_ids) == [
        default_burger["line_id"], large_burger["line_id"]]
    moves = [events_pb2.OrderStatusChanged.FromString(r.value) for r in found[7:]]
    assert [(m.actor_id, m.reason) for m in moves] == [(cook.user_id, ""), (server.user_id, ""),
                                                        (server.user_id, "paid by card")]


def test_a_cancelled_checks_tip_leaves_payroll(platform, gateway, admin, demo_members, menu):
    server, manager = demo_members["staff"], demo_members["manager"]
    with server.http(gateway) as waiter:
        order = created(waiter.post(ORDERS, json={"location_id": platform.demo["location_id"], "table": "12",
                                                  "tip_cents": 450, "lines": [{"item_id": menu["burger"]["item_id"]}]}))

    def tips() -> list[dict]:
        listed = admin.get("/api/payroll/v1/tips", params={"staff_id": server.user_id}).json()["tips"]
        return [t for t in listed if t["order_id"] == order["order_id"]]

    assert eventually(tips, timeout=30)[0]["tip_cents"] == 450
    with manager.http(gateway) as boss:
        cancelled = ok(boss.delete(f"{ORDERS}/{order['order_id']}", params={"reason": "walked out"}))
    assert cancelled["status"] == "cancelled"
    eventually(lambda: tips() == [], timeout=30)

    found = topic_records(platform, "orders.order.v1", order["order_id"], wanted=2)
    assert event_types(found) == ["OrderPlaced", "OrderCancelled"]
    event = events_pb2.OrderCancelled.FromString(found[1].value)
    assert (event.reason, event.tip_cents, event.server_staff_id) == ("walked out", 450, server.user_id)
    reversed_tips = [payroll_events.TipReversed.FromString(r.value)
                     for r in topic_records(platform, "payroll.tip.v1", server.user_id, wanted=2)
                     if dict(r.headers)["ce_type"] == b"auraconnect.payroll.v1.TipReversed"]
    assert [(t.tip_cents, t.order_status, t.reason) for t in reversed_tips
            if t.order_id == order["order_id"]] == [(450, "cancelled", "walked out")]
