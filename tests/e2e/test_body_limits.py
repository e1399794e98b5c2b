"""Issue 13, request body limits: the gateway caps bodies per route, and every service caps them itself.

Before the fix an 8 MB body to the public login route was read and parsed (422), and any API route
took whatever it was sent.
"""
from __future__ import annotations

import httpx
import pytest
from devstack.layout import SERVICES_BY_NAME

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def login_body(platform, padding: int) -> bytes:
    """A login for an account nobody has (a failure there locks out no one the other tests use)."""
    return (b'{"tenant": "%s", "email": "nobody-%d@example.com", "password": "wrong", "pad": "%s"}' % (
        platform.demo["tenant_slug"].encode(), padding, b"x" * padding))


def test_an_8_mb_login_body_stops_at_the_gateway(platform, gateway):
    response = httpx.post(f"{gateway}/api/auth/v1/login", content=login_body(platform, 8 * MIB),
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413


def test_login_allows_16_kib_and_not_more(platform, gateway):
    over = httpx.post(f"{gateway}/api/auth/v1/login", content=login_body(platform, 20 * 1024),
                      headers={"content-type": "application/json"}, timeout=10)
    assert over.status_code == 413
    normal = httpx.post(f"{gateway}/api/auth/v1/login", content=login_body(platform, 10),
                        headers={"content-type": "application/json"}, timeout=10)
    assert normal.status_code == 401, normal.text      # read and answered: a wrong password


def test_an_api_route_takes_up_to_1_mib_through_the_gateway(platform, admin):
    big = {"location_id": platform.demo["location_id"],
           "lines": [{"name": "x" * 1000, "quantity": 1, "unit_price_cents": 1}] * 2100}
    assert admin.post("/api/orders/v1/orders", json=big).status_code == 413


def test_a_service_refuses_a_big_body_itself(platform, admin_token):
    url = (f"http://127.0.0.1:{platform.layout.service_port(SERVICES_BY_NAME['orders'], 'http')}"
           "/api/orders/v1/orders")
    headers = {"authorization": f"Bearer {admin_token}", "content-type": "application/json"}
    declared = httpx.post(url, content=b"[" + b" " * (2 * MIB) + b"]", headers=headers, timeout=30)
    assert declared.status_code == 413

    def chunks():
        yield b'{"location_id": "'
        for _ in range(600):
            yield b"x" * 4096
        yield b'"}'

    chunked = httpx.post(url, content=chunks(), headers=headers, timeout=30)
    assert chunked.status_code == 413
