"""Clover app webhooks: the static auth code in constant time, the verification handshake body, and
batched id-less events given stable derived ids (a redelivery dedups)."""
from __future__ import annotations

import json

import pytest
from chassis.errors import InvalidInput
from pos_bridge.adapters.clover.webhooks import events_from_clover, verification_code, verify_clover_auth
from pos_bridge.domain.model import EventKind

BATCH = json.dumps({"appId": "APP1", "merchants": {
    "MERCH1": [{"objectId": "O:ZR5T0S2C3WHCA", "type": "UPDATE", "ts": 1732870860456},
               {"objectId": "P:PAY1", "type": "CREATE", "ts": 1732870860500}],
    "MERCH2": [{"objectId": "O:ORDER2", "type": "CREATE", "ts": 1732870861000}]}}).encode()


def test_the_auth_code():
    assert verify_clover_auth("code-1", {"X-Clover-Auth": "code-1"})
    assert not verify_clover_auth("code-1", {"X-Clover-Auth": "code-2"})
    assert not verify_clover_auth("code-1", {}) and not verify_clover_auth(None, {"X-Clover-Auth": "x"})


def test_the_verification_handshake():
    assert verification_code(b'{"verificationCode": "abc123"}') == "abc123"
    assert verification_code(BATCH) is None and verification_code(b"nope") is None


def test_a_batch_becomes_events_with_stable_ids():
    events = events_from_clover(BATCH)
    assert [(e.merchant_ref, e.kind, e.object_id) for e in events] == [
        ("MERCH1", EventKind.ORDER, "ZR5T0S2C3WHCA"), ("MERCH1", EventKind.PAYMENT, "PAY1"),
        ("MERCH2", EventKind.ORDER, "ORDER2")]
    assert [e.provider_event_id for e in events_from_clover(BATCH)] == [e.provider_event_id for e in events]
    assert len({e.provider_event_id for e in events}) == 3


def test_a_malformed_batch_names_the_field():
    with pytest.raises(InvalidInput) as refused:
        events_from_clover(json.dumps({"merchants": {"M": [{"objectId": "nocolon", "ts": 1}]}}).encode())
    assert refused.value.field == "merchants.M[0]"
