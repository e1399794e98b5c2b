"""One order crosses every part: gateway -> orders -> tax (gRPC) -> outbox -> relay -> Kafka -> payroll.

An integrator's view of the event: a stock Kafka client and nothing but the published protos.
"""
from __future__ import annotations

import uuid

import pytest
from auraconnect.orders.v1 import events_pb2
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.support import eventually, spans_of

pytestmark = pytest.mark.e2e

TOPIC = "orders.order.v1"


def place_order(admin, location_id: str, tip_cents: int = 325) -> dict:
    response = admin.post("/api/orders/v1/orders", json={
        "location_id": location_id, "tip_cents": tip_cents,
        "lines": [{"name": "Cheesesteak", "quantity": 2, "unit_price_cents": 1250, "category": "prepared_food"},
                  {"name": "Lager", "quantity": 1, "unit_price_cents": 700, "category": "alcohol"}]})
    assert response.status_code == 201, response.text
    return response.json()


def read_order_event(bootstrap: str, order_id: str, timeout_s: float = 20.0):
    """Scans the topic from the start for the record keyed by the order id."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)

        def find():
            for record in consumer:
                if record.key == order_id.encode():
                    return record
            return None

        return eventually(find, timeout=timeout_s, interval=0)
    finally:
        consumer.close()


def test_order_flows_through_every_hop(platform, admin):
    layout, demo = platform.layout, platform.demo
    order = place_order(admin, demo["location_id"])

    # Sales tax came from the tax service (Philadelphia: 8% on food, 10% liquor tax on the drink).
    assert order["subtotal_cents"] == 3200
    assert order["tax_cents"] == 200 + 70
    assert order["total_cents"] == 3200 + 270 + 325
    assert order["tax_rules_version"].startswith("sales-")

    record = read_order_event(layout.kafka_bootstrap, order["order_id"])
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "auraconnect.orders.v1.OrderPlaced"
    assert headers["ce_source"] == "/auraconnect/orders"
    assert headers["ce_subject"] == order["order_id"]
    assert headers["content-type"] == "application/protobuf"
    uuid.UUID(headers["ce_id"])
    assert headers["ce_time"].endswith("Z")
    event = events_pb2.OrderPlaced.FromString(record.value)
    assert event.order.order_id == order["order_id"]
    assert event.order.tip_cents == 325
    assert event.order.tax_cents == 270
    assert event.order.tenant_id == demo["tenant_id"]

    # payroll consumed it and credited the tip to the server (the admin placed it).
    def tip_recorded():
        tips = admin.get("/api/payroll/v1/tips", params={"staff_id": demo["admin_user_id"]}).json()["tips"]
        return [t for t in tips if t["order_id"] == order["order_id"]]

    assert eventually(tip_recorded)[0]["tip_cents"] == 325

    # One trace spans gateway, orders (HTTP), tax (gRPC), the orders relay and the payroll consumer.
    trace_id = headers["traceparent"].split("-")[1]

    def whole_trace():
        seen = {(s["service"], s.get("process", "")) for s in spans_of(layout.traces_file, trace_id)}
        wanted = {("gateway", ""), ("orders", "http"), ("tax", "grpc"), ("orders", "relay"), ("payroll", "consumer")}
        return wanted <= seen and seen

    eventually(whole_trace)


def test_tax_error_names_the_field(admin, platform):
    response = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"],
        "lines": [{"name": "Soup", "quantity": 1, "unit_price_cents": 500, "category": "caviar"}]})
    assert response.status_code == 422
    assert response.json()["field"] == "lines[0].category"


def test_unknown_location_is_a_client_error(admin):
    response = admin.post("/api/orders/v1/orders", json={
        "location_id": str(uuid.uuid4()), "lines": [{"name": "Soup", "quantity": 1, "unit_price_cents": 500}]})
    assert response.status_code == 404
    assert response.json()["field"] == "location_id"


def test_idempotency_key_returns_the_first_order(admin, platform):
    body = {"location_id": platform.demo["location_id"],
            "lines": [{"name": "Pretzel", "quantity": 1, "unit_price_cents": 400}]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = admin.post("/api/orders/v1/orders", json=body, headers=key)
    second = admin.post("/api/orders/v1/orders", json=body, headers=key)
    # Stripe's semantics (issue 8): the replay answers the first status and body, marked as a replay.
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true" and first.json() == second.json()
