"""Order lifecycle after placing: the kitchen flow, cancellation, and the sales report."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from auraconnect.orders.v1 import events_pb2
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e


def place(admin, platform, tip_cents: int = 0) -> dict:
    response = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"], "tip_cents": tip_cents,
        "lines": [{"name": "Hoagie", "quantity": 1, "unit_price_cents": 1000}]})
    assert response.status_code == 201, response.text
    return response.json()


def test_kitchen_flow_and_illegal_moves(admin, platform):
    order_id = place(admin, platform)["order_id"]
    # The first flow's names still move a check (issue 8): in_kitchen is now sent, completed served.
    for status, now in (("in_kitchen", "sent"), ("ready", "ready"), ("completed", "served")):
        response = admin.patch(f"/api/orders/v1/orders/{order_id}", json={"status": status})
        assert response.status_code == 200 and response.json()["status"] == now
    back = admin.patch(f"/api/orders/v1/orders/{order_id}", json={"status": "in_kitchen"})
    assert back.status_code == 409 and back.json()["field"] == "status" and "is served" in back.json()["message"]
    assert admin.delete(f"/api/orders/v1/orders/{order_id}").status_code == 409  # served: void it, not cancel
    bad = admin.patch(f"/api/orders/v1/orders/{order_id}", json={"status": "eaten"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "status"


def test_cancel_publishes_an_event_and_leaves_the_report(admin, platform):
    today = datetime.now(UTC).date().isoformat()

    def report() -> dict:
        rows = admin.get("/api/orders/v1/reports/sales", params={"from": today, "to": today}).json()["locations"]
        return next((r for r in rows if r["location_id"] == platform.demo["location_id"]),
                    {"orders": 0, "total_cents": 0, "tip_cents": 0})

    before = report()
    kept, cancelled = place(admin, platform, tip_cents=200), place(admin, platform, tip_cents=300)
    response = admin.delete(f"/api/orders/v1/orders/{cancelled['order_id']}", params={"reason": "customer left"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    after = report()
    assert after["orders"] == before["orders"] + 1
    assert after["total_cents"] == before["total_cents"] + kept["total_cents"]
    assert after["tip_cents"] == before["tip_cents"] + 200

    consumer = KafkaConsumer(bootstrap_servers=platform.layout.kafka_bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=1000)
    partitions = [TopicPartition("orders.order.v1", p) for p in consumer.partitions_for_topic("orders.order.v1")]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)

    def cancelled_event():
        for record in consumer:
            headers = dict(record.headers)
            if record.key == cancelled["order_id"].encode() and headers["ce_type"] == b"auraconnect.orders.v1.OrderCancelled":
                return events_pb2.OrderCancelled.FromString(record.value)
        return None

    event = eventually(cancelled_event, timeout=30, interval=0)
    consumer.close()
    assert event.reason == "customer left" and event.tenant_id == platform.demo["tenant_id"]


def test_report_dates_are_validated(admin):
    response = admin.get("/api/orders/v1/reports/sales", params={"from": "2026-13-01", "to": "2026-01-01"})
    assert response.status_code == 422 and response.json()["field"] == "from"
    response = admin.get("/api/orders/v1/reports/sales", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 422 and response.json()["field"] == "to"
