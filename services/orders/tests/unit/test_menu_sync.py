"""UpsertMenuItems' use case on fakes: items created or updated by external reference, categories by
name, price and availability at the location, the REST menu's events, idempotent, fields named."""
from __future__ import annotations

import pytest
from auraconnect.orders.v1 import menu_events_pb2 as ev
from auraconnect.orders.v1 import menu_service_pb2 as pb
from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from orders.domain.menu import ItemSpec
from orders.entrypoints.grpc_menu import _upsert
from orders.service_layer import menu
from orders.service_layer.menu_sync import ItemUpsert, upsert_items

from services.orders.tests.unit.fakes import LOCATION, MANAGER, OTHER_LOCATION, TENANT, FakeLocations

pytestmark = pytest.mark.unit

BRIDGE = Identity(subject="service:pos-bridge", tenant_id=str(TENANT), permissions=MANAGER)
SOURCE = "pos:square:c1"


@pytest.fixture
def upsert(uow, clock, ids):
    def run(*items: ItemUpsert, location=LOCATION):
        return upsert_items(lambda: uow, BRIDGE, str(location), SOURCE, list(items), locations=FakeLocations(),
                            clock=clock, new_id=ids)
    return run


def steak(**changes) -> ItemUpsert:
    return ItemUpsert(**({"external_ref": "SQ-STEAK", "name": "New York Steak", "price_cents": 2200,
                          "category_name": "Mains", "available": True} | changes))


def test_a_new_reference_creates_the_item_and_its_category_with_the_rest_events(uow, upsert):
    [done] = upsert(steak(description="Dry aged"))
    assert done.created and done.changed
    assert (done.item.item.name, done.item.price_cents, done.item.available) == ("New York Steak", 2200, True)
    assert not done.item.price_overridden and done.item.item.description == "Dry aged"
    assert [type(e.message).__name__ for e in uow.events] == ["MenuCategoryChanged", "MenuItemCreated"]
    assert uow.events_of(ev.MenuItemCreated)[0].item.price_cents == 2200
    [category] = menu.list_categories(lambda: uow, BRIDGE)
    assert category.name == "Mains" and done.item.item.category_id == category.category_id


def test_the_same_values_again_change_nothing_and_publish_nothing(uow, upsert):
    [first] = upsert(steak())
    published = len(uow.events)
    [again] = upsert(steak())
    assert not again.created and not again.changed and again.item.item.item_id == first.item.item.item_id
    assert len(uow.events) == published and len(menu.list_items(lambda: uow, BRIDGE)) == 1


def test_a_new_price_is_the_locations_and_an_86_is_published(uow, upsert):
    [first] = upsert(steak())
    [moved] = upsert(steak(price_cents=2400, available=False))
    assert moved.changed and (moved.item.price_cents, moved.item.price_overridden, moved.item.available) == (
        2400, True, False)
    assert moved.item.item.price_cents == 2200 and moved.item.item.version == first.item.item.version
    assert uow.events_of(ev.MenuItemPriceOverridden)[-1].price_cents == 2400
    assert uow.events_of(ev.MenuItemAvailabilityChanged)[-1].available is False
    [elsewhere] = menu.location_items(lambda: uow, BRIDGE, str(OTHER_LOCATION), locations=FakeLocations())
    assert (elsewhere.price_cents, elsewhere.available) == (2200, True)   # the other location keeps its own
    [back] = upsert(steak(price_cents=2200))
    assert not back.item.price_overridden and back.item.price_cents == 2200


def test_an_existing_item_is_linked_and_only_the_fields_sent_change(uow, upsert, clock, ids):
    category = menu.create_category(lambda: uow, BRIDGE, name="Grill", clock=clock, new_id=ids)
    ours = menu.create_item(lambda: uow, BRIDGE, ItemSpec(category_id=category.category_id, name="NY Steak",
                                                          price_cents=2000, kitchen_tags=("grill",)),
                            clock=clock, new_id=ids)
    [done] = upsert(ItemUpsert(external_ref="SQ-STEAK", item_id=str(ours.item_id), name="New York Steak"))
    assert not done.created and done.changed
    item = menu.get_item(lambda: uow, BRIDGE, str(ours.item_id))
    assert (item.name, item.kitchen_tags, item.price_cents, item.category_id, item.version) == (
        "New York Steak", ("grill",), 2000, category.category_id, 2)
    assert uow.events_of(ev.MenuItemChanged)[-1].item.name == "New York Steak"
    [by_ref] = upsert(ItemUpsert(external_ref="SQ-STEAK", price_cents=2100))   # found by its reference now
    assert by_ref.item.item.item_id == ours.item_id and by_ref.item.price_cents == 2100


@pytest.mark.parametrize(("item", "field"), [
    (steak(price_cents=-1), "items[1].price_cents"),
    (steak(name=" "), "items[1].name"),
    (steak(tax_category="candy"), "items[1].tax_category"),
    (steak(category_name=""), "items[1].category_name"),
    (steak(category_name=None), "items[1].category_name"),
    (steak(external_ref=""), "items[1].external_ref"),
    (steak(external_ref="OK"), "items[1].external_ref"),        # repeated
    (steak(name="a\x00b"), "items[1].name"),
    (steak(item_id="not-a-uuid"), "items[1].item_id"),
])
def test_bad_input_names_the_field_and_writes_nothing(uow, upsert, item, field):
    with pytest.raises(InvalidInput) as bad:
        upsert(steak(external_ref="OK"), item)
    assert bad.value.field == field
    assert menu.list_items(lambda: uow, BRIDGE) == [] and uow.events == []


def test_an_unknown_item_id_is_not_found_naming_it(upsert):
    with pytest.raises(NotFound) as missing:
        upsert(ItemUpsert(external_ref="X", item_id="00000000-0000-4000-8000-0000000000ff", name="X"))
    assert missing.value.field == "items[0].item_id"


def test_the_grpc_request_maps_unset_fields_to_keep():
    sent = pb.MenuItemUpsert(external_ref="R", price_cents=0, available=False)
    assert _upsert(sent) == ItemUpsert(external_ref="R", price_cents=0, available=False)
    tagged = _upsert(pb.MenuItemUpsert(external_ref="R", kitchen_tags=["grill"], set_kitchen_tags=True))
    assert tagged.kitchen_tags == ("grill",) and tagged.name is None


def test_an_item_of_the_same_name_from_another_source_is_linked_not_duplicated(uow, clock, ids, upsert):
    """A deleted POS connection (another source) made the steak; the new connection, not knowing it yet,
    asks to create it: orders links the one it has (no second steak), the POS's price at the location,
    our category and availability kept."""
    [old] = upsert_items(lambda: uow, BRIDGE, str(LOCATION), "pos:square:deleted", [steak(external_ref="OLD")],
                         locations=FakeLocations(), clock=clock, new_id=ids)
    menu.set_item_availability(lambda: uow, BRIDGE, str(old.item.item.item_id), str(LOCATION), False,
                          locations=FakeLocations(), clock=clock)
    categories = len(menu.list_categories(lambda: uow, BRIDGE))
    [linked] = upsert(steak(name=" new york STEAK ", price_cents=2500, category_name="POS Grill", available=True))
    assert not linked.created and linked.item.item.item_id == old.item.item.item_id
    assert [i.name for i in menu.list_items(lambda: uow, BRIDGE)] == ["New York Steak"]
    assert (linked.item.price_cents, linked.item.available) == (2500, False)
    assert len(menu.list_categories(lambda: uow, BRIDGE)) == categories
    [again] = upsert(steak(price_cents=2600))   # the new source's reference now points at it
    assert again.item.item.item_id == old.item.item.item_id and again.item.price_cents == 2600
