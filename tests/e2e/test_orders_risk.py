"""Issue 9, risk review and the day's report, through Envoy with the real services.

A new server rings up three checks at the demo bistro, sends them and takes cash for each (with
change); a manager voids the three. The orders consumer judges the events of orders.order.v1: the
server's shift lands in the risk queue (RiskFlagRaised on orders.risk.v1, read with a stock Kafka
client), each voided check is on watch for a void after payment; the server may not see the queue;
the manager dismisses the shift's case with a reason (RiskReviewResolved) and it leaves the queue.
A fourth check is paid by card with a tip. The day's report for the location's business day moves
by exactly those payments, and its tenders equal every payment recorded that business day.
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auraconnect.orders.v1 import risk_events_pb2

from tests.e2e.auth_support import add_member
from tests.e2e.support import event_types, eventually, menu_items, topic_records

pytestmark = pytest.mark.e2e

ORDERS = "/api/orders/v1/orders"
RISK = "/api/orders/v1/risk"
DAILY = "/api/orders/v1/reports/daily"
DEMO_TIME_ZONE = "America/New_York"  # the demo bistro (auth's seed_demo)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def business_day() -> str:
    return datetime.now(ZoneInfo(DEMO_TIME_ZONE)).date().isoformat()


def day_report(client, location: str, day: str) -> dict:
    return ok(client.get(DAILY, params={"location_id": location, "business_date": day}))


def tender(report: dict, name: str) -> dict:
    return next((t for t in report["by_tender"] if t["tender"] == name),
                {"payments": 0, "amount_cents": 0, "tip_cents": 0, "net_cents": 0})


def recorded_payments(client, location: str, day: str) -> dict[str, int]:
    """Every payment recorded at the location on the business day, read check by check (the payments
    API), summed per tender: what the report's tenders must equal."""
    sums: dict[str, int] = {}
    cursor = None
    while True:
        params = {"location_id": location, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(ORDERS, params=params))
        for order in page["orders"]:
            for payment in ok(client.get(f"{ORDERS}/{order['order_id']}/payments"))["payments"]:
                if payment["business_date"] == day:
                    paid = payment["amount_cents"] + payment["tip_cents"]
                    sums[payment["tender"]] = sums.get(payment["tender"], 0) + paid
        cursor = page["next_cursor"]
        if not cursor:
            return sums


def test_voided_paid_cash_checks_put_the_server_in_the_risk_queue_and_the_report_matches_payments(
        platform, gateway, admin, demo_members):
    location, day = platform.demo["location_id"], business_day()
    item = menu_items(admin, {f"Risk burger {uuid.uuid4().hex[:6]}": 1_800}, category="risk")
    [item_id] = item.values()
    server = add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"], label="risky-server")
    with server.http(gateway) as waiter, demo_members["manager"].http(gateway) as boss:
        assert waiter.get(f"{RISK}/reviews").status_code == 403  # the queue is the managers'
        before = day_report(boss, location, day)

        voided = []
        for n in range(3):
            check = ok(waiter.post(ORDERS, json={"location_id": location, "table": f"R{n}",
                                                 "lines": [{"item_id": item_id}]}), 201)
            path = f"{ORDERS}/{check['order_id']}"
            ok(waiter.patch(path, json={"status": "sent"}))
            total = ok(waiter.get(path))["total_cents"]
            paid = ok(waiter.post(f"{path}/payments", json={"tender": "cash", "tendered_cents": total + 500},
                                  headers={"Idempotency-Key": str(uuid.uuid4())}), 201)
            money = ok(waiter.get(f"{path}/payments"))
            assert money["paid_in_full"] and money["payments"][0]["change_cents"] == 500, paid
            ok(boss.patch(path, json={"status": "voided", "reason": "guest walked out"}))
            voided.append((check["order_id"], total))

        card_check = ok(waiter.post(ORDERS, json={"location_id": location, "table": "R9",
                                                  "lines": [{"item_id": item_id}]}), 201)
        card_path = f"{ORDERS}/{card_check['order_id']}"
        ok(waiter.patch(card_path, json={"status": "sent"}))
        card_total = ok(waiter.get(card_path))["total_cents"]
        ok(waiter.post(f"{card_path}/payments", json={
            "tender": "card", "card_brand": "visa", "card_last4": "4242", "tip_cents": 300,
            "processor_reference": f"ch_{uuid.uuid4().hex[:12]}"}, headers={"Idempotency-Key": str(uuid.uuid4())}), 201)

        # The consumer judges orders.order.v1: the server's shift is flagged.
        def flagged():
            reviews = ok(boss.get(f"{RISK}/reviews", params={"location_id": location}))["reviews"]
            mine = [r for r in reviews if r["staff_id"] == server.user_id]
            return mine or None

        [case] = eventually(flagged, timeout=60)
        assert (case["subject_kind"], case["status"], case["score"]) == ("staff_shift", "open", 60)
        # "<server>/<local date the shift began>/<shift>": a night shift after midnight belongs to its first day.
        assert case["subject_key"].startswith(f"{server.user_id}/")
        [hit] = case["hits"]
        assert hit["rule"] == "voids_per_shift" and "3 voids" in hit["reason"] and hit["order_id"] == voided[2][0]
        # Each voided check is watched for a void after payment (below the threshold alone: not queued).
        assert all(r["order_id"] not in {o for o, _ in voided} for r in
                   ok(boss.get(f"{RISK}/reviews", params={"location_id": location}))["reviews"])

        found = topic_records(platform, "orders.risk.v1", case["case_id"], wanted=1)
        assert event_types(found) == ["RiskFlagRaised"]
        raised = risk_events_pb2.RiskFlagRaised.FromString(found[0].value)
        assert (raised.staff_id, raised.score, raised.threshold, raised.hits[0].rule) == (
            server.user_id, 60, 50, "voids_per_shift")

        # The manager decides: a reason is required, then the case leaves the queue.
        bad = boss.post(f"{RISK}/reviews/{case['case_id']}/dismiss", json={"reason": ""})
        assert bad.status_code == 422 and [f["field"] for f in bad.json()["fields"]] == ["reason"]
        assert waiter.post(f"{RISK}/reviews/{case['case_id']}/dismiss", json={"reason": "mine"}).status_code == 403
        done = ok(boss.post(f"{RISK}/reviews/{case['case_id']}/dismiss",
                            json={"reason": "three tables walked out; on camera"},
                            headers={"If-Match": f'"{case["version"]}"'}))
        assert (done["status"], done["resolved_by"]) == ("dismissed", demo_members["manager"].user_id)
        twice = boss.post(f"{RISK}/reviews/{case['case_id']}/confirm", json={"reason": "on second thought"})
        assert twice.status_code == 409 and twice.json()["field"] == "status"
        assert not [r for r in ok(boss.get(f"{RISK}/reviews"))["reviews"] if r["case_id"] == case["case_id"]]
        resolved = topic_records(platform, "orders.risk.v1", case["case_id"], wanted=2)
        assert event_types(resolved) == ["RiskFlagRaised", "RiskReviewResolved"]
        decision = risk_events_pb2.RiskReviewResolved.FromString(resolved[1].value)
        assert (decision.decision, decision.actor_id) == (risk_events_pb2.RISK_DECISION_DISMISSED,
                                                          demo_members["manager"].user_id)

        # The day's report moved by exactly these payments, and its tenders are the day's payments.
        after = day_report(boss, location, day)
        cash_paid = sum(total for _, total in voided)
        assert tender(after, "cash")["amount_cents"] - tender(before, "cash")["amount_cents"] == cash_paid
        assert tender(after, "cash")["payments"] - tender(before, "cash")["payments"] == 3
        assert tender(after, "card")["amount_cents"] - tender(before, "card")["amount_cents"] == card_total
        assert tender(after, "card")["tip_cents"] - tender(before, "card")["tip_cents"] == 300
        assert after["voids"]["checks"] - before["voids"]["checks"] == 3
        assert after["voids"]["check_cents"] - before["voids"]["check_cents"] == cash_paid
        [mine] = [s for s in after["by_server"] if s["server_staff_id"] == server.user_id]
        assert (mine["orders"], mine["tip_cents"]) == (1, 300)  # the voided checks are not sales
        recorded = recorded_payments(boss, location, day)
        assert {t["tender"]: t["amount_cents"] + t["tip_cents"] for t in after["by_tender"]} == recorded
        assert after["payments"]["collected_cents"] == sum(recorded.values()) - after["refunds"]["amount_cents"] - \
            after["refunds"]["tip_cents"]

        as_csv = boss.get(DAILY, params={"location_id": location, "business_date": day, "format": "csv"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        rows = {r["key"]: r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["section"] == "tender"}
        assert int(rows["cash"]["net_cents"]) == tender(after, "cash")["amount_cents"]

        bad_day = boss.get(DAILY, params={"location_id": location, "business_date": "2026-02-30"})
        assert bad_day.status_code == 422 and bad_day.json()["field"] == "business_date"
        assert waiter.get(DAILY, params={"location_id": location, "business_date": day}).status_code == 403
