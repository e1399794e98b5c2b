"""Platform guarantees: schema isolation between services, health endpoints, surviving a dead relay."""
from __future__ import annotations

import uuid

import grpc
import httpx
import psycopg
import pytest
from auraconnect.orders.v1 import orders_service_pb2, orders_service_pb2_grpc
from devstack import postgres, procs
from devstack.layout import SERVICES, SERVICES_BY_NAME
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e


def service_connection(platform, package: str):
    url = postgres.service_url(platform.layout, package, platform.secrets[f"DB_PASSWORD_{package.upper()}"])
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.mark.parametrize(("intruder", "victim", "table"), [
    ("orders", "auth", "users"), ("payroll", "orders", "orders"), ("tax", "payroll", "tip_records"),
    ("pos_bridge", "auth", "signing_keys"), ("auth", "tax", "sales_tax_rates"),
])
def test_a_service_role_cannot_read_another_schema(platform, intruder, victim, table):
    with service_connection(platform, intruder) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"SELECT * FROM {victim}.{table} LIMIT 1")  # noqa: S608 - names from the test table
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"CREATE TABLE {victim}.sneaky (id int)")


def test_a_service_role_reads_its_own_schema(platform):
    with service_connection(platform, "orders") as conn:
        assert conn.execute("SELECT count(*) FROM orders.orders").fetchone()[0] >= 0


def test_every_process_reports_ready_and_serves_metrics(platform):
    layout = platform.layout
    for service in SERVICES:
        for kind in service.kinds:
            port = layout.service_port(service, kind)
            if kind == "grpc":
                with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                    status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
                assert status.status == health_pb2.HealthCheckResponse.SERVING, service.name
                continue
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            assert ready.status_code == 200, (service.name, kind, ready.text)
            assert all(v == "ok" for v in ready.json()["checks"].values())
            assert "python_info" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text


def test_gateway_refuses_requests_without_a_valid_token(platform, gateway):
    body = {"location_id": platform.demo["location_id"], "lines": [{"name": "x", "quantity": 1, "unit_price_cents": 1}]}
    assert httpx.post(f"{gateway}/api/orders/v1/orders", json=body).status_code == 401
    forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZvcmdlZCJ9.eyJzdWIiOiJ4In0.AAAA"
    response = httpx.post(f"{gateway}/api/orders/v1/orders", json=body, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    # A smuggled identity header is stripped before jwt_authn, so it buys nothing either.
    smuggled = {"x-jwt-payload": "eyJzdWIiOiJ4IiwidGVuYW50X2lkIjoieSJ9"}
    assert httpx.post(f"{gateway}/api/orders/v1/orders", json=body, headers=smuggled).status_code == 401
    target = gateway.removeprefix("http://")
    with grpc.insecure_channel(target) as channel:
        stub = orders_service_pb2_grpc.OrdersServiceStub(channel)
        for metadata in ([], [("authorization", f"Bearer {forged}")]):
            with pytest.raises(grpc.RpcError) as error:
                stub.GetOrder(orders_service_pb2.GetOrderRequest(order_id=str(uuid.uuid4())), metadata=metadata, timeout=5)
            assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grpc_through_the_gateway_with_a_token(platform, gateway, admin, admin_token):
    order = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"], "lines": [{"name": "Tea", "quantity": 1, "unit_price_cents": 300}]}).json()
    with grpc.insecure_channel(gateway.removeprefix("http://")) as channel:
        stub = orders_service_pb2_grpc.OrdersServiceStub(channel)
        reply = stub.GetOrder(orders_service_pb2.GetOrderRequest(order_id=order["order_id"]),
                              metadata=[("authorization", f"Bearer {admin_token}")], timeout=5)
        assert reply.order.total_cents == order["total_cents"]
        with pytest.raises(grpc.RpcError) as error:
            stub.GetOrder(orders_service_pb2.GetOrderRequest(order_id="not-a-uuid"),
                          metadata=[("authorization", f"Bearer {admin_token}")], timeout=5)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "order_id" in error.value.details()


def test_events_wait_in_the_outbox_while_the_relay_is_down(platform, admin):
    """Kill the orders relay: the order still commits, its event waits, and flows once a relay is back."""
    layout, stack = platform.layout, platform.stack
    relay = "orders-relay"
    assert procs.stop(layout.run_dir, relay, timeout=10)
    try:
        order = admin.post("/api/orders/v1/orders", json={
            "location_id": platform.demo["location_id"], "tip_cents": 100,
            "lines": [{"name": "Bagel", "quantity": 1, "unit_price_cents": 350}]})
        assert order.status_code == 201
        order_id = order.json()["order_id"]
        consumer = KafkaConsumer(bootstrap_servers=layout.kafka_bootstrap, enable_auto_commit=False,
                                 consumer_timeout_ms=1000)
        partitions = [TopicPartition("orders.order.v1", p) for p in consumer.partitions_for_topic("orders.order.v1")]
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        positions = {p: consumer.position(p) for p in partitions}
        assert not [r for r in consumer if r.key == order_id.encode()], "published without a relay?"
    finally:
        stack.start_services()  # brings the missing relay back
    consumer.assign(partitions)
    for partition, offset in positions.items():
        consumer.seek(partition, offset)
    eventually(lambda: [r for r in consumer if r.key == order_id.encode()], timeout=30, interval=0)
    consumer.close()
    assert SERVICES_BY_NAME["orders"].kinds  # the relay is back among the running processes
    assert procs.running_pid(layout.run_dir, relay)
