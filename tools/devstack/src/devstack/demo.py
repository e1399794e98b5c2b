"""Demo tenant set-up done the way an operator would: log in through the gateway and use the APIs."""
from __future__ import annotations

import httpx

from devstack.layout import Layout

DEMO_TAX_AREA = "us-pa-philadelphia"


def login(layout: Layout, tenant: str, email: str, password: str) -> str:
    response = httpx.post(f"{layout.gateway_url}/api/auth/v1/login",
                          json={"tenant": tenant, "email": email, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


def configure(layout: Layout, demo: dict, password: str) -> None:
    token = login(layout, demo["tenant_slug"], demo["admin_email"], password)
    response = httpx.put(
        f"{layout.gateway_url}/api/tax/v1/locations/{demo['location_id']}/jurisdiction",
        json={"tax_area": DEMO_TAX_AREA},
        headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
