"""Menu pulls that write: the POS's winning values applied to our menu through the MenuWriter port
(orders' UpsertMenuItems; a fake of it here, the real one in tests/e2e/test_pos_menu_sync.py) and
audited `applied: true`; POS items we lack created (or only listed, per connection); 86s and prices
of the fake Square, Clover and Toast catalogs (real HTTP, through the real adapters) mapped through."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.menu_writer import upsert_message
from pos_bridge.adapters.square.provider import SquareProvider
from pos_bridge.adapters.toast.provider import ToastProvider
from pos_bridge.service_layer.connections import create_connection, delete_connection
from pos_bridge.service_layer.sync import list_audit, list_reviews, pull_menu, resolve_review, set_policy
from pos_bridge_fakes import FakePosBridgeUnitOfWork, PlainSealer
from posfakes.clover.server import DEFAULT_MERCHANT, FakeClover
from posfakes.clover.server import DEFAULT_TOKEN as CLOVER_TOKEN
from posfakes.square.server import DEFAULT_TOKEN
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT, FakeToast

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STEAK = "XSTEAK0ITEM00000000000001"
STRIP = "XSTRIP0ITEM00000000000002"


class FakeOrdersMenu:
    """orders' menu as pos-bridge's two ports see it: ListMenuItems and UpsertMenuItems (by reference,
    per source; categories by name)."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}
        self.refs: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[Identity, str, str, list[dict]]] = []
        self.clock = NOW

    def add(self, name: str, price: int, **fields) -> str:
        item_id = f"aura-{len(self.items) + 1}"
        self.items[item_id] = {"item_id": item_id, "name": name, "price_cents": price, "description": "",
                               "available": True, "kitchen_tags": ["grill"], "prep_time_seconds": 900,
                               "course": "main", "category": "Grill", "updated_at": NOW - timedelta(days=1)} | fields
        return item_id

    def list_items(self, identity, location_id):
        return [dict(i) for i in self.items.values()]

    def upsert_items(self, identity, location_id, source, items):
        self.calls.append((identity, location_id, source, [dict(i) for i in items]))
        answers = []
        for sent in items:
            ref = sent["external_ref"]
            item_id = sent.get("item_id") or self.refs.get((source, ref))
            created = item_id is None
            if created:
                item_id = self.add(sent["name"], sent["price_cents"], kitchen_tags=[], category=sent["category_name"])
            self.refs[(source, ref)] = item_id
            item = self.items[item_id]
            changed = created or any(item.get(k) != v for k, v in sent.items() if k not in ("external_ref", "item_id"))
            item.update({k: v for k, v in sent.items() if k not in ("external_ref", "item_id", "category_name")})
            if changed:
                item["updated_at"] = self.clock + timedelta(milliseconds=5)   # orders' clock runs a bit later
            answers.append({"external_ref": ref, "item_id": item_id, "created": created, "changed": changed,
                            "updated_at": item["updated_at"]})
        return answers


def connect(uow, sealer, provider: str, url: str, credentials: dict, merchant="M1", location="LOC1"):
    return create_connection(lambda: uow, sealer, ADMIN, {
        "provider": provider, "location_id": str(uuid.uuid4()), "external_merchant_id": merchant,
        "external_location_id": location, "api_base_url": url, "credentials": credentials}).connection_id


def adapters() -> dict:
    client, retry = httpx.Client(timeout=2.0), RetryPolicy(attempts=1)
    return {"square": SquareProvider(client, retry=retry, sleep=lambda s: None),
            "clover": CloverProvider(client, retry=retry, sleep=lambda s: None),
            "toast": ToastProvider(client, retry=retry, sleep=lambda s: None)}


@pytest.fixture
def world(square):
    class World:
        uow, sealer, menu, providers = FakePosBridgeUnitOfWork(), PlainSealer(), FakeOrdersMenu(), adapters()
    w = World()
    w.cid = connect(w.uow, w.sealer, "square", square.url, {"access_token": DEFAULT_TOKEN})
    w.pull = lambda now=NOW, writer=w.menu: pull_menu(lambda: w.uow, w.sealer, w.providers, w.menu, w.cid, now,
                                                      writer)
    return w


def catalog_item(square, item_id: str) -> dict:
    return next(o for o in square.catalog if o["id"] == item_id)


def test_overwrites_are_applied_in_one_call_and_audited_applied(world):
    steak = world.menu.add("New York Steak", 2000)
    result = world.pull()
    assert (result.linked, result.overwrites, result.created, result.unlinked) == (1, 1, 1, ())
    [(identity, _, source, sent)] = world.menu.calls
    assert identity.subject == "service:pos-bridge" and "orders:update" in identity.permissions
    assert source == f"pos:square:{world.cid}"
    assert sent[0] == {"external_ref": STEAK, "item_id": steak, "price_cents": 2200}
    assert world.menu.items[steak]["price_cents"] == 2200 and world.menu.items[steak]["kitchen_tags"] == ["grill"]
    audit = {a["field"]: a for a in list_audit(lambda: world.uow, ADMIN, str(world.cid))}
    assert audit["price_cents"]["applied"] is True and audit["price_cents"]["new_value"] == 2200


def test_a_pos_item_we_lack_is_created_in_the_pos_category_and_linked(world):
    result = world.pull()
    assert result.created == 2 and result.unlinked == ()
    made = {i["name"]: i for i in world.menu.items.values()}
    assert made["New York Strip Steak"]["price_cents"] == 1599
    assert made["New York Strip Steak"]["category"] == "Beverages"   # the spec example's CATEGORY object
    links = {link.pos_item_id: link.aura_item_id for link in world.uow.menu_links.rows}
    assert links[STRIP] == made["New York Strip Steak"]["item_id"]
    created = [a for a in list_audit(lambda: world.uow, ADMIN, str(world.cid)) if a["rule"] == "create"]
    assert len(created) == 2 and all(a["applied"] for a in created)
    again = world.pull(NOW + timedelta(minutes=5))   # linked now: nothing more to create or write
    assert (again.created, again.overwrites, again.linked) == (0, 0, 2) and len(world.menu.items) == 2


def test_a_connection_can_keep_to_linking_by_name(world):
    set_policy(lambda: world.uow, ADMIN, str(world.cid), {"overrides": {}, "create_missing_items": False})
    result = world.pull()
    assert result.created == 0 and set(result.unlinked) == {STEAK, STRIP} and world.menu.items == {}


def test_a_pos_price_change_and_an_86_at_our_location_follow_the_policy(world, square):
    steak = world.menu.add("New York Steak", 2200, description="ours")
    world.pull()
    with square.lock:
        item = catalog_item(square, STEAK)
        item["item_data"]["variations"][0]["item_variation_data"]["price_money"]["amount"] = 2500
        item["absent_at_location_ids"] = ["LOC1"]           # 86'd at the connection's location
        item["item_data"]["description"] = "theirs"
    world.menu.clock = NOW + timedelta(hours=1)
    result = world.pull(NOW + timedelta(hours=1))
    ours = world.menu.items[steak]
    assert (ours["price_cents"], ours["available"], ours["description"]) == (2500, False, "theirs")
    assert ours["kitchen_tags"] == ["grill"] and ours["course"] == "main"   # AuraConnect's fields untouched
    fields = {a["field"]: a for a in list_audit(lambda: world.uow, ADMIN, str(world.cid))}
    assert fields["available"]["rule"] == "lww" and fields["available"]["applied"] is True
    assert result.reviews == 0 and list_reviews(lambda: world.uow, ADMIN, str(world.cid), "open") == []
    # our own write is not mistaken for a change of ours: the POS bringing it back wins by last writer
    with square.lock:
        catalog_item(square, STEAK)["absent_at_location_ids"] = []
    world.pull(NOW + timedelta(hours=2))
    assert world.menu.items[steak]["available"] is True


def test_another_locations_86_is_not_ours(world, square):
    with square.lock:
        catalog_item(square, STEAK)["absent_at_location_ids"] = ["ELSEWHERE"]
        variation = catalog_item(square, STRIP)["item_data"]["variations"][0]["item_variation_data"]
        variation["location_overrides"] = [{"location_id": "LOC1", "sold_out": True}]
    world.pull()
    made = {i["name"]: i for i in world.menu.items.values()}
    assert made["New York Steak"]["available"] is True and made["New York Strip Steak"]["available"] is False


def test_a_resolved_review_is_written_as_the_bridge(world):
    steak = world.menu.add("New York Steak", 2200, available=False)
    world.pull()   # first pull: who 86'd last is unknown: a review
    [review] = list_reviews(lambda: world.uow, ADMIN, str(world.cid), "open")
    done = resolve_review(lambda: world.uow, ADMIN, str(world.cid), review["review_id"], {"choice": "pos"}, NOW,
                          world.menu)
    assert done["resolved_by"] == "a" and world.menu.items[steak]["available"] is True
    assert world.menu.calls[-1][0].subject == "service:pos-bridge"
    manual = [a for a in list_audit(lambda: world.uow, ADMIN, str(world.cid)) if a["rule"] == "manual"]
    assert manual[0]["applied"] is True


def test_without_orders_nothing_is_written_or_applied(world):
    world.menu.add("New York Steak", 2000)
    result = world.pull(writer=None)
    assert result.created == 0 and result.unlinked == (STRIP,) and world.menu.calls == []
    assert [a["applied"] for a in list_audit(lambda: world.uow, ADMIN, str(world.cid))] == [False]


def test_an_item_orders_refuses_is_left_out_and_the_rest_written(world):
    steak = world.menu.add("New York Steak", 2000)
    accept = world.menu.upsert_items

    def refusing(identity, location_id, source, items):
        for index, item in enumerate(items):
            if "Strip" in (item.get("name") or ""):
                raise InvalidInput("must be at most 10 characters", field=f"items[{index}].name")
        return accept(identity, location_id, source, items)

    world.menu.upsert_items = refusing
    result = world.pull()
    assert result.unlinked == (STRIP,) and result.created == 0 and world.menu.items[steak]["price_cents"] == 2200
    [audit] = list_audit(lambda: world.uow, ADMIN, str(world.cid))
    assert audit["applied"] is True and audit["field"] == "price_cents"
    assert world.uow.sync_state.rows[world.cid].last_menu_unlinked == 1


def test_clover_prices_86s_and_categories_map_through():
    clover = FakeClover()
    clover.start()
    try:
        uow, sealer, menu = FakePosBridgeUnitOfWork(), PlainSealer(), FakeOrdersMenu()
        cid = connect(uow, sealer, "clover", clover.url, {"access_token": CLOVER_TOKEN}, DEFAULT_MERCHANT,
                      DEFAULT_MERCHANT)
        result = pull_menu(lambda: uow, sealer, adapters(), menu, cid, NOW, menu)
        made = {i["name"]: i for i in menu.items.values()}
        assert (made["Cheeseburger"]["price_cents"], made["Cheeseburger"]["category"]) == (1099, "Mains")
        assert result.unlinked == ("ITEM000000003",)    # Market fish: VARIABLE price, rung up at the POS
        with clover.lock:
            fries = next(i for i in clover.items if i["id"] == "ITEM000000002")
            fries["price"], fries["available"] = 449, False
        menu.clock = NOW + timedelta(hours=1)
        pull_menu(lambda: uow, sealer, adapters(), menu, cid, NOW + timedelta(hours=1), menu)
        assert (made["Fries"]["item_id"], menu.items[made["Fries"]["item_id"]]["price_cents"]) == (
            made["Fries"]["item_id"], 449)
        assert menu.items[made["Fries"]["item_id"]]["available"] is False
    finally:
        clover.stop()


def test_toast_prices_and_groups_map_through_and_its_silence_on_86s_keeps_ours():
    toast = FakeToast()
    toast.start()
    try:
        uow, sealer, menu = FakePosBridgeUnitOfWork(), PlainSealer(), FakeOrdersMenu()
        crab = menu.add("Crab cakes", 450, available=False)   # 86'd here: Toast's menus say nothing of it
        cid = connect(uow, sealer, "toast", toast.url, {"client_id": DEFAULT_CLIENT_ID,
                                                        "client_secret": DEFAULT_CLIENT_SECRET},
                      "GROUP1", DEFAULT_RESTAURANT)
        result = pull_menu(lambda: uow, sealer, adapters(), menu, cid, NOW, menu)
        assert menu.items[crab]["price_cents"] == 500 and menu.items[crab]["available"] is False
        made = {i["name"]: i for i in menu.items.values()}
        assert (made["Lobster roll"]["price_cents"], made["Lobster roll"]["category"]) == (2450, "Mains")
        assert "available" not in menu.calls[0][3][-1]
        assert result.unlinked == ("9c59d4ab-8242-450f-8f36-b16e1b3ab804",)   # Market fish: OPEN_PRICE
    finally:
        toast.stop()


def test_the_grpc_request_carries_only_the_fields_given():
    message = upsert_message({"external_ref": "X", "item_id": "A", "price_cents": 0, "available": False})
    assert message.HasField("price_cents") and message.price_cents == 0 and message.HasField("available")
    assert not message.HasField("name") and not message.HasField("category_name")


class Refusing:
    """MenuService's stub answering INVALID_ARGUMENT as orders does (field: message)."""

    def __init__(self, details: str) -> None:
        self.details_text = details

    def UpsertMenuItems(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        import grpc

        class Error(grpc.RpcError):
            def code(inner):  # noqa: N805
                return grpc.StatusCode.INVALID_ARGUMENT

            def details(inner):  # noqa: N805
                return self.details_text

        raise Error()


@pytest.mark.parametrize(("details", "field"), [
    ("items[3].name: must be at most 200 characters", "items[3].name"),
    ("source: is required", "menu"),
])
def test_orders_refusals_keep_the_field_of_the_item(details, field):
    from chassis.identity import service_identity
    from pos_bridge.adapters.menu_writer import MenuWriterClient

    client = MenuWriterClient("127.0.0.1:1")
    client.stub = Refusing(details)
    with pytest.raises(InvalidInput) as refused:
        client.upsert_items(service_identity("pos-bridge", str(TENANT)), str(uuid.uuid4()), "pos:square:c",
                            [{"external_ref": "X", "name": "x" * 300}])
    assert refused.value.field == field


def test_a_reconnected_pos_takes_over_the_deleted_connections_links(world, square):
    """An admin deletes the connection and connects the same POS location again (or a test did, earlier):
    the new connection links the same items (no duplicates) and knows what the old one last saw, so a
    price change and an 86 made on the POS meanwhile follow the policy instead of waiting for review."""
    world.pull()
    made = {i["name"]: i["item_id"] for i in world.menu.items.values()}
    delete_connection(lambda: world.uow, ADMIN, str(world.cid), NOW + timedelta(minutes=1))
    with square.lock:
        item = catalog_item(square, STEAK)
        item["item_data"]["variations"][0]["item_variation_data"]["price_money"]["amount"] = 2500
        item["absent_at_location_ids"] = ["LOC1"]
    old = world.uow.connections.rows[0]
    again = create_connection(lambda: world.uow, world.sealer, ADMIN, {
        "provider": "square", "location_id": str(old.location_id), "external_merchant_id": "M1",
        "external_location_id": "LOC1", "api_base_url": square.url,
        "credentials": {"access_token": DEFAULT_TOKEN}}).connection_id
    world.menu.clock = NOW + timedelta(hours=1)
    result = pull_menu(lambda: world.uow, world.sealer, world.providers, world.menu, again,
                       NOW + timedelta(hours=1), world.menu)
    assert (result.created, result.reviews, result.unlinked) == (0, 0, ())
    assert len(world.menu.items) == 2 and {i["name"]: i["item_id"] for i in world.menu.items.values()} == made
    steak = world.menu.items[made["New York Steak"]]
    assert (steak["price_cents"], steak["available"]) == (2500, False)
    assert {link.aura_item_id for link in world.uow.menu_links.rows if link.connection_id == again} == set(
        made.values())


def test_another_merchants_links_are_not_taken_over(world, square):
    """A different POS account at the location (a switch of POS) links by name from scratch: what the
    old account saw says nothing of the new one's items."""
    steak = world.menu.add("New York Steak", 2200, available=False)
    world.pull()
    delete_connection(lambda: world.uow, ADMIN, str(world.cid), NOW + timedelta(minutes=1))
    old = world.uow.connections.rows[0]
    other = create_connection(lambda: world.uow, world.sealer, ADMIN, {
        "provider": "square", "location_id": str(old.location_id), "external_merchant_id": "M2",
        "external_location_id": "LOC1", "api_base_url": square.url,
        "credentials": {"access_token": DEFAULT_TOKEN}}).connection_id
    result = pull_menu(lambda: world.uow, world.sealer, world.providers, world.menu, other,
                       NOW + timedelta(hours=1), world.menu)
    assert result.created == 0 and len(world.menu.items) == 2
    assert world.menu.items[steak]["available"] is False and result.reviews == 1   # who 86'd last: unknown


def test_a_deleted_connection_is_not_pulled(world):
    delete_connection(lambda: world.uow, ADMIN, str(world.cid), NOW)
    with pytest.raises(NotFound):
        world.pull()
    assert world.menu.calls == []
