"""MenuService.UpsertMenuItems in-process (the servicer with its real authorization and error mapping,
on fakes): only the pos-bridge service identity with orders:update writes; bad input is
INVALID_ARGUMENT naming the item's field."""
from __future__ import annotations

import asyncio

import grpc
import pytest
from auraconnect.orders.v1 import menu_service_pb2 as pb
from chassis import grpc_server
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.grpc_menu import MenuService

from services.orders.tests.unit.fakes import LOCATION, MANAGER, TENANT

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"


class Aborted(Exception):
    def __init__(self, code, details) -> None:
        super().__init__(details)
        self.code, self.details = code, details


class Context:
    def __init__(self, identity: Identity) -> None:
        self.metadata = [("authorization", bearer_for_tests(identity, "orders"))]

    def invocation_metadata(self):
        return self.metadata

    async def abort(self, code, details):
        raise Aborted(code, details)


@pytest.fixture
def service(uow, clock, ids, locations):
    before = grpc_server._audience   # a process-wide setting (serve() sets it): put it back after
    grpc_server.set_audience(["auraconnect.orders.v1.MenuService"])
    yield MenuService(bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, clock=clock,
                                new_id=ids, locations=locations))
    grpc_server._audience = before


def upsert(service, who: Identity, *items: pb.MenuItemUpsert):
    request = pb.UpsertMenuItemsRequest(location_id=str(LOCATION), source="pos:square:c1", items=items)
    return asyncio.run(service.UpsertMenuItems(request, Context(who)))


def bridge(permissions=MANAGER) -> Identity:
    return Identity(subject="service:pos-bridge", tenant_id=str(TENANT), permissions=frozenset(permissions))


STEAK = pb.MenuItemUpsert(external_ref="SQ-1", name="Steak", price_cents=2200, category_name="Mains")


def test_the_bridge_creates_and_a_second_call_changes_nothing(service):
    [made] = upsert(service, bridge(), STEAK).items
    assert made.created and made.changed and made.item.price_cents == 2200 and made.item.available
    [again] = upsert(service, bridge(), STEAK).items
    assert (again.item_id, again.created, again.changed) == (made.item_id, False, False)


@pytest.mark.parametrize("who", [
    Identity(subject="user-1", tenant_id=str(TENANT), permissions=MANAGER),   # people edit through REST
    bridge({"orders:read"}),                                                  # no orders:update
    Identity(subject="service:payroll", tenant_id=str(TENANT), permissions=MANAGER),
], ids=["a-person", "no-update", "another-service"])
def test_others_are_permission_denied(service, who):
    with pytest.raises(Aborted) as refused:
        upsert(service, who, STEAK)
    assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_bad_input_is_invalid_argument_naming_the_items_field(service):
    bad = pb.MenuItemUpsert(external_ref="SQ-2", name="Fries", price_cents=-5, category_name="Sides")
    with pytest.raises(Aborted) as refused:
        upsert(service, bridge(), STEAK, bad)
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details.startswith("items[1].price_cents:")
