"""Menu pulls on fakes: the fake Square's catalog (real HTTP, through the real adapter) onto a fake
AuraConnect menu by the per-field conflict policy; overwrites audited, undecided fields reviewed, a
review resolved by a person (audited too)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from chassis.errors import Conflict, InvalidInput
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.square.provider import SquareProvider
from pos_bridge.service_layer.connections import create_connection
from pos_bridge.service_layer.sync import list_audit, list_reviews, pull_due_menus, pull_menu, resolve_review
from pos_bridge_fakes import FakePosBridgeUnitOfWork, PlainSealer
from posfakes.square.server import DEFAULT_TOKEN

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class FakeMenu:
    """orders' MenuService ListMenuItems, as the MenuReader port gives it."""

    def __init__(self) -> None:
        self.items = {"aura-steak": {"item_id": "aura-steak", "name": "New York Steak", "price_cents": 2000,
                                     "description": "", "available": True, "kitchen_tags": ["grill"],
                                     "prep_time_seconds": 900, "course": "main",
                                     "updated_at": NOW - timedelta(days=1)}}

    def list_items(self, identity, location_id):
        return [dict(i) for i in self.items.values()]


@pytest.fixture
def world(square):
    class World:
        uow, sealer, menu = FakePosBridgeUnitOfWork(), PlainSealer(), FakeMenu()
        adapter = SquareProvider(httpx.Client(timeout=2.0), retry=RetryPolicy(attempts=1), sleep=lambda s: None)
    w = World()
    w.cid = create_connection(lambda: w.uow, w.sealer, ADMIN, {
        "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
        "external_location_id": "LOC1", "api_base_url": square.url,
        "credentials": {"access_token": DEFAULT_TOKEN}}).connection_id
    w.pull = lambda now=NOW: pull_menu(lambda: w.uow, w.sealer, {"square": w.adapter}, w.menu, w.cid, now)
    return w


def test_pos_wins_the_price_links_by_name_and_audits_the_overwrite(world):
    result = world.pull()
    assert result.linked == 1 and result.unlinked == ("XSTRIP0ITEM00000000000002",) and result.overwrites == 1
    [link] = world.uow.menu_links.rows
    assert (link.pos_item_id, link.aura_item_id) == ("XSTEAK0ITEM00000000000001", "aura-steak")
    [audit] = list_audit(lambda: world.uow, ADMIN, str(world.cid))
    assert (audit["field"], audit["old_value"], audit["new_value"], audit["winner"], audit["rule"]) == (
        "price_cents", 2000, 2200, "pos", "pos")
    assert audit["applied"] is False   # no MenuWriter given: recorded, not applied (test_menu_writes.py writes)
    assert world.uow.sync_state.rows[world.cid].last_menu_pull_at == NOW


def test_undecidable_fields_go_to_review_and_a_person_resolves_them(world, square):
    world.menu.items["aura-steak"]["available"] = False   # 86'd here, available on the POS: who is right?
    world.pull()
    [review] = list_reviews(lambda: world.uow, ADMIN, str(world.cid), "open")
    assert (review["field"], review["pos_value"], review["aura_value"]) == ("available", True, False)
    world.pull(NOW + timedelta(minutes=1))   # asked again: still one open review for the field
    assert len(list_reviews(lambda: world.uow, ADMIN, str(world.cid), "open")) == 1
    with pytest.raises(InvalidInput) as bad:
        resolve_review(lambda: world.uow, ADMIN, str(world.cid), review["review_id"], {"choice": "maybe"}, NOW)
    assert bad.value.field == "choice"
    done = resolve_review(lambda: world.uow, ADMIN, str(world.cid), review["review_id"], {"choice": "aura"}, NOW)
    assert done["status"] == "resolved" and done["choice"] == "aura" and done["resolved_by"] == "a"
    with pytest.raises(Conflict):
        resolve_review(lambda: world.uow, ADMIN, str(world.cid), review["review_id"], {"choice": "pos"}, NOW)
    manual = [a for a in list_audit(lambda: world.uow, ADMIN, str(world.cid)) if a["rule"] == "manual"]
    assert manual[0]["winner"] == "aura" and manual[0]["field"] == "available"


def test_last_writer_wins_once_a_field_changed_on_one_side_only(world):
    world.menu.items["aura-steak"]["available"] = False
    world.pull()   # first pull: undecidable, reviewed
    # the POS changes nothing since, ours changed after the pull: ours is the last writer
    world.menu.items["aura-steak"]["updated_at"] = NOW + timedelta(minutes=30)
    before = len(world.uow.sync_reviews.rows)
    result = world.pull(NOW + timedelta(hours=1))
    assert result.reviews == 0 and len(world.uow.sync_reviews.rows) == before


def test_menu_pulls_are_due_per_connection_and_a_pos_failure_is_recorded(world, square):
    square.inject(503, count=10)
    assert pull_due_menus(lambda: world.uow, world.sealer, {"square": world.adapter}, world.menu, NOW,
                          timedelta(minutes=15)) == 1
    state = world.uow.sync_state.rows[world.cid]
    assert state.last_menu_pull_at == NOW and "503" in state.last_menu_error
    assert pull_due_menus(lambda: world.uow, world.sealer, {"square": world.adapter}, world.menu,
                          NOW + timedelta(minutes=1), timedelta(minutes=15)) == 0   # not due again yet


def test_a_connections_policy_overrides_the_default_and_bad_rules_are_refused(world):
    from pos_bridge.service_layer.sync import get_policy, set_policy

    cid = str(world.cid)
    assert get_policy(lambda: world.uow, ADMIN, cid)["policy"]["price_cents"] == "pos"
    with pytest.raises(InvalidInput) as bad:
        set_policy(lambda: world.uow, ADMIN, cid, {"overrides": {"price_cents": "loudest"}})
    assert bad.value.field == "policy.price_cents"
    with pytest.raises(InvalidInput):
        set_policy(lambda: world.uow, ADMIN, cid, {"overrides": ["price_cents"]})
    answer = set_policy(lambda: world.uow, ADMIN, cid, {"overrides": {"price_cents": "aura"}})
    assert answer["policy"]["price_cents"] == "aura" and answer["overrides"] == {"price_cents": "aura"}
    result = world.pull()   # ours keeps its price now: nothing overwritten
    assert result.overwrites == 0 and list_audit(lambda: world.uow, ADMIN, cid) == []
