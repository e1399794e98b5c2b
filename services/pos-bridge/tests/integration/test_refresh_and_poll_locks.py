"""One credential refresh per connection, on the real PostgreSQL: eight workers finding the same
Clover token about to expire make one refresh (the single-use refresh token is spent once) and all
use its result; the refresh's row lock does not wait on the KEY SHARE lock an uncommitted insert of
an event referencing the connection holds; two pollers never claim the same connection."""
from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from chassis.crypto import Sealer
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.orm import InboundEvent
from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.config import SOURCE
from pos_bridge.service_layer.connections import create_connection, open_connection
from pos_bridge.service_layer.credentials import fresh_connection
from posfakes.clover.server import DEFAULT_MERCHANT

pytestmark = pytest.mark.integration

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))


@pytest.fixture
def world(pos_bridge_db):
    session_factory, _ = pos_bridge_db
    uow = lambda: PosBridgeUnitOfWork(session_factory, SOURCE)  # noqa: E731
    return uow, Sealer(base64.b64encode(os.urandom(32)).decode())


def clover_connection(uow, sealer, url: str, refresh_token: str) -> uuid.UUID:
    return create_connection(uow, sealer, ADMIN, {
        "provider": "clover", "location_id": str(uuid.uuid4()), "external_merchant_id": DEFAULT_MERCHANT,
        "external_location_id": DEFAULT_MERCHANT, "api_base_url": url, "credentials": {
            "access_token": "about-to-expire", "refresh_token": refresh_token, "client_id": "app",
            "access_token_expiration": str(int(time.time()) + 10)}}).connection_id


def test_eight_workers_one_refresh(world, clover):
    uow, sealer = world
    clover.add_refresh_token("rt-herd", "app")
    clover.latency_s = 0.3   # a slow refresh: the others arrive while it runs
    cid = clover_connection(uow, sealer, clover.url, "rt-herd")
    adapter = CloverProvider(httpx.Client(timeout=5))
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: fresh_connection(uow, sealer, adapter, cid, datetime.now(UTC)), range(8)))
    assert clover.refreshes == 1
    tokens = {c.credentials["access_token"] for c in got}
    assert len(tokens) == 1 and tokens != {"about-to-expire"}
    with uow() as work:
        stored = open_connection(work.connections.get(cid), sealer).credentials
    assert stored["access_token"] in tokens and stored["refresh_token"] != "rt-herd"


def test_the_refresh_lock_does_not_wait_on_an_event_being_stored(world, clover):
    uow, sealer = world
    clover.add_refresh_token("rt-key-share", "app")
    cid = clover_connection(uow, sealer, clover.url, "rt-key-share")
    adapter = CloverProvider(httpx.Client(timeout=5))
    done = threading.Event()
    with uow() as outer:   # an insert referencing the connection: KEY SHARE on its row, not committed
        outer.inbound_events.add_if_new(InboundEvent(
            tenant_id=TENANT, connection_id=cid, provider="clover", provider_event_id="e-1", event_type="O.UPDATE",
            kind="ORDER", object_id="O1", payload={}))
        worker = threading.Thread(target=lambda: (fresh_connection(uow, sealer, adapter, cid, datetime.now(UTC)),
                                                  done.set()))
        worker.start()
        worker.join(timeout=15)
        assert done.is_set(), "the refresh waited on the uncommitted event's lock"
    assert clover.refreshes == 1


def test_two_pollers_never_claim_the_same_connection(world):
    uow, sealer = world
    now = datetime.now(UTC) + timedelta(days=365)   # after every connection earlier tests made
    create_connection(uow, sealer, ADMIN, {
        "provider": "toast", "location_id": str(uuid.uuid4()), "external_merchant_id": "G",
        "external_location_id": str(uuid.uuid4()), "api_base_url": "http://127.0.0.1:9",
        "credentials": {"client_id": "c", "client_secret": "s"}})
    claimed: list = []
    barrier = threading.Barrier(2)

    def claim():
        with uow() as work:
            row = work.connections.claim_poll(("clover", "toast"), now, now + timedelta(minutes=5))
            barrier.wait(timeout=10)   # both hold their claim at once
            claimed.append(None if row is None else row.id)
            work.commit()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    taken = [c for c in claimed if c is not None]
    assert len(claimed) == 2 and len(taken) == len(set(taken))
