"""Tenant isolation: with two tenants seeded, every REST route of every service (discovered from
each service's OpenAPI document, so new routes are probed automatically) and every RPC of every
AuthService/OrdersService/... (discovered from the published protos) is called with one tenant's
token and the other tenant's ids. Zero leaks: a foreign id in the path gets 403/404 (or 422), and no
response ever contains the other tenant's data.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
import uuid
from dataclasses import dataclass, field

import auraconnect
import grpc
import httpx
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory

from tests.e2e.auth_support import (
    add_member,
    bearer,
    client,
    grpc_channel,
    login,
)

pytestmark = pytest.mark.e2e
SERVICES = ["auth", "orders", "payroll", "tax", "pos-bridge"]
PUBLIC = {"/api/auth/v1/login", "/api/auth/v1/refresh"}


@dataclass
class Tenant:
    name: str
    token: str
    ids: dict[str, str]  # kind -> id (user, order, location, role)
    secrets: set[str] = field(default_factory=set)  # strings that only this tenant's data contains

    def http(self, gateway: str) -> httpx.Client:
        return client(gateway, self.token)


def _seed(gateway: str, token: str, tenant_slug: str, location_id: str, admin_id: str, label: str) -> Tenant:
    with client(gateway, token) as http:
        assert http.put(f"/api/tax/v1/locations/{location_id}/jurisdiction",
                        json={"tax_area": "us-pa-philadelphia"}).status_code == 200
        marker = f"CANARY{label}{uuid.uuid4().hex[:6]}"
        location = http.post("/api/auth/v1/locations", json={
            "name": f"{marker} Kitchen", "time_zone": "America/New_York", "state": "PA"}).json()["location_id"]
        member = add_member(http, gateway, tenant_slug, ["staff"], label=f"canary{label.lower()}")
        role = f"role-{label.lower()}-{uuid.uuid4().hex[:6]}"
        assert http.post("/api/auth/v1/roles", json={"name": role, "description": marker,
                                                     "permissions": ["orders:read"]}).status_code == 201
        order = http.post("/api/orders/v1/orders", json={
            "location_id": location_id, "tip_cents": 111,
            "lines": [{"name": f"{marker} Soup", "quantity": 1, "unit_price_cents": 500}]})
        assert order.status_code == 201, order.text
    ids = {"user": member.user_id, "admin": admin_id, "order": order.json()["order_id"], "location": location_id,
           "extra_location": location, "role": role}
    return Tenant(label, token, ids, {marker, member.email, *ids.values()})


@pytest.fixture(scope="module")
def tenants(platform, gateway, admin_token, second_tenant):
    demo = platform.demo
    a = _seed(gateway, admin_token, demo["tenant_slug"], demo["location_id"], demo["admin_user_id"], "A")
    b_token = login(gateway, second_tenant.slug, second_tenant.email, second_tenant.password).json()["access_token"]
    b = _seed(gateway, b_token, second_tenant.slug, second_tenant.location_id, second_tenant.user_id, "B")
    a.secrets.add(demo["tenant_id"])
    b.secrets.add(second_tenant.tenant_id)
    return a, b


def _candidates(name: str, ids: dict[str, str]) -> list[str]:
    """The foreign ids worth trying for a parameter or field called `name`."""
    lowered = name.lower()
    for kind, keys in (("order", ("order",)), ("location", ("location",)), ("role", ("role", "name")),
                       ("user", ("user", "staff", "member", "employee"))):
        if any(k in lowered for k in keys):
            values = [ids[kind]] + ([ids["extra_location"]] if kind == "location" else []) + (
                [ids["admin"]] if kind == "user" else [])
            return values
    return [v for k, v in ids.items()]


def _sample(schema: dict, spec: dict, ids: dict[str, str], name: str = "", depth: int = 0):
    """A body for `schema` whose id-like fields carry the foreign tenant's ids."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), schema["anyOf"][0])
    kind = schema.get("type")
    if depth > 4:
        return None
    if kind == "object" or "properties" in schema:
        return {key: _sample(sub, spec, ids, key, depth + 1) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(schema.get("items", {}), spec, ids, name, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if name.endswith("_id") or name.endswith("_ids") or name == "name" and "role" in str(schema):
        return _candidates(name, ids)[0]
    if "email" in name:
        return f"probe-{uuid.uuid4().hex[:6]}@example.com"
    return "probe"


def _routes(gateway: str, token: str):
    for service in SERVICES:
        with client(gateway, token) as http:
            response = http.get(f"/api/{service}/v1/openapi.json")
        assert response.status_code == 200, (service, response.status_code)
        spec = response.json()
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    yield service, spec, path, method.upper(), operation


def _probes(spec: dict, path: str, operation: dict, ids: dict[str, str]):
    """(url, query, body) variants: every path parameter filled with each candidate foreign id."""
    path_params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    query = {p["name"]: _candidates(p["name"], ids)[0] for p in operation.get("parameters", [])
             if p["in"] == "query" and (p.get("required") or p["name"].endswith("_id"))}
    body = None
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = _sample(content["schema"], spec, ids)
    if not path_params:
        return [(path, query, body, False)]
    variants = []
    for param in path_params:
        for candidate in _candidates(param, ids):
            url = path
            for other in path_params:
                url = url.replace("{" + other + "}", candidate if other == param else _candidates(other, ids)[0])
            variants.append((url, query, body, True))
    return variants


def _leaks(text: str, victim: Tenant, sent: str) -> set[str]:
    return {secret for secret in victim.secrets if secret in text and secret not in sent}


@pytest.mark.parametrize("direction", ["B-probes-A", "A-probes-B"])
def test_every_rest_route_with_foreign_ids(gateway, tenants, direction):
    a, b = tenants
    caller, victim = (b, a) if direction == "B-probes-A" else (a, b)
    problems, probed = [], 0
    for service, spec, path, method, operation in _routes(gateway, caller.token):
        if path in PUBLIC:
            continue
        for url, query, body, foreign_in_path in _probes(spec, path, operation, victim.ids):
            with caller.http(gateway) as http:
                response = http.request(method, url, params=query, json=body)
            probed += 1
            sent = url + json.dumps(query) + json.dumps(body)
            leaked = _leaks(response.text, victim, sent)
            if leaked:
                problems.append(f"{method} {url}: {response.status_code} leaks {sorted(leaked)}")
            if foreign_in_path and response.status_code not in (403, 404, 422):
                problems.append(f"{method} {url}: {response.status_code} for another tenant's id")
            if response.status_code >= 500:
                problems.append(f"{method} {url}: {response.status_code}")
    assert probed > 20
    assert not problems, "\n".join(problems)


def _grpc_methods():
    """Every RPC in the published contracts (auraconnect.<svc>.v1.*_service)."""
    for module_info in pkgutil.walk_packages(auraconnect.__path__, "auraconnect."):
        if not module_info.name.endswith("_service_pb2"):
            continue
        module = importlib.import_module(module_info.name)
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield service, method


def _request(method, ids: dict[str, str], field_name: str):
    request_class = message_factory.GetMessageClass(method.input_type)
    data = {}
    for fld in method.input_type.fields:
        if fld.type == fld.TYPE_STRING and fld.name.endswith("_id"):
            candidates = _candidates(fld.name if fld.name == field_name else fld.name, ids)
            data[fld.name] = candidates[0]
        elif fld.name == "lines":
            # A line as the request's own line message has it (tax: SalesTaxLine; orders: CreateOrderLine).
            line_fields = {f.name: f for f in fld.message_type.fields}
            line = {"line_id": "1", "name": "Soup", "quantity": 1, "unit_price_cents": 100,
                    "category": "ITEM_CATEGORY_PREPARED_FOOD"}
            if "category" in line_fields and line_fields["category"].type == fld.TYPE_STRING:
                line["category"] = "prepared_food"
            data["lines"] = [{k: v for k, v in line.items() if k in line_fields}]
        elif fld.name == "as_of":
            data["as_of"] = "2025-01-15"
        elif fld.name == "permission":
            data["permission"] = "orders:read"
    return json_format.ParseDict(data, request_class())


@pytest.mark.parametrize("direction", ["B-probes-A", "A-probes-B"])
def test_every_rpc_with_foreign_ids(platform, tenants, direction):
    a, b = tenants
    caller, victim = (b, a) if direction == "B-probes-A" else (a, b)
    problems, probed = [], 0
    _ = descriptor_pool.Default()
    with grpc_channel(platform) as channel:
        for service, method in _grpc_methods():
            request = _request(method, victim.ids, "")
            response_class = message_factory.GetMessageClass(method.output_type)
            call = channel.unary_unary(f"/{service.full_name}/{method.name}",
                                       request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=response_class.FromString)
            probed += 1
            sent = str(request)
            try:
                response = call(request, metadata=bearer(caller.token), timeout=15)
            except grpc.RpcError as error:
                if error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
                    problems.append(f"{method.full_name}: {error.code()} {error.details()}")
                leaked = _leaks(error.details() or "", victim, sent)
                if leaked:
                    problems.append(f"{method.full_name}: error leaks {sorted(leaked)}")
                continue
            text = json_format.MessageToJson(response)
            leaked = _leaks(text, victim, sent)
            if leaked:
                problems.append(f"{method.full_name}: OK and leaks {sorted(leaked)}")
            if any(re.search(r"_id$", f.name) for f in method.input_type.fields) and text.strip() not in ("{}", ""):
                # An answer about a foreign id must be empty (or an error).
                problems.append(f"{method.full_name}: OK with data for another tenant's id: {text[:200]}")
    assert probed >= 8
    assert not problems, "\n".join(problems)


def test_a_token_for_one_tenant_never_reads_the_other_by_list(gateway, tenants):
    a, b = tenants
    with b.http(gateway) as http:
        for path in ("/api/auth/v1/users", "/api/auth/v1/roles", "/api/auth/v1/locations", "/api/auth/v1/audit",
                     "/api/pos-bridge/v1/connections"):
            response = http.get(path)
            assert response.status_code == 200, path
            assert not _leaks(response.text, a, ""), path
