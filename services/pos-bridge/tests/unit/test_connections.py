"""Listing POS connections against fakes: tenant-scoped, filtered by location, bad ids named."""
from __future__ import annotations

import uuid

import pytest
from chassis.errors import InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.orm import PosConnection
from pos_bridge.service_layer.connections import list_connections
from pos_bridge_fakes import FakePosBridgeUnitOfWork

TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
BAR, PATIO = uuid.uuid4(), uuid.uuid4()


def person(role: str, tenant: uuid.UUID = TENANT) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), roles=(role,),
                    permissions=role_permissions(role))


@pytest.fixture
def uow() -> FakePosBridgeUnitOfWork:
    uow = FakePosBridgeUnitOfWork()
    for tenant, location, provider in ((TENANT, BAR, "square"), (TENANT, PATIO, "toast"),
                                       (OTHER_TENANT, uuid.uuid4(), "clover")):
        uow.connections.add(PosConnection(tenant_id=tenant, location_id=location, provider=provider, active=True))
    return uow


def test_listing_is_tenant_scoped(uow):
    listed = list_connections(lambda: uow, person("manager"))
    assert sorted(c.provider for c in listed) == ["square", "toast"]
    assert [c.provider for c in list_connections(lambda: uow, person("admin", OTHER_TENANT))] == ["clover"]
    assert uow.commits == 0  # a read never writes


def test_listing_one_location(uow):
    assert [c.provider for c in list_connections(lambda: uow, person("manager"), str(PATIO))] == ["toast"]
    assert list_connections(lambda: uow, person("admin", OTHER_TENANT), str(PATIO)) == []


@pytest.mark.parametrize("location_id", ["patio", "", "1234"])
def test_a_bad_location_id_names_the_field(uow, location_id):
    with pytest.raises(InvalidInput) as refused:
        list_connections(lambda: uow, person("manager"), location_id)
    assert refused.value.field == "location_id"


def test_reading_connections_needs_settings_read(uow):
    for role in ("staff", "kitchen"):
        with pytest.raises(PermissionDenied):
            list_connections(lambda: uow, person(role))
