"""Issue 13, internal trust: a service port believes only a credential it can verify.

Before the fix a direct call with a forged `x-jwt-payload` acted as that identity on both the HTTP and
the gRPC port (these tests read another tenant's order that way). Now the caller needs the user's token
(what the gateway forwards) or an internal token minted for that service (what peers send).
"""
from __future__ import annotations

import time
import uuid

import grpc
import httpx
import pytest
from auraconnect.orders.v1 import orders_service_pb2, orders_service_pb2_grpc
from chassis import internal_token
from chassis.identity import encode_claims
from chassis.rbac import role_permissions
from devstack.layout import SERVICES_BY_NAME

pytestmark = pytest.mark.e2e

ORDERS = SERVICES_BY_NAME["orders"]


@pytest.fixture(scope="module")
def order(platform, admin) -> dict:
    response = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"],
        "lines": [{"name": "Pretzel", "quantity": 2, "unit_price_cents": 350}]})
    assert response.status_code == 201, response.text
    return response.json()


def claims(platform, **overrides) -> dict:
    return {"sub": str(uuid.uuid4()), "tenant_id": platform.demo["tenant_id"], "roles": ["admin"],
            "permissions": sorted(role_permissions("admin")), "location_ids": [], **overrides}


def signing_key(platform, service: str):
    """A service's own key, as `make up` keeps it (.stack/secrets.env)."""
    package = SERVICES_BY_NAME[service].package.upper()
    return internal_token.signing_key_from_text(platform.secrets[f"INTERNAL_TOKEN_SIGNING_KEY_{package}"])


def internal(platform, audience: str, *, signer: str = "pos-bridge", caller: str | None = None,
             **kwargs) -> dict[str, str]:
    """An internal token `signer` mints (pos-bridge: a caller of orders), naming `caller` (default: itself)."""
    token = internal_token.mint(claims(platform), audience, key=signing_key(platform, signer),
                                caller=caller or signer, **kwargs)
    return {"authorization": f"Bearer {token}"}


def direct_http(platform) -> str:
    return f"http://127.0.0.1:{platform.layout.service_port(ORDERS, 'http')}"


def direct_grpc(platform) -> str:
    return f"127.0.0.1:{platform.layout.service_port(ORDERS, 'grpc')}"


def get_order_grpc(platform, order_id: str, metadata) -> orders_service_pb2.GetOrderResponse:
    with grpc.insecure_channel(direct_grpc(platform)) as channel:
        return orders_service_pb2_grpc.OrdersServiceStub(channel).GetOrder(
            orders_service_pb2.GetOrderRequest(order_id=order_id), metadata=metadata, timeout=10)


def test_a_direct_http_call_with_a_forged_identity_is_401(platform, order):
    forged = {"x-jwt-payload": encode_claims(claims(platform))}
    response = httpx.get(f"{direct_http(platform)}/api/orders/v1/orders/{order['order_id']}", headers=forged)
    assert response.status_code == 401, response.text


def test_a_direct_grpc_call_with_a_forged_identity_is_unauthenticated(platform, order):
    with pytest.raises(grpc.RpcError) as refused:
        get_order_grpc(platform, order["order_id"], [("x-jwt-payload", encode_claims(claims(platform)))])
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("audience, age", [("tax", 0), ("orders", 300)], ids=["wrong-audience", "expired"])
def test_a_token_for_another_service_or_an_expired_one_is_refused(platform, order, audience, age):
    headers = internal(platform, audience, now=time.time() - age)
    response = httpx.get(f"{direct_http(platform)}/api/orders/v1/orders/{order['order_id']}", headers=headers)
    assert response.status_code == 401, response.text
    with pytest.raises(grpc.RpcError) as refused:
        get_order_grpc(platform, order["order_id"], list(headers.items()))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("signer, caller", [("tax", "tax"), ("tax", "pos-bridge"), ("orders", "orders")],
                         ids=["a-service-orders-does-not-accept", "one-posing-as-a-caller", "orders-itself"])
def test_a_compromised_service_cannot_impersonate_a_caller(platform, order, signer, caller):
    """Each service signs with its own key, and orders accepts only pos-bridge's: tax's key (or orders'
    own) is worth nothing there, whichever service the token claims to come from."""
    headers = internal(platform, "orders", signer=signer, caller=caller)
    response = httpx.get(f"{direct_http(platform)}/api/orders/v1/orders/{order['order_id']}", headers=headers)
    assert response.status_code == 401, response.text
    with pytest.raises(grpc.RpcError) as refused:
        get_order_grpc(platform, order["order_id"], list(headers.items()))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_an_internal_token_for_this_service_works_directly(platform, order):
    headers = internal(platform, "orders")
    response = httpx.get(f"{direct_http(platform)}/api/orders/v1/orders/{order['order_id']}", headers=headers)
    assert response.status_code == 200 and response.json()["order_id"] == order["order_id"]
    assert get_order_grpc(platform, order["order_id"], list(headers.items())).order.order_id == order["order_id"]


def test_the_users_own_token_works_directly_too(platform, order, admin_token):
    bearer = {"authorization": f"Bearer {admin_token}"}
    response = httpx.get(f"{direct_http(platform)}/api/orders/v1/orders/{order['order_id']}", headers=bearer)
    assert response.status_code == 200, response.text


def test_through_the_gateway_and_the_peer_calls_behind_it(platform, admin, order):
    # orders -> tax (sales tax on placement) carried an internal token minted for tax
    assert order["tax_cents"] > 0 and order["total_cents"] > order["subtotal_cents"]
    assert admin.get(f"/api/orders/v1/orders/{order['order_id']}").status_code == 200
    # payroll -> auth (the staff member and location are checked with auth on a manual tip)
    tip = admin.post("/api/payroll/v1/tips", json={
        "staff_id": platform.demo["admin_user_id"], "location_id": platform.demo["location_id"],
        "tip_cents": 500, "earned_at": "2026-03-06T22:30:00-05:00", "note": "trust"})
    assert tip.status_code == 201, tip.text
    unknown = admin.post("/api/payroll/v1/tips", json={
        "staff_id": str(uuid.uuid4()), "location_id": platform.demo["location_id"],
        "tip_cents": 500, "earned_at": "2026-03-06T22:30:00-05:00"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "staff_id", unknown.text


def test_probes_stay_open(platform):
    base = direct_http(platform)
    assert httpx.get(f"{base}/livez", timeout=5).status_code == 200
    assert httpx.get(f"{base}/metrics", timeout=5).status_code == 200
