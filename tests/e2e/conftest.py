"""Fixtures for end-to-end tests: everything goes through the Envoy gateway, as a client would."""
from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="session")
def gateway(platform) -> str:
    return platform.layout.gateway_url


@pytest.fixture(scope="session")
def admin_token(platform, gateway) -> str:
    response = httpx.post(f"{gateway}/api/auth/v1/login", json={
        "tenant": platform.demo["tenant_slug"], "email": platform.demo["admin_email"],
        "password": platform.admin_password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def admin(gateway, admin_token) -> httpx.Client:
    with httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {admin_token}"}, timeout=15) as client:
        yield client


# Session fixtures shared by the auth/gateway/RBAC tests (defined beside their helpers).
from tests.e2e.auth_support import demo_members, second_tenant  # noqa: E402, F401
