"""Demo tenant set-up done the way an operator would: log in through the gateway and use the APIs."""
from __future__ import annotations

import httpx

from devstack.layout import Layout

DEMO_TAX_AREA = "us-pa-philadelphia"
# The cook who signs in to the kitchen display (/kds/); password DEMO_KITCHEN_PASSWORD (generated).
KITCHEN_EMAIL = "kitchen@demo.auraconnect.local"


def login(layout: Layout, tenant: str, email: str, password: str) -> str:
    response = httpx.post(f"{layout.gateway_url}/api/auth/v1/login",
                          json={"tenant": tenant, "email": email, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


def configure(layout: Layout, demo: dict, password: str, kitchen_password: str | None = None) -> None:
    token = login(layout, demo["tenant_slug"], demo["admin_email"], password)
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.put(
        f"{layout.gateway_url}/api/tax/v1/locations/{demo['location_id']}/jurisdiction",
        json={"tax_area": DEMO_TAX_AREA}, headers=headers, timeout=10)
    response.raise_for_status()
    if kitchen_password:
        ensure_kitchen_user(layout, headers, kitchen_password)
    demo["kitchen_email"] = KITCHEN_EMAIL


def ensure_kitchen_user(layout: Layout, headers: dict, password: str) -> None:
    """The demo cook (role kitchen, every location); already there (409) on a second `make up`."""
    response = httpx.post(f"{layout.gateway_url}/api/auth/v1/users", headers=headers, timeout=10, json={
        "email": KITCHEN_EMAIL, "display_name": "Demo Cook", "password": password, "roles": ["kitchen"]})
    if response.status_code != 409:
        response.raise_for_status()
