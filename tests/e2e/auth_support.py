"""Helpers and fixtures shared by the auth / gateway / RBAC / tenant-isolation end-to-end tests.

(Named test_auth_* so it sits with them; it holds no tests.) Everything a test does goes through
Envoy, except what only a platform operator or a forger could do: creating a tenant (the operator's
CLI) and signing tokens with the real key (to prove the gateway checks claims, not only signatures).
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import uuid
from dataclasses import dataclass

import grpc
import httpx
import pytest
from devstack.layout import SERVICES_BY_NAME
from devstack.services import argv, service_env


def strong_password() -> str:
    return "Pw-" + secrets.token_urlsafe(14)


def auth_env(platform) -> dict[str, str]:
    return service_env(platform.layout, SERVICES_BY_NAME["auth"], platform.secrets) | {"LOG_LEVEL": "WARNING"}


def run_auth_command(platform, module: str, *args: str, env: dict | None = None, timeout: float = 120,
                     check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*argv(SERVICES_BY_NAME["auth"], module), *args],
                            env=auth_env(platform) | (env or {}), cwd=platform.layout.repo_root,
                            capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@dataclass
class TenantAdmin:
    tenant_id: str
    slug: str
    location_id: str
    user_id: str
    email: str
    password: str


def create_tenant(platform, slug: str | None = None) -> TenantAdmin:
    """A new restaurant group through the platform operator's command."""
    slug = slug or f"t-{uuid.uuid4().hex[:10]}"
    password = strong_password()
    out = run_auth_command(platform, "create_tenant", "--slug", slug, "--name", f"Group {slug}",
                           "--admin-email", f"owner@{slug}.example.com", "--location-name", f"{slug} Diner",
                           "--time-zone", "America/Chicago", "--state", "IL",
                           env={"TENANT_ADMIN_PASSWORD": password}).stdout
    ids = json.loads(out.strip().splitlines()[-1])
    return TenantAdmin(ids["tenant_id"], ids["tenant_slug"], ids["location_id"], ids["admin_user_id"],
                       ids["admin_email"], password)


def login(gateway: str, tenant: str, email: str, password: str, source: str | None = None) -> httpx.Response:
    with client(gateway, source=source) as http:
        return http.post("/api/auth/v1/login", json={"tenant": tenant, "email": email, "password": password})


def client(gateway: str, token: str | None = None, source: str | None = None) -> httpx.Client:
    """An HTTP client, optionally from another loopback address (each is its own 'client address'
    for the gateway's and the auth service's per-address limits)."""
    transport = httpx.HTTPTransport(local_address=source) if source else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=gateway, headers=headers, timeout=20, transport=transport)


def fresh_source() -> str:
    """A loopback address no other test uses (127.0.0.0/8 is all loopback on Linux)."""
    return f"127.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"


@dataclass
class Member:
    role: str
    user_id: str
    email: str
    password: str
    token: str
    refresh_token: str

    def http(self, gateway: str) -> httpx.Client:
        return client(gateway, self.token)


def add_member(admin: httpx.Client, gateway: str, tenant_slug: str, roles: list[str],
               location_ids: list[str] | None = None, label: str | None = None) -> Member:
    password = strong_password()
    email = f"{label or roles[0]}-{uuid.uuid4().hex[:8]}@example.com"
    response = admin.post("/api/auth/v1/users", json={
        "email": email, "display_name": f"{label or roles[0]} user", "password": password, "roles": roles,
        "location_ids": location_ids or []})
    assert response.status_code == 201, response.text
    user = response.json()
    signed = login(gateway, tenant_slug, email, password)
    assert signed.status_code == 200, signed.text
    body = signed.json()
    return Member(label or roles[0], user["user_id"], email, password, body["access_token"], body["refresh_token"])


# ---- gRPC through the gateway ---------------------------------------------------------------
def grpc_channel(platform) -> grpc.Channel:
    return grpc.insecure_channel(f"127.0.0.1:{platform.layout.envoy_port}")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


# ---- forging tokens with the real signing key (to test the gateway's claim checks) ----------
def signing_key(platform):
    from auth.adapters import keys
    from chassis.crypto import Sealer
    from chassis.db import make_engine, make_session_factory

    env = auth_env(platform)
    engine = make_engine(env["DATABASE_URL"], env["DB_SCHEMA"], pool_size=1)
    try:
        with make_session_factory(engine)() as session:
            return keys.active_key(session, Sealer(env["AUTH_KEY_ENCRYPTION_KEY"]))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_members(platform, gateway, admin) -> dict[str, Member]:
    """One user per built-in role in the demo tenant (the admin included), logged in."""
    demo = platform.demo
    members = {role: add_member(admin, gateway, demo["tenant_slug"], [role]) for role in ("manager", "staff", "kitchen")}
    signed = login(gateway, demo["tenant_slug"], demo["admin_email"], platform.admin_password).json()
    members["admin"] = Member("admin", demo["admin_user_id"], demo["admin_email"], platform.admin_password,
                              signed["access_token"], signed["refresh_token"])
    return members


@pytest.fixture(scope="session")
def second_tenant(platform) -> TenantAdmin:
    return create_tenant(platform)


def env_flag(name: str) -> bool:
    return os.environ.get(name) == "1"
