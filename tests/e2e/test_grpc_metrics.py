"""Every gRPC process of a started stack serves Prometheus /metrics on its own metrics port (the
catalogue's rule: grpc offset + [metrics] grpc_offset_shift), counting real calls by method and code."""
from __future__ import annotations

import grpc
import httpx
import pytest
from auraconnect.orders.v1 import orders_service_pb2, orders_service_pb2_grpc
from devstack.layout import SERVICES, SERVICES_BY_NAME
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e


def scrape(platform, name: str) -> dict[tuple[str, tuple], float]:
    """The samples of a service's grpc process, keyed by (sample name, sorted labels)."""
    port = platform.layout.metrics_port(SERVICES_BY_NAME[name], "grpc")
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200, response.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def handled(samples, service: str, method: str, code: str) -> float:
    labels = (("grpc_code", code), ("grpc_method", method), ("grpc_service", service))
    return samples.get(("grpc_server_handled_total", labels), 0.0)


def test_every_grpc_process_serves_metrics(platform):
    for service in (s for s in SERVICES if "grpc" in s.kinds):
        samples = scrape(platform, service.name)
        # devstack waited for each grpc process with a health Check: counted, and timed
        assert handled(samples, "grpc.health.v1.Health", "Check", "OK") >= 1, service.name
        assert samples[("grpc_server_handling_seconds_count",
                        (("grpc_method", "Check"), ("grpc_service", "grpc.health.v1.Health")))] >= 1


def test_calls_are_counted_by_method_and_code(platform, admin):
    tax_before = scrape(platform, "tax")
    orders_before = scrape(platform, "orders")

    # orders-http prices the order with tax over gRPC (an internal token minted for tax): OK at tax
    order = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"],
        "lines": [{"name": "Pretzel", "quantity": 1, "unit_price_cents": 350}]})
    assert order.status_code == 201, order.text
    # a direct call without a credential: UNAUTHENTICATED at orders
    address = f"127.0.0.1:{platform.layout.service_port(SERVICES_BY_NAME['orders'], 'grpc')}"
    with grpc.insecure_channel(address) as channel, pytest.raises(grpc.RpcError) as refused:
        orders_service_pb2_grpc.OrdersServiceStub(channel).GetOrder(
            orders_service_pb2.GetOrderRequest(order_id=order.json()["order_id"]), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

    tax, orders = scrape(platform, "tax"), scrape(platform, "orders")
    tax_calls = {key: value - tax_before.get(key, 0.0) for key, value in tax.items()
                 if key[0] == "grpc_server_handled_total" and ("grpc_service", "auraconnect.tax.v1.TaxService") in key[1]}
    assert {dict(labels)["grpc_code"] for (_, labels), delta in tax_calls.items() if delta} == {"OK"}, tax_calls
    service = "auraconnect.orders.v1.OrdersService"
    assert (handled(orders, service, "GetOrder", "UNAUTHENTICATED")
            - handled(orders_before, service, "GetOrder", "UNAUTHENTICATED")) == 1
    assert ("grpc_server_handling_seconds_bucket",
            (("grpc_method", "GetOrder"), ("grpc_service", service), ("le", "+Inf"))) in orders
