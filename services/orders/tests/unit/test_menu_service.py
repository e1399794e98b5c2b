"""Menu use cases against fakes: what each stages, commits and refuses; pricing through the port."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from auraconnect.orders.v1 import menu_events_pb2 as ev
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.domain.menu import ItemSpec, StaleVersion
from orders.service_layer import menu
from orders.service_layer.menu import TOPIC, MenuFromUnitOfWork, OptionInput

from services.orders.tests.unit.fakes import (
    LOCATION,
    NOW,
    OTHER_LOCATION,
    TENANT,
    FakeLocations,
    FixedClock,
    identity,
)

pytestmark = pytest.mark.unit

LOCATIONS = FakeLocations()


@pytest.fixture
def who():
    return identity()


@pytest.fixture
def built(uow, clock, ids, who):
    """A category, a Size group (exactly one, default Regular), and a Burger offering it."""
    factory = lambda: uow  # noqa: E731
    category = menu.create_category(factory, who, name="Mains", clock=clock, new_id=ids)
    size = menu.create_group(factory, who, name="Size", min_selections=1, max_selections=1,
                             options=[OptionInput("Regular", 0, True), OptionInput("Large", 300)],
                             clock=clock, new_id=ids)
    burger = menu.create_item(factory, who, ItemSpec(category_id=category.category_id, name="Burger",
                                                     price_cents=1000, modifier_group_ids=(size.group_id,),
                                                     tax_category="prepared_food", course="main"),
                              clock=clock, new_id=ids)
    return factory, category, size, burger


def test_creating_stages_one_event_each_on_the_menu_topic(uow, built):
    _, category, size, burger = built
    assert uow.commits == 3 and {e.topic for e in uow.events} == {TOPIC}
    assert [type(e.message).__name__ for e in uow.events] == ["MenuCategoryChanged", "ModifierGroupChanged",
                                                              "MenuItemCreated"]
    created = uow.events_of(ev.MenuItemCreated)[0]
    assert uow.events[2].key == str(burger.item_id) and created.item.name == "Burger"
    assert created.item.price_cents == 1000 and created.item.modifier_group_ids == [str(size.group_id)]
    assert created.item.tenant_id == str(TENANT)


def test_changing_an_item_needs_the_current_version(uow, built, clock, who):
    factory, _, _, burger = built
    later = FixedClock(NOW + timedelta(minutes=5))
    changed = menu.change_item(factory, who, str(burger.item_id), 1, ItemSpec(price_cents=1100), clock=later)
    assert (changed.version, changed.price_cents, changed.updated_at) == (2, 1100, later())
    assert uow.events_of(ev.MenuItemChanged)[0].item.version == 2
    with pytest.raises(StaleVersion):
        menu.change_item(factory, who, str(burger.item_id), 1, ItemSpec(price_cents=1200), clock=clock)
    assert menu.get_item(factory, who, str(burger.item_id)).price_cents == 1100


def test_references_are_checked(built, clock, ids, who):
    factory, category, _, burger = built
    with pytest.raises(InvalidInput) as raised:
        menu.create_item(factory, who, ItemSpec(category_id=uuid.uuid4(), name="X", price_cents=1), clock=clock,
                         new_id=ids)
    assert raised.value.field == "category_id"
    with pytest.raises(InvalidInput) as raised:
        menu.change_item(factory, who, str(burger.item_id), 1, ItemSpec(modifier_group_ids=(uuid.uuid4(),)),
                         clock=clock)
    assert raised.value.field == "modifier_group_ids[0]"
    with pytest.raises(NotFound) as raised:
        menu.get_item(factory, who, str(uuid.uuid4()))
    assert raised.value.field == "item_id"
    with pytest.raises(InvalidInput) as raised:
        menu.get_item(factory, who, "not-a-uuid")
    assert raised.value.field == "item_id"
    other_tenant = identity(tenant=uuid.uuid4())
    with pytest.raises(NotFound):
        menu.get_item(factory, other_tenant, str(burger.item_id))


def test_group_options_keep_their_ids_when_sent_and_nesting_is_bounded(built, clock, ids, who):
    factory, _, size, _ = built
    regular, large = size.options
    changed = menu.change_group(factory, who, str(size.group_id), 1, clock=clock, new_id=ids, options=[
        OptionInput("Regular", 0, True, option_id=str(regular.option_id)), OptionInput("Huge", 500)])
    assert changed.options[0].option_id == regular.option_id and changed.options[1].option_id != large.option_id
    with pytest.raises(InvalidInput) as raised:
        menu.change_group(factory, who, str(size.group_id), 2, clock=clock, new_id=ids,
                          options=[OptionInput("Stolen", option_id=str(uuid.uuid4()))])
    assert raised.value.field == "options[0].option_id"
    # a chain of four groups is one too many
    inner = menu.create_group(factory, who, name="L3", min_selections=0, max_selections=1,
                              options=[OptionInput("x")], clock=clock, new_id=ids)
    middle = menu.create_group(factory, who, name="L2", min_selections=0, max_selections=1,
                               options=[OptionInput("y", opens_group_id=str(inner.group_id))], clock=clock, new_id=ids)
    top = menu.create_group(factory, who, name="L1", min_selections=0, max_selections=1,
                            options=[OptionInput("z", opens_group_id=str(middle.group_id))], clock=clock, new_id=ids)
    with pytest.raises(InvalidInput) as raised:
        menu.create_group(factory, who, name="L0", min_selections=0, max_selections=1,
                          options=[OptionInput("w", opens_group_id=str(top.group_id))], clock=clock, new_id=ids)
    assert raised.value.field == "options[0].opens_group_id"
    with pytest.raises(InvalidInput) as raised:  # a loop
        menu.change_group(factory, who, str(inner.group_id), 1, clock=clock, new_id=ids,
                          options=[OptionInput("back", opens_group_id=str(top.group_id))])
    assert raised.value.field == "options[0].opens_group_id"


def test_deleting_refuses_what_is_still_used(uow, built, clock, who):
    factory, category, size, burger = built
    with pytest.raises(Conflict):
        menu.delete_category(factory, who, str(category.category_id), 1, clock=clock)
    with pytest.raises(Conflict):
        menu.delete_group(factory, who, str(size.group_id), 1, clock=clock)
    with pytest.raises(StaleVersion):
        menu.delete_item(factory, who, str(burger.item_id), 7, clock=clock)
    menu.delete_item(factory, who, str(burger.item_id), 1, clock=clock)
    assert uow.events_of(ev.MenuItemDeleted)[0].item_id == str(burger.item_id)
    menu.delete_group(factory, who, str(size.group_id), 1, clock=clock)
    menu.delete_category(factory, who, str(category.category_id), 1, clock=clock)
    assert menu.list_categories(factory, who) == [] and menu.list_items(factory, who) == []
    assert [e.deleted for e in uow.events_of(ev.ModifierGroupChanged)] == [False, True]


def test_86ing_an_item_publishes_once_and_pricing_refuses_it(uow, built, clock, who):
    factory, _, _, burger = built
    menu.set_item_availability(factory, who, str(burger.item_id), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    menu.set_item_availability(factory, who, str(burger.item_id), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)  # no change
    changed = uow.events_of(ev.MenuItemAvailabilityChanged)
    assert len(changed) == 1 and (changed[0].available, changed[0].location_id, changed[0].item_name) == (
        False, str(LOCATION), "Burger")
    assert changed[0].changed_by == who.subject
    lookup = MenuFromUnitOfWork(factory)
    with pytest.raises(Conflict) as raised:
        lookup.priced_item(TENANT, LOCATION, burger.item_id, [], NOW, field_prefix="lines[3]")
    assert raised.value.field == "lines[3].item_id"
    assert lookup.priced_item(TENANT, OTHER_LOCATION, burger.item_id, [], NOW).unit_price_cents == 1000
    menu.set_item_availability(factory, who, str(burger.item_id), str(LOCATION), True,
                               locations=LOCATIONS, clock=clock)
    assert lookup.priced_item(TENANT, LOCATION, burger.item_id, [], NOW).available


def test_a_price_override_applies_at_its_location_only(uow, built, clock, who):
    factory, _, size, burger = built
    large = size.options[1].option_id
    override = menu.set_item_override(factory, who, str(burger.item_id), str(LOCATION), price_cents=1250,
                                      available=True, version=0, locations=LOCATIONS, clock=clock)
    assert override.version == 1
    event = uow.events_of(ev.MenuItemPriceOverridden)[0]
    assert (event.price_cents, event.price_overridden) == (1250, True)
    assert not uow.events_of(ev.MenuItemAvailabilityChanged)
    priced = menu.price_item(factory, TENANT, LOCATION, burger.item_id, [large], NOW, field_prefix="lines[0]")
    assert (priced.base_price_cents, priced.unit_price_cents, priced.modifiers[0].name) == (1250, 1550, "Large")
    assert menu.price_item(factory, TENANT, OTHER_LOCATION, burger.item_id, [large], NOW).unit_price_cents == 1300
    with pytest.raises(StaleVersion):
        menu.set_item_override(factory, who, str(burger.item_id), str(LOCATION), price_cents=None,
                               available=True, version=0, locations=LOCATIONS, clock=clock)
    menu.set_item_override(factory, who, str(burger.item_id), str(LOCATION), price_cents=None, available=True,
                           locations=LOCATIONS, clock=clock)
    cleared = uow.events_of(ev.MenuItemPriceOverridden)[1]
    assert (cleared.price_cents, cleared.price_overridden) == (1000, False)


def test_86ing_an_option_and_pricing_it(uow, built, clock, who):
    factory, _, size, burger = built
    large = size.options[1].option_id
    menu.set_option_availability(factory, who, str(large), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    event = uow.events_of(ev.ModifierOptionAvailabilityChanged)[0]
    assert (event.option_name, event.group_id, event.available) == ("Large", str(size.group_id), False)
    assert uow.events[-1].key == str(size.group_id)
    with pytest.raises(Conflict) as raised:
        menu.price_item(factory, TENANT, LOCATION, burger.item_id, [large], NOW, field_prefix="lines[1]")
    assert raised.value.field == "lines[1].modifier_ids[0]"
    with pytest.raises(NotFound) as raised:
        menu.set_option_availability(factory, who, str(uuid.uuid4()), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    assert raised.value.field == "option_id"


def test_pricing_names_unknown_and_foreign_options(built, clock, ids, who):
    factory, _, _, burger = built
    milk = menu.create_group(factory, who, name="Milk", min_selections=0, max_selections=1,
                             options=[OptionInput("Oat", 60)], clock=clock, new_id=ids)
    with pytest.raises(InvalidInput) as raised:
        menu.price_item(factory, TENANT, LOCATION, burger.item_id, [milk.options[0].option_id], NOW,
                        field_prefix="lines[0]")
    assert raised.value.field == "lines[0].modifier_ids[0]" and "Milk" in raised.value.message
    with pytest.raises(InvalidInput) as raised:
        menu.price_item(factory, TENANT, LOCATION, burger.item_id, [uuid.uuid4()], NOW, field_prefix="lines[0]")
    assert "no such modifier option" in raised.value.message
    with pytest.raises(NotFound) as raised:
        menu.price_item(factory, TENANT, LOCATION, uuid.uuid4(), [], NOW, field_prefix="lines[2]")
    assert raised.value.field == "lines[2].item_id"


def test_the_location_menu_applies_overrides_and_filters(built, clock, ids, who):
    factory, category, size, burger = built
    fries = menu.create_item(factory, who, ItemSpec(category_id=category.category_id, name="Fries", price_cents=400,
                                                    course="side"), clock=clock, new_id=ids)
    menu.set_item_override(factory, who, str(burger.item_id), str(LOCATION), price_cents=1100, available=True,
                           locations=LOCATIONS, clock=clock)
    menu.set_item_availability(factory, who, str(fries.item_id), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    menu.set_option_availability(factory, who, str(size.options[1].option_id), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    full = menu.location_menu(factory, who, str(LOCATION), locations=LOCATIONS)
    assert [(i.item.name, i.price_cents, i.available) for i in full.items] == [("Burger", 1100, True),
                                                                               ("Fries", 400, False)]
    assert [(o.option.name, o.available) for o in full.groups[0][1]] == [("Regular", True), ("Large", False)]
    available = menu.location_menu(factory, who, str(LOCATION), locations=LOCATIONS, available_only=True)
    assert [i.item.name for i in available.items] == ["Burger"]
    assert [o.option.name for o in available.groups[0][1]] == ["Regular"]
    elsewhere = menu.location_items(factory, who, str(OTHER_LOCATION), locations=LOCATIONS, available_only=True)
    assert [(i.item.name, i.price_cents) for i in elsewhere] == [("Burger", 1000), ("Fries", 400)]
    since = menu.location_items(factory, who, str(LOCATION), locations=LOCATIONS,
                                updated_since=NOW + timedelta(seconds=1))
    assert since == []
    by_category = menu.location_items(factory, who, str(LOCATION), locations=LOCATIONS,
                                      category_id=str(uuid.uuid4()))
    assert by_category == []


def test_a_user_limited_to_other_locations_cannot_read_or_change_this_one(built, clock):
    factory, _, _, burger = built
    elsewhere = identity(location_ids=(str(OTHER_LOCATION),))
    with pytest.raises(PermissionDenied) as raised:
        menu.location_menu(factory, elsewhere, str(LOCATION), locations=LOCATIONS)
    assert raised.value.field == "location_id"
    with pytest.raises(PermissionDenied):
        menu.set_item_availability(factory, elsewhere, str(burger.item_id), str(LOCATION), False,
                                locations=LOCATIONS, clock=clock)
    with pytest.raises(InvalidInput) as raised:
        menu.location_menu(factory, elsewhere, "nowhere", locations=LOCATIONS)
    assert raised.value.field == "location_id"


def test_a_refused_change_publishes_nothing(uow, built, clock, who):
    factory, category, _, _ = built
    before = len(uow.events)
    with pytest.raises(InvalidInput):
        menu.change_category(factory, who, str(category.category_id), 1, name=" ", clock=clock)
    assert len(uow.events) == before and menu.list_categories(factory, who)[0].name == "Mains"


def test_a_location_of_another_tenant_is_not_found_before_anything_is_written(uow, built, clock, who):
    factory, _, _, burger = built
    elsewhere, before = uuid.uuid4(), len(uow.events)
    with pytest.raises(NotFound) as raised:
        menu.location_menu(factory, who, str(elsewhere), locations=LOCATIONS)
    assert raised.value.field == "location_id"
    with pytest.raises(NotFound):
        menu.set_item_availability(factory, who, str(burger.item_id), str(elsewhere), False, locations=LOCATIONS,
                                   clock=clock)
    assert len(uow.events) == before and LOCATIONS.checked[-1] == elsewhere


def test_pricing_takes_ids_as_strings_and_names_a_malformed_one(built):
    factory, _, size, burger = built
    large = str(size.options[1].option_id)
    assert menu.price_item(factory, TENANT, LOCATION, str(burger.item_id), [large], NOW).unit_price_cents == 1300
    with pytest.raises(InvalidInput) as raised:
        menu.price_item(factory, TENANT, LOCATION, str(burger.item_id), [large, "x"], NOW, field_prefix="lines[4]")
    assert raised.value.field == "lines[4].modifier_ids[1]"
    with pytest.raises(InvalidInput) as raised:
        menu.price_item(factory, TENANT, LOCATION, "x", [], NOW, field_prefix="lines[4]")
    assert raised.value.field == "lines[4].item_id"
