"""Pure plumbing: CloudEvents headers, identity, RBAC matrix, sealing, log scrubbing."""
from __future__ import annotations

import base64
import json
import logging
import os
from datetime import UTC, datetime

import pytest
from chassis.crypto import Sealer, SealError
from chassis.events import EventEnvelope
from chassis.identity import IdentityError, encode_claims, identity_from_header
from chassis.logs import JsonFormatter, scrub
from chassis.rbac import DEFAULT_MATRIX, permissions_for_roles, role_permissions

TENANT = "5b0e8a4c-3a57-4d7c-9d7e-2f3c1a9b8e11"


def test_cloudevents_headers_round_trip():
    envelope = EventEnvelope("id-1", "auraconnect.orders.v1.OrderPlaced", "/auraconnect/orders",
                             datetime(2026, 3, 6, 12, 0, tzinfo=UTC), "order-1")
    headers = envelope.to_headers({"traceparent": "00-abc-def-01"})
    names = dict(headers)
    assert names["ce_specversion"] == b"1.0" and names["content-type"] == b"application/protobuf"
    assert names["ce_time"] == b"2026-03-06T12:00:00Z"
    assert EventEnvelope.from_headers(headers) == envelope


def test_not_a_cloudevent_is_rejected():
    with pytest.raises(ValueError, match="ce_id"):
        EventEnvelope.from_headers([("ce_type", b"x")])


def test_identity_header_parsing():
    identity = identity_from_header(encode_claims({"sub": "u1", "tenant_id": TENANT, "permissions": ["orders:read"]}))
    assert identity.has("orders:read") and not identity.has("orders:create")
    for bad in (None, "", "%%%", encode_claims({"sub": "u1"}), encode_claims({"sub": "u", "tenant_id": "t"})):
        with pytest.raises(IdentityError):
            identity_from_header(bad)


def test_matrix_cells_become_named_permissions():
    assert role_permissions("kitchen") == {"orders:read", "kitchen:read", "kitchen:update"}
    assert role_permissions("staff") == {"orders:create", "orders:read", "staff:read:own", "payroll:read:own"}
    assert "payroll:delete" in role_permissions("admin") and "reports:create" not in role_permissions("admin")
    assert role_permissions("manager") >= {"staff:update"} and "staff:delete" not in role_permissions("manager")
    assert permissions_for_roles(["kitchen", "staff"]) == role_permissions("staff") | role_permissions("kitchen")
    assert set(DEFAULT_MATRIX) == {"admin", "manager", "staff", "kitchen"}


def test_sealed_values_are_bound_to_their_row():
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    sealed = sealer.seal(b"123-45-6789", b"staff:1:ssn")
    assert b"123-45-6789" not in sealed
    assert sealer.open(sealed, b"staff:1:ssn") == b"123-45-6789"
    with pytest.raises(SealError):
        sealer.open(sealed, b"staff:2:ssn")
    with pytest.raises(SealError):
        Sealer(base64.b64encode(os.urandom(32)).decode()).open(sealed, b"staff:1:ssn")


def test_logs_never_carry_tokens_or_passwords():
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    text = scrub(f'Authorization: Bearer {token} body={{"password": "hunter2secret"}}')
    assert token not in text and "hunter2secret" not in text
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login with password=%s", ("pa55word",), None)
    line = json.loads(JsonFormatter("auth", "http").format(record))
    assert "pa55word" not in line["msg"] and line["service"] == "auth"
