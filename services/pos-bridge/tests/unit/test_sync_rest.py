"""The sync's REST routes over fakes (TestClient): the fake repositories keep the real ones' contract;
sync status shape, audit, review queue, policy and menu pull requests; bad input is 4xx naming the
field; a manager without settings:update cannot resolve or change the policy."""
from __future__ import annotations

import inspect
import uuid

from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from pos_bridge.adapters import repositories_sync as real
from pos_bridge.adapters.orm import SyncReview
from pos_bridge.bootstrap import bootstrap
from pos_bridge.config import Settings
from pos_bridge.entrypoints.http_api import build_app
from pos_bridge_fakes import (
    FakeConnectionSyncRepository,
    FakeMenuLinkRepository,
    FakeOutboundChangeRepository,
    FakePosBridgeUnitOfWork,
    FakePosOrderLinkRepository,
    FakeProvider,
    FakeSyncAuditRepository,
    FakeSyncReviewRepository,
    PlainSealer,
)

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "pos_bridge"}
BASE = "/api/pos-bridge/v1/connections"


def public_methods(cls) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}



def test_the_fake_sync_repositories_keep_the_real_ones_contract():
    for fake, actual in ((FakeOutboundChangeRepository, real.OutboundChangeRepository),
                         (FakeConnectionSyncRepository, real.ConnectionSyncRepository),
                         (FakeMenuLinkRepository, real.MenuLinkRepository),
                         (FakeSyncAuditRepository, real.SyncAuditRepository),
                         (FakeSyncReviewRepository, real.SyncReviewRepository),
                         (FakePosOrderLinkRepository, real.PosOrderLinkRepository)):
        without_init = [{n: sig for n, sig in public_methods(cls).items() if n != "__init__"} for cls in (fake, actual)]
        assert without_init[0] == without_init[1], fake


def client_for(uow, role: str, tenant: uuid.UUID):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    container = bootstrap(Settings(**DB), uow=lambda: uow, providers={"square": FakeProvider()}, sealer=PlainSealer())
    who = Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), roles=(role,), permissions=role_permissions(role))
    return TestClient(build_app(container), headers={"authorization": bearer_for_tests(who, "pos-bridge")})


def test_the_sync_routes():
    tenant, uow = uuid.uuid4(), FakePosBridgeUnitOfWork()
    admin = client_for(uow, "admin", tenant)
    cid = admin.post(BASE, json={"provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M",
                                 "external_location_id": "L", "credentials": {"access_token": "t"}}
                     ).json()["connection_id"]
    status = admin.get(f"{BASE}/{cid}/sync").json()
    assert {"last_successful_sync_at", "lag_seconds", "outbound", "circuit", "conflicts", "events", "polling",
            "failures", "outbound_failures", "menu"} <= status.keys()
    assert status["circuit"]["state"] == "closed" and status["outbound"]["queued"] == 0
    assert admin.get(f"{BASE}/{cid}/sync/audit").json() == {"audit": []}
    assert admin.post(f"{BASE}/{cid}/sync/menu-pull").status_code == 202

    review = SyncReview(tenant_id=tenant, connection_id=uuid.UUID(cid), object_kind="menu_item", object_ref="I1",
                        aura_ref="A1", field="category", pos_value={"value": "Mains"}, aura_value={"value": "Grill"},
                        reason="policy: review")
    uow.sync_reviews.add(review)
    [listed] = admin.get(f"{BASE}/{cid}/sync/reviews", params={"status": "open"}).json()["reviews"]
    assert listed["review_id"] == str(review.id) and listed["pos_value"] == "Mains"
    assert admin.get(f"{BASE}/{cid}/sync/reviews", params={"status": "maybe"}).json()["field"] == "status"
    resolve = f"{BASE}/{cid}/sync/reviews/{review.id}/resolve"
    bad = admin.post(resolve, json={"choice": "both"})
    assert bad.status_code == 422 and bad.json()["field"] == "choice"
    assert admin.post(f"{BASE}/{cid}/sync/reviews/not-a-uuid/resolve", json={"choice": "pos"}).status_code == 422
    assert admin.post(f"{BASE}/{cid}/sync/reviews/{uuid.uuid4()}/resolve", json={"choice": "pos"}).status_code == 404
    manager = client_for(uow, "manager", tenant)
    assert manager.post(resolve, json={"choice": "pos"}).status_code == 403
    assert admin.post(resolve, json={"choice": "pos"}).json()["status"] == "resolved"
    assert admin.post(resolve, json={"choice": "pos"}).status_code == 409
    [audit] = admin.get(f"{BASE}/{cid}/sync/audit").json()["audit"]
    assert (audit["rule"], audit["winner"], audit["new_value"]) == ("manual", "pos", "Mains")

    assert admin.get(f"{BASE}/{cid}/sync/policy").json()["policy"]["kitchen_tags"] == "aura"
    refused = admin.put(f"{BASE}/{cid}/sync/policy", json={"overrides": {"name": "whoever"}})
    assert refused.status_code == 422 and refused.json()["field"] == "policy.name"
    assert admin.put(f"{BASE}/{cid}/sync/policy", json={"overrides": {"name": "aura"}}).json()["policy"]["name"] == "aura"
    other = client_for(uow, "admin", uuid.uuid4())
    assert other.get(f"{BASE}/{cid}/sync").status_code == 404   # another tenant's: not found
