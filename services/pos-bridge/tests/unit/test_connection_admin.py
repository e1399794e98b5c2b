"""Connections against fakes: admins create, pause, resume and delete; secrets are sealed and never
returned; bad fields are named; another tenant's connection is not found."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.service_layer.connections import (
    create_connection,
    delete_connection,
    get_connection,
    list_connections,
    open_connection,
    set_active,
    set_webhook,
)
from pos_bridge_fakes import FakePosBridgeUnitOfWork, PlainSealer

TENANT, OTHER = uuid.uuid4(), uuid.uuid4()
LOCATION = uuid.uuid4()


def person(role: str, tenant: uuid.UUID = TENANT) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), roles=(role,), permissions=role_permissions(role))


def body(**changes) -> dict:
    base = {"provider": "square", "location_id": str(LOCATION), "external_merchant_id": "MLEFBHHSJGVHD",
            "external_location_id": "L1", "api_base_url": "http://127.0.0.1:9/",
            "credentials": {"access_token": "EAAA-secret"},
            "webhook": {"notification_url": "https://aura.example/api/pos-bridge/v1/webhooks/square/x",
                        "signature_key": "sig-secret"}}
    return base | changes


@pytest.fixture
def uow():
    return FakePosBridgeUnitOfWork()


def test_an_admin_connects_a_location_and_secrets_stay_sealed(uow):
    made = create_connection(lambda: uow, PlainSealer(), person("admin"), body())
    shown = json.dumps(made.as_json())
    assert "EAAA-secret" not in shown and "sig-secret" not in shown
    assert made.as_json()["credentials"] == {"set": True} and made.as_json()["webhook"]["signature_key_set"]
    assert made.api_base_url == "http://127.0.0.1:9"   # trailing slash dropped
    [row] = uow.connections.rows
    assert b"EAAA-secret" not in row.credentials_sealed and b"sig-secret" not in row.webhook_signature_key_sealed
    opened = open_connection(row, PlainSealer())
    assert opened.credentials == {"access_token": "EAAA-secret"} and opened.signature_key == "sig-secret"
    assert "EAAA-secret" not in repr(opened)
    assert uow.commits == 1


def test_the_provider_host_is_the_default_base_url(uow):
    made = create_connection(lambda: uow, PlainSealer(), person("admin"), body(api_base_url=None))
    assert made.api_base_url == "https://connect.squareup.com"


@pytest.mark.parametrize(("changes", "field"), [
    ({"provider": "lightspeed"}, "provider"),
    ({"location_id": "patio"}, "location_id"),
    ({"external_merchant_id": ""}, "external_merchant_id"),
    ({"external_location_id": 7}, "external_location_id"),
    ({"api_base_url": "ftp://x"}, "api_base_url"),
    ({"credentials": {}}, "credentials.access_token"),
    ({"credentials": "token"}, "credentials"),
    ({"webhook": {"notification_url": "https://a.example/x"}}, "webhook.signature_key"),
    ({"webhook": {"notification_url": "nope", "signature_key": "k"}}, "webhook.notification_url"),
])
def test_bad_fields_are_named(uow, changes, field):
    with pytest.raises(InvalidInput) as refused:
        create_connection(lambda: uow, PlainSealer(), person("admin"), body(**changes))
    assert refused.value.field == field
    assert uow.connections.rows == []


def test_only_admins_change_connections(uow):
    with pytest.raises(PermissionDenied):
        create_connection(lambda: uow, PlainSealer(), person("manager"), body())
    made = create_connection(lambda: uow, PlainSealer(), person("admin"), body())
    for act in (lambda: set_active(lambda: uow, person("manager"), str(made.connection_id), False),
                lambda: delete_connection(lambda: uow, person("manager"), str(made.connection_id), datetime.now(UTC))):
        with pytest.raises(PermissionDenied):
            act()
    assert get_connection(lambda: uow, person("manager"), str(made.connection_id)).active


def test_pause_resume_delete(uow):
    admin = person("admin")
    made = create_connection(lambda: uow, PlainSealer(), admin, body())
    assert not set_active(lambda: uow, admin, str(made.connection_id), False).active
    assert set_active(lambda: uow, admin, str(made.connection_id), True).active
    delete_connection(lambda: uow, admin, str(made.connection_id), datetime.now(UTC))
    assert list_connections(lambda: uow, admin) == []
    assert uow.connections.rows[0].credentials_sealed is None   # wiped with the delete
    with pytest.raises(NotFound):
        get_connection(lambda: uow, admin, str(made.connection_id))


def test_another_tenants_connection_is_not_found(uow):
    made = create_connection(lambda: uow, PlainSealer(), person("admin"), body())
    with pytest.raises(NotFound):
        get_connection(lambda: uow, person("admin", OTHER), str(made.connection_id))
    with pytest.raises(NotFound):
        set_active(lambda: uow, person("admin", OTHER), str(made.connection_id), False)


def test_the_webhook_can_be_set_once_the_id_is_known(uow):
    admin = person("admin")
    made = create_connection(lambda: uow, PlainSealer(), admin, body(webhook=None))
    assert not made.signature_key_set
    url = f"https://aura.example/api/pos-bridge/v1/webhooks/square/{made.connection_id}"
    changed = set_webhook(lambda: uow, PlainSealer(), admin, str(made.connection_id),
                          {"notification_url": url, "signature_key": "k2"})
    assert changed.notification_url == url and changed.signature_key_set
    assert open_connection(uow.connections.rows[0], PlainSealer()).signature_key == "k2"
    with pytest.raises(InvalidInput) as refused:
        set_webhook(lambda: uow, PlainSealer(), admin, str(made.connection_id), {"notification_url": url})
    assert refused.value.field == "signature_key"
    with pytest.raises(PermissionDenied):
        set_webhook(lambda: uow, PlainSealer(), person("manager"), str(made.connection_id),
                    {"notification_url": url, "signature_key": "k3"})
