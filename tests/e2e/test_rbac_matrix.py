"""Every cell of the role x permission matrix, for REST and gRPC, table-driven from
chassis.rbac.DEFAULT_MATRIX: a user of each built-in role carries exactly its permissions, and
every route / RPC guarded by a permission answers 2xx to those who hold it and 403
(PERMISSION_DENIED) to those who do not. Own-record rules (R own) are probed on one's own record
and on someone else's.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import grpc
import pytest
from auraconnect.auth.v1 import auth_service_pb2 as auth_pb
from auraconnect.auth.v1 import auth_service_pb2_grpc as auth_grpc
from auraconnect.orders.v1 import orders_service_pb2 as orders_pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as orders_grpc
from auraconnect.payroll.v1 import payroll_service_pb2 as payroll_pb
from auraconnect.payroll.v1 import payroll_service_pb2_grpc as payroll_grpc
from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2 as pos_pb
from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2_grpc as pos_grpc
from auraconnect.tax.v1 import sales_tax_pb2 as sales_pb
from auraconnect.tax.v1 import tax_service_pb2_grpc as tax_grpc
from chassis.rbac import ALL_PERMISSIONS, DEFAULT_MATRIX, PLATFORM_RULES_UPDATE, role_permissions

from tests.e2e.auth_support import (
    Member,
    add_member,
    bearer,
    grpc_channel,
    strong_password,
)
from tests.e2e.support import menu_items

pytestmark = pytest.mark.e2e
ROLES = list(DEFAULT_MATRIX)


@dataclass
class Ctx:
    """What the probes act on, made by the admin before the matrix runs."""

    platform: object
    gateway: str
    admin: object
    me: Member
    location_id: str
    order_id: str
    other_user_id: str
    item_id: str  # a menu item: lines are priced from the menu (typed prices need orders:open_price)

    def new_order(self) -> str:
        response = self.admin.post("/api/orders/v1/orders", json=_order(self))
        assert response.status_code == 201, response.text
        return response.json()["order_id"]

    def sent_order(self) -> str:
        order_id = self.new_order()
        response = self.admin.patch(f"/api/orders/v1/orders/{order_id}", json={"status": "sent"})
        assert response.status_code == 200, response.text
        return order_id

    def paid_order(self) -> tuple[str, str]:
        """(order id, payment id): a check the admin opened and took a card payment on."""
        order_id = self.new_order()
        response = self.admin.post(f"/api/orders/v1/orders/{order_id}/payments", json={
            "tender": "card", "card_brand": "visa", "card_last4": "4242",
            "processor_reference": f"ch_{uuid.uuid4().hex[:12]}"})
        assert response.status_code == 201, response.text
        return order_id, response.json()["payment"]["payment_id"]

    def manual_tip(self) -> str:
        response = self.admin.post("/api/payroll/v1/tips", json=_tip_entry(self))
        assert response.status_code == 201, response.text
        return response.json()["tip_record_id"]

    def kitchen_user(self) -> str:
        return add_member(self.admin, self.gateway, "demo", ["kitchen"], label="target").user_id

    def role(self) -> str:
        name = f"r-{uuid.uuid4().hex[:8]}"
        assert self.admin.post("/api/auth/v1/roles", json={"name": name, "permissions": ["orders:read"]}
                               ).status_code == 201
        return name

    def location(self) -> str:
        response = self.admin.post("/api/auth/v1/locations", json={
            "name": f"Pop-up {uuid.uuid4().hex[:6]}", "time_zone": "America/New_York", "state": "PA"})
        assert response.status_code == 201, response.text
        return response.json()["location_id"]


@dataclass(frozen=True)
class Probe:
    name: str
    granted_by: frozenset[str]  # any of these permissions lets the call through
    call: Callable[[Ctx], int]  # returns an HTTP status, or a gRPC code
    grpc: bool = False


def rest(name: str, method: str, path: Callable[[Ctx], str] | str, body=None, params=None, *granted_by: str) -> Probe:
    def call(ctx: Ctx) -> int:
        url = path(ctx) if callable(path) else path
        payload = body(ctx) if callable(body) else body
        query = params(ctx) if callable(params) else params
        with ctx.me.http(ctx.gateway) as http:
            return http.request(method, url, json=payload, params=query).status_code

    return Probe(name, frozenset(granted_by), call)


def rpc(name: str, invoke: Callable[[grpc.Channel, Ctx, list], object], *granted_by: str) -> Probe:
    def call(ctx: Ctx):
        with grpc_channel(ctx.platform) as channel:
            try:
                invoke(channel, ctx, bearer(ctx.me.token))
                return grpc.StatusCode.OK
            except grpc.RpcError as error:
                return error.code()

    return Probe(name, frozenset(granted_by), call, grpc=True)


def _refund(ctx: Ctx) -> int:
    order_id, payment_id = ctx.paid_order()
    with ctx.me.http(ctx.gateway) as http:
        return http.post(f"/api/orders/v1/orders/{order_id}/refunds",
                         json={"payment_id": payment_id, "reason": "rbac probe", "amount_cents": 1}).status_code


def _settlement(ctx: Ctx) -> int:
    content = f"processor_reference,amount\nch_{uuid.uuid4().hex[:12]},1.00\n".encode()
    with ctx.me.http(ctx.gateway) as http:
        return http.post(f"/api/orders/v1/reconciliation/{ctx.location_id}/{date.today().isoformat()}/settlements",
                         content=content, headers={"Content-Type": "text/csv"}).status_code


def _order(ctx: Ctx) -> dict:
    return {"location_id": ctx.location_id, "lines": [{"item_id": ctx.item_id, "quantity": 1}]}


def _tip_entry(ctx: Ctx) -> dict:
    return {"staff_id": ctx.other_user_id, "location_id": ctx.location_id, "tip_cents": 1500,
            "earned_at": "2026-03-06T23:00:00-05:00", "note": "declared cash tips"}


def _tax(ctx: Ctx) -> dict:
    return {"location_id": ctx.location_id, "as_of": date.today().isoformat(),
            "lines": [{"line_id": "1", "category": "prepared_food", "quantity": 1, "unit_price_cents": 500}]}


def _tax_proto(ctx: Ctx):
    return sales_pb.CalculateSalesTaxRequest(location_id=ctx.location_id, as_of=date.today().isoformat(), lines=[
        sales_pb.SalesTaxLine(line_id="1", category=sales_pb.ITEM_CATEGORY_PREPARED_FOOD, quantity=1,
                              unit_price_cents=500)])


PROBES = [
    # ---- staff (auth users) ----
    rest("POST users", "POST", "/api/auth/v1/users", lambda c: {
        "email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": strong_password(), "roles": ["kitchen"]},
        None, "staff:create"),
    rest("GET users", "GET", "/api/auth/v1/users", None, None, "staff:read"),
    rest("GET users/{other}", "GET", lambda c: f"/api/auth/v1/users/{c.other_user_id}", None, None, "staff:read"),
    rest("GET users/{own}", "GET", lambda c: f"/api/auth/v1/users/{c.me.user_id}", None, None,
         "staff:read", "staff:read:own"),
    rest("PATCH users/{id}", "PATCH", lambda c: f"/api/auth/v1/users/{c.kitchen_user()}",
         {"display_name": "Renamed"}, None, "staff:update"),
    rest("POST users/{id}/unlock", "POST", lambda c: f"/api/auth/v1/users/{c.kitchen_user()}/unlock",
         None, None, "staff:update"),
    rest("POST users/{id}/password", "POST", lambda c: f"/api/auth/v1/users/{c.kitchen_user()}/password",
         lambda c: {"new_password": strong_password()}, None, "staff:update"),
    rest("DELETE users/{id}", "DELETE", lambda c: f"/api/auth/v1/users/{c.kitchen_user()}", None, None,
         "staff:delete"),
    rpc("AuthService.ListUsers", lambda ch, c, md: auth_grpc.AuthServiceStub(ch).ListUsers(
        auth_pb.ListUsersRequest(), metadata=md, timeout=10), "staff:read"),
    rpc("AuthService.GetUser(other)", lambda ch, c, md: auth_grpc.AuthServiceStub(ch).GetUser(
        auth_pb.GetUserRequest(user_id=c.other_user_id), metadata=md, timeout=10), "staff:read"),
    rpc("AuthService.GetUser(own)", lambda ch, c, md: auth_grpc.AuthServiceStub(ch).GetUser(
        auth_pb.GetUserRequest(user_id=c.me.user_id), metadata=md, timeout=10), "staff:read", "staff:read:own"),
    rpc("AuthService.CheckPermission(other)", lambda ch, c, md: auth_grpc.AuthServiceStub(ch).CheckPermission(
        auth_pb.CheckPermissionRequest(user_id=c.other_user_id, permission="orders:read"), metadata=md, timeout=10),
        "staff:read"),
    # ---- settings (roles, tenant, locations, audit, tax jurisdiction, POS connections) ----
    rest("POST roles", "POST", "/api/auth/v1/roles", lambda c: {
        "name": f"r-{uuid.uuid4().hex[:8]}", "permissions": ["orders:read"]}, None, "settings:create"),
    rest("POST locations", "POST", "/api/auth/v1/locations", {
        "name": "Food truck", "time_zone": "America/New_York", "state": "PA"}, None, "settings:create"),
    rest("GET roles", "GET", "/api/auth/v1/roles", None, None, "settings:read"),
    rest("GET roles/{name}", "GET", "/api/auth/v1/roles/kitchen", None, None, "settings:read"),
    rest("GET tenant", "GET", "/api/auth/v1/tenant", None, None, "settings:read"),
    rest("GET audit", "GET", "/api/auth/v1/audit", None, None, "settings:read"),
    rest("GET pos-bridge connections", "GET", "/api/pos-bridge/v1/connections", None, None, "settings:read"),
    rest("GET pos-bridge webhook-subscriptions", "GET", "/api/pos-bridge/v1/webhook-subscriptions", None, None,
         "settings:read"),
    rest("PATCH roles/{name}", "PATCH", lambda c: f"/api/auth/v1/roles/{c.role()}", {"description": "x"}, None,
         "settings:update"),
    rest("PATCH tenant", "PATCH", "/api/auth/v1/tenant", {"name": "Demo Restaurant Group"}, None,
         "settings:update"),
    rest("PATCH locations/{id}", "PATCH", lambda c: f"/api/auth/v1/locations/{c.location()}",
         {"address": "1 Main St"}, None, "settings:update"),
    rest("PUT tax jurisdiction", "PUT", lambda c: f"/api/tax/v1/locations/{c.location_id}/jurisdiction",
         {"tax_area": "us-pa-philadelphia"}, None, "settings:update"),
    rest("DELETE roles/{name}", "DELETE", lambda c: f"/api/auth/v1/roles/{c.role()}", None, None,
         "settings:delete"),
    rest("DELETE locations/{id}", "DELETE", lambda c: f"/api/auth/v1/locations/{c.location()}", None, None,
         "settings:delete"),
    # Shared tax tables: a platform permission no tenant role holds (every built-in role gets 403).
    rest("POST payroll/rules", "POST", "/api/tax/v1/payroll/rules", {
        "jurisdiction": "US", "tax": "fica", "key": "ss_wage_base", "effective_from": "2031-01-01",
        "effective_to": None, "value": "250000", "source": "rbac probe"}, None, PLATFORM_RULES_UPDATE),
    rest("POST sales-tax/rates", "POST", "/api/tax/v1/sales-tax/rates", {
        "jurisdiction_id": "us-pa", "rate": "0.099", "effective_from": "2031-01-01", "source": "rbac probe"},
        None, PLATFORM_RULES_UPDATE),
    rpc("PosBridgeService.ListConnections", lambda ch, c, md: pos_grpc.PosBridgeServiceStub(ch).ListConnections(
        pos_pb.ListConnectionsRequest(location_id=c.location_id), metadata=md, timeout=10), "settings:read"),
    # ---- orders ----
    rest("POST orders", "POST", "/api/orders/v1/orders", _order, None, "orders:create"),
    rest("POST sales-tax:calculate", "POST", "/api/tax/v1/sales-tax:calculate", _tax, None, "orders:create"),
    rest("GET orders/{id}", "GET", lambda c: f"/api/orders/v1/orders/{c.order_id}", None, None, "orders:read"),
    rest("POST orders (open price)", "POST", "/api/orders/v1/orders", lambda c: {
        "location_id": c.location_id, "lines": [{"name": "Special", "unit_price_cents": 900, "open_price": True}]},
        None, "orders:open_price"),
    rest("POST orders (discount by hand)", "POST", "/api/orders/v1/orders", lambda c: {
        "location_id": c.location_id, "lines": [{"name": "Special", "unit_price_cents": 900, "open_price": True,
                                                 "discount_cents": 100}]}, None, "orders:discount"),
    rest("POST orders/{id}/lines", "POST", lambda c: f"/api/orders/v1/orders/{c.new_order()}/lines",
         lambda c: {"lines": [{"item_id": c.item_id}]}, None, "orders:create", "orders:update"),
    rest("GET orders", "GET", "/api/orders/v1/orders", None, lambda c: {"location_id": c.location_id, "limit": 5},
         "orders:read", "kitchen:read"),
    rest("GET orders/{id}/history", "GET", lambda c: f"/api/orders/v1/orders/{c.order_id}/history", None, None,
         "orders:read", "kitchen:read"),
    # Sending (in_kitchen is its old name) is the server's; ready is the kitchen's.
    rest("PATCH orders/{id} status sent", "PATCH", lambda c: f"/api/orders/v1/orders/{c.new_order()}",
         {"status": "in_kitchen"}, None, "orders:create", "orders:update"),
    rest("PATCH orders/{id} status ready", "PATCH", lambda c: f"/api/orders/v1/orders/{c.sent_order()}",
         {"status": "ready"}, None, "kitchen:update", "orders:update"),
    # The kitchen display: cooks read tickets; managers configure stations and routing.
    rest("GET kitchen/tickets", "GET", "/api/orders/v1/kitchen/tickets", None,
         lambda c: {"location_id": c.location_id}, "kitchen:read"),
    rest("POST kitchen/stations", "POST", "/api/orders/v1/kitchen/stations",
         lambda c: {"location_id": c.location_id, "name": f"Grill {uuid.uuid4().hex[:6]}"}, None, "kitchen:configure"),
    rest("DELETE orders/{id}", "DELETE", lambda c: f"/api/orders/v1/orders/{c.new_order()}", None, None,
         "orders:delete"),
    # ---- payments (issue 9): taking money is the server's, giving it back and reconciling a manager's ----
    rest("POST orders/{id}/payments", "POST", lambda c: f"/api/orders/v1/orders/{c.new_order()}/payments",
         {"tender": "cash", "tendered_cents": 100}, None, "orders:create", "orders:update"),
    rest("GET orders/{id}/payments", "GET", lambda c: f"/api/orders/v1/orders/{c.order_id}/payments", None, None,
         "orders:read", "orders:create", "orders:update"),
    Probe("POST orders/{id}/refunds", frozenset({"orders:refund"}), _refund),
    Probe("POST reconciliation settlements", frozenset({"orders:reconcile"}), _settlement),
    rest("GET reconciliation", "GET", lambda c: f"/api/orders/v1/reconciliation/{c.location_id}/"
         f"{date.today().isoformat()}", None, None, "orders:reconcile", "reports:read"),
    # ---- reports ----
    rest("GET reports/sales", "GET", "/api/orders/v1/reports/sales", None,
         lambda c: {"from": date.today().isoformat(), "to": date.today().isoformat()}, "reports:read"),
    rest("GET reports/daily", "GET", "/api/orders/v1/reports/daily", None,
         lambda c: {"location_id": c.location_id, "business_date": date.today().isoformat()}, "reports:read"),
    # ---- risk review (the queue is the managers'; the rules' settings the admins') ----
    rest("GET risk/reviews", "GET", "/api/orders/v1/risk/reviews", None, None, "orders:review_risk"),
    rest("GET risk/settings", "GET", "/api/orders/v1/risk/settings", None, None, "orders:review_risk"),
    rest("PUT risk/settings", "PUT", "/api/orders/v1/risk/settings", {"settings": {}}, None, "settings:update"),
    rpc("OrdersService.GetOrder", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch).GetOrder(
        orders_pb.GetOrderRequest(order_id=c.order_id), metadata=md, timeout=10), "orders:read", "kitchen:read"),
    rpc("OrdersService.ListOrders", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch).ListOrders(
        orders_pb.ListOrdersRequest(location_id=c.location_id, limit=5), metadata=md, timeout=10),
        "orders:read", "kitchen:read"),
    rpc("OrdersService.CreateOrder", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch).CreateOrder(
        orders_pb.CreateOrderRequest(location_id=c.location_id, channel="pos:square",
                                     external_id=f"sq-{uuid.uuid4().hex[:10]}", order_type="takeout",
                                     lines=[orders_pb.CreateOrderLine(name="Soup", unit_price_cents=500)]),
        metadata=md, timeout=10), "orders:create"),
    rpc("OrdersService.RecordPayment", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch).RecordPayment(
        orders_pb.RecordPaymentRequest(order_id=c.new_order(), amount_cents=1,
                                       external_reference=f"pos-{uuid.uuid4().hex[:10]}"),
        metadata=md, timeout=10), "orders:create"),
    rpc("OrdersService.ApplyExternalOrderChange", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch)
        .ApplyExternalOrderChange(orders_pb.ApplyExternalOrderChangeRequest(
            order_id=orders_grpc.OrdersServiceStub(ch).CreateOrder(orders_pb.CreateOrderRequest(
                location_id=c.location_id, channel="pos:toast", external_id=f"tt-{uuid.uuid4().hex[:10]}",
                lines=[orders_pb.CreateOrderLine(name="Soup", unit_price_cents=500, external_line_id="L1")]),
                metadata=md, timeout=10).order.order_id,
            lines=[orders_pb.ExternalOrderLine(external_line_id="L2", name="Bread", unit_price_cents=100)]),
            metadata=md, timeout=10), "orders:create"),
    rpc("OrdersService.UpdateOrderStatus(ready)", lambda ch, c, md: orders_grpc.OrdersServiceStub(ch)
        .UpdateOrderStatus(orders_pb.UpdateOrderStatusRequest(order_id=c.sent_order(), status="ready"),
                           metadata=md, timeout=10), "kitchen:update", "orders:update"),
    rpc("TaxService.CalculateSalesTax", lambda ch, c, md: tax_grpc.TaxServiceStub(ch).CalculateSalesTax(
        _tax_proto(c), metadata=md, timeout=10), "orders:create"),
    # ---- payroll ----
    rest("GET tips (other)", "GET", "/api/payroll/v1/tips", None, lambda c: {"staff_id": c.other_user_id},
         "payroll:read"),
    rest("GET tips (own)", "GET", "/api/payroll/v1/tips", None, lambda c: {"staff_id": c.me.user_id},
         "payroll:read", "payroll:read:own"),
    rest("POST tips (manual entry)", "POST", "/api/payroll/v1/tips", _tip_entry, None, "payroll:create"),
    rest("PATCH tips/{id}", "PATCH", lambda c: f"/api/payroll/v1/tips/{c.manual_tip()}", {"tip_cents": 1600},
         None, "payroll:update"),
    rest("DELETE tips/{id}", "DELETE", lambda c: f"/api/payroll/v1/tips/{c.manual_tip()}", None, None,
         "payroll:delete"),
    rpc("PayrollService.ListTipRecords(other)", lambda ch, c, md: payroll_grpc.PayrollServiceStub(ch)
        .ListTipRecords(payroll_pb.ListTipRecordsRequest(staff_id=c.other_user_id), metadata=md, timeout=10),
        "payroll:read"),
    rpc("PayrollService.ListTipRecords(own)", lambda ch, c, md: payroll_grpc.PayrollServiceStub(ch)
        .ListTipRecords(payroll_pb.ListTipRecordsRequest(staff_id=c.me.user_id), metadata=md, timeout=10),
        "payroll:read", "payroll:read:own"),
]


@pytest.fixture(scope="module")
def shared(platform, gateway, admin, demo_members):
    item_id = menu_items(admin, {"Soup": 500}, category="rbac")["Soup"]
    order = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"], "lines": [{"item_id": item_id, "quantity": 1}]})
    assert order.status_code == 201, order.text
    other = add_member(admin, gateway, "demo", ["kitchen"], label="other")
    return {"order_id": order.json()["order_id"], "other_user_id": other.user_id, "item_id": item_id}


@pytest.mark.parametrize("role", ROLES)
def test_token_carries_exactly_the_roles_permissions(gateway, demo_members, role):
    with demo_members[role].http(gateway) as http:
        me = http.get("/api/auth/v1/me").json()
    assert me["roles"] == [role]
    assert set(me["permissions"]) == set(role_permissions(role))
    assert set(me["permissions"]) <= ALL_PERMISSIONS


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_matrix_cell(platform, gateway, admin, shared, demo_members, role, probe):
    member = demo_members[role]
    ctx = Ctx(platform, gateway, admin, member, platform.demo["location_id"], shared["order_id"],
              shared["other_user_id"], shared["item_id"])
    allowed = bool(probe.granted_by & role_permissions(role))
    result = probe.call(ctx)
    if probe.grpc:
        expected = grpc.StatusCode.OK if allowed else grpc.StatusCode.PERMISSION_DENIED
        assert result == expected, (role, probe.name, result)
    elif allowed:
        assert 200 <= result < 300, (role, probe.name, result)
    else:
        assert result == 403, (role, probe.name, result)


def test_every_permission_with_a_route_is_probed():
    """New permissions get a probe here (or stay token-only, listed)."""
    probed = set().union(*(p.granted_by for p in PROBES))
    token_only: set[str] = set()  # every permission the built-in roles carry guards at least one probed route
    used = set().union(*(role_permissions(r) for r in ROLES))
    assert used - probed == token_only, used - probed
    assert PLATFORM_RULES_UPDATE in probed and PLATFORM_RULES_UPDATE not in used  # no tenant role holds it


def test_custom_role_grants_exactly_its_permissions(platform, gateway, admin):
    name = f"host-{uuid.uuid4().hex[:6]}"
    assert admin.post("/api/auth/v1/roles", json={"name": name, "permissions": ["orders:read", "reports:read"]}
                      ).status_code == 201
    member = add_member(admin, gateway, "demo", [name], label="host")
    with member.http(gateway) as http:
        me = http.get("/api/auth/v1/me").json()
        assert set(me["permissions"]) == {"orders:read", "reports:read"}
        assert http.get("/api/auth/v1/users").status_code == 403
    # Changing the role's permissions applies at the holder's next token (refresh).
    assert admin.patch(f"/api/auth/v1/roles/{name}", json={"permissions": ["orders:read", "staff:read"]}
                       ).status_code == 200
    with member.http(gateway) as http:
        refreshed = http.post("/api/auth/v1/refresh", json={"refresh_token": member.refresh_token}).json()
    member.token = refreshed["access_token"]
    with member.http(gateway) as http:
        assert http.get("/api/auth/v1/users").status_code == 200
    # A role in use cannot be deleted; the change history is audited.
    assert admin.delete(f"/api/auth/v1/roles/{name}").status_code == 409
    actions = {e["action"] for e in admin.get("/api/auth/v1/audit", params={"subject_id": name}).json()["entries"]}
    assert {"role.created", "role.permissions_changed"} <= actions


def test_no_privilege_escalation(platform, gateway, admin, demo_members):
    manager = demo_members["manager"]
    with manager.http(gateway) as http:
        # A manager may create staff and kitchen users, but not an admin (payroll:create etc.).
        made = http.post("/api/auth/v1/users", json={"email": f"s-{uuid.uuid4().hex[:6]}@example.com",
                                                      "password": strong_password(), "roles": ["admin"]})
        assert made.status_code == 403
        # Nor promote anybody, nor touch the admin.
        target = add_member(admin, gateway, "demo", ["staff"], label="promote")
        assert http.patch(f"/api/auth/v1/users/{target.user_id}", json={"roles": ["admin"]}).status_code == 403
        admin_id = platform.demo["admin_user_id"]
        assert http.patch(f"/api/auth/v1/users/{admin_id}", json={"active": False}).status_code == 403
    # Nobody grants the platform operator role through the API, not even an admin (its command does).
    assert admin.post("/api/auth/v1/users", json={"email": f"o-{uuid.uuid4().hex[:6]}@example.com",
                                                  "password": strong_password(),
                                                  "roles": ["platform_operator"]}).status_code == 403
    with admin.__class__(base_url=gateway, headers={"Authorization": f"Bearer {manager.token}"}) as http:
        assert http.post("/api/auth/v1/roles", json={"name": "sneaky", "permissions": ["payroll:read"]}
                         ).status_code == 403
    # A custom role cannot contain unknown permissions.
    bad = admin.post("/api/auth/v1/roles", json={"name": "bad-role", "permissions": ["orders:read", "root:all"]})
    assert bad.status_code == 422 and bad.json()["field"] == "permissions[1]"
