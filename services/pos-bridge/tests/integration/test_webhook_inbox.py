"""The acknowledgement path on real PostgreSQL: the async inbox (psycopg pool, one guarded INSERT per
webhook) under a long-lived receiver with real Square signatures and the AES-GCM sealer. A key
rotated, a pause or a delete made through the ordinary unit of work is followed by the next webhook."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pos_bridge
import pytest
from chassis.crypto import Sealer
from chassis.errors import DependencyUnavailable, Unauthenticated
from chassis.identity import Identity
from chassis.rbac import role_permissions
from devstack import postgres
from devstack.testing import migrated_scratch_schema
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.square.provider import SquareProvider
from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.adapters.webhook_inbox import PgWebhookInbox
from pos_bridge.config import SOURCE
from pos_bridge.service_layer import connections
from pos_bridge.service_layer.webhook_receive import NewEvent, WebhookReceiver
from posfakes.square.signing import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.integration

MIGRATIONS = Path(pos_bridge.__file__).parent / "migrations"
TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
URL = "https://aura.example/api/pos-bridge/v1/webhooks/square/x"


@pytest.fixture(scope="module")
def db(infra):
    with migrated_scratch_schema(infra, MIGRATIONS, "pos_bridge") as (sessions, schema):
        url = postgres.superuser_url(infra.layout, infra.secrets["POSTGRES_SUPERUSER_PASSWORD"])
        yield (lambda: PosBridgeUnitOfWork(sessions, SOURCE)), url, schema


def square_body(event_id: str) -> bytes:
    return json.dumps({"merchant_id": "M1", "type": "order.created", "event_id": event_id,
                       "created_at": "2026-11-29T12:00:00Z",
                       "data": {"type": "order", "id": "O1", "object": {"order_created": {
                           "order_id": "O1", "version": 1, "location_id": "L1", "state": "OPEN",
                           "created_at": "2026-11-29T11:00:00Z"}}}}).encode()


def test_receiving_on_postgres_follows_every_change_of_the_connection(db):
    uow, url, schema = db
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    cid = str(connections.create_connection(uow, sealer, ADMIN, {
        "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
        "external_location_id": "L1", "credentials": {"access_token": "t"},
        "webhook": {"notification_url": URL, "signature_key": "old"}}).connection_id)
    now = datetime.now(UTC)

    def stored_ids() -> list[str]:
        with uow() as work:
            return [e.provider_event_id for e in work.inbound_events.for_connection(uuid.UUID(cid))]

    async def scenario() -> None:
        inbox = PgWebhookInbox(url, schema)
        receiver = WebhookReceiver(inbox, sealer, {"square": SquareProvider()})

        async def send(event_id: str, key: str):
            body = square_body(event_id)
            return await receiver.receive("square", cid, {SIGNATURE_HEADER: sign(key, URL, body)}, body, now)

        try:
            assert (await send("e1", "old")).stored == 1
            again = await send("e1", "old")
            assert (again.stored, again.duplicates) == (0, 1)
            with pytest.raises(Unauthenticated):
                await send("e2", "not-the-key")
            connections.set_webhook(uow, sealer, ADMIN, cid, {"notification_url": URL, "signature_key": "new"})
            with pytest.raises(Unauthenticated):
                await send("e3", "old")      # remembered key verifies, the version guard refuses, re-read: 401
            assert (await send("e4", "new")).stored == 1
            connections.set_active(uow, ADMIN, cid, False)
            with pytest.raises(DependencyUnavailable):
                await send("e5", "new")
            connections.set_active(uow, ADMIN, cid, True)
            assert (await send("e6", "new")).stored == 1
            # The guard itself: a row written since it was read (any UPDATE gives it a new xmin) stores nothing.
            row, version = await inbox.connection(uuid.UUID(cid))
            with uow() as work:
                work.connections.get(uuid.UUID(cid)).last_poll_error = "touched"
                work.commit()
            event = NewEvent(id=uuid.uuid4(), tenant_id=TENANT, connection_id=row.id, provider="square",
                                 provider_event_id="e7", event_type="order.created", kind="ORDER", object_id="O1",
                                 object_version=1, occurred_at=None, payload={"embedded": {}}, status="received",
                                 attempts=0, next_attempt_at=None, received_at=None)
            assert await inbox.store(row, version, [event]) is None
            connections.delete_connection(uow, ADMIN, cid, now)
            with pytest.raises(Unauthenticated):
                await send("e8", "new")
        finally:
            await inbox.close()

    asyncio.run(scenario())
    assert sorted(stored_ids()) == ["e1", "e4", "e6"]   # all received at `now`: in no particular order
    with uow() as work:
        [first] = [e for e in work.inbound_events.for_connection(uuid.UUID(cid)) if e.provider_event_id == "e1"]
        assert (first.status, first.attempts, first.object_id, first.object_version) == ("received", 0, "O1", 1)
        assert first.received_at == now and first.next_attempt_at == now and first.payload["merchant_ref"] == "M1"


def test_clovers_handshake_is_kept_on_postgres(db):
    uow, url, schema = db
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    cid = str(connections.create_connection(uow, sealer, ADMIN, {
        "provider": "clover", "location_id": str(uuid.uuid4()), "external_merchant_id": "MERCHANT00001",
        "external_location_id": "MERCHANT00001", "credentials": {"access_token": "t"}}).connection_id)

    async def scenario():
        inbox = PgWebhookInbox(url, schema)
        try:
            return await WebhookReceiver(inbox, sealer, {"clover": CloverProvider()}).receive(
                "clover", cid, {}, json.dumps({"verificationCode": "paste-me"}).encode())
        finally:
            await inbox.close()

    assert asyncio.run(scenario()).verification
    assert connections.get_connection(uow, ADMIN, cid).as_json()["webhook"]["verification_code"] == "paste-me"
