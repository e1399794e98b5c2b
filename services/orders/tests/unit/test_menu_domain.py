"""The menu's rules, pure: item and group validation, nesting bounds, overrides, pricing with modifiers."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from chassis.errors import Conflict, InvalidInput
from orders.domain.menu import (
    ITEM,
    MAX_NESTING,
    OPTION,
    Category,
    ItemSpec,
    LocationOverride,
    MenuItem,
    ModifierGroup,
    ModifierOption,
    Overrides,
    StaleVersion,
    check_nesting,
    check_version,
    new_override,
    price,
)

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
TENANT, LOCATION = uuid.UUID(int=900), uuid.UUID(int=901)
_ids = iter(range(1, 10_000))


def uid() -> uuid.UUID:
    return uuid.UUID(int=next(_ids))


def item(price_cents: int = 1000, groups: tuple[uuid.UUID, ...] = (), **changes) -> MenuItem:
    spec = ItemSpec(category_id=uuid.UUID(int=7), name="Burger", price_cents=price_cents, modifier_group_ids=groups,
                    **changes)
    return MenuItem.create(item_id=uid(), tenant_id=TENANT, spec=spec, at=AT)


def option(name: str, delta: int = 0, default: bool = False, opens: uuid.UUID | None = None) -> ModifierOption:
    return ModifierOption(uid(), name, delta, default, opens)


def group(name: str, options: list[ModifierOption], low: int = 0, high: int = 1) -> ModifierGroup:
    return ModifierGroup.create(group_id=uid(), tenant_id=TENANT, name=name, min_selections=low,
                                max_selections=high, options=options, at=AT)


def override(target_type: str, target_id: uuid.UUID, price_cents: int | None = None,
             available: bool = True) -> LocationOverride:
    return LocationOverride(TENANT, LOCATION, target_type, target_id, price_cents, available, AT)


def field_of(error_info) -> str:
    return error_info.value.field


# ---- items
def test_an_item_gets_defaults_and_normalised_tags():
    made = item(kitchen_tags=("Grill", "grill", " Bar "), allergens=("Gluten",))
    assert (made.tax_category, made.course, made.active, made.version) == ("prepared_food", "main", True, 1)
    assert made.kitchen_tags == ("grill", "bar") and made.allergens == ("gluten",)


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"), ({"name": "x" * 201}, "name"),
    ({"price_cents": -1}, "price_cents"), ({"price_cents": 10**9 + 1}, "price_cents"),
    ({"tax_category": "food"}, "tax_category"), ({"course": "brunch"}, "course"),
    ({"prep_time_seconds": -1}, "prep_time_seconds"), ({"prep_time_seconds": 86_401}, "prep_time_seconds"),
    ({"kitchen_tags": ("",)}, "kitchen_tags[0]"), ({"allergens": tuple(f"a{i}" for i in range(21))}, "allergens"),
    ({"description": "d" * 2001}, "description"),
    ({"modifier_group_ids": (uuid.UUID(int=1), uuid.UUID(int=1))}, "modifier_group_ids"),
])
def test_a_bad_item_value_names_its_field(changes, field):
    made = item()
    with pytest.raises(InvalidInput) as raised:
        made.change(ItemSpec(**changes), at=AT)
    assert field_of(raised) == field


def test_an_item_needs_a_category_name_and_price():
    for missing in ("category_id", "name", "price_cents"):
        values = {"category_id": uid(), "name": "Soup", "price_cents": 500} | {missing: None}
        with pytest.raises(InvalidInput) as raised:
            MenuItem.create(item_id=uid(), tenant_id=TENANT, spec=ItemSpec(**values), at=AT)
        assert field_of(raised) == missing


def test_changing_an_item_bumps_its_version_and_keeps_what_was_not_sent():
    made = item(course="dessert")
    made.change(ItemSpec(price_cents=1200), at=AT.replace(hour=13))
    assert (made.price_cents, made.course, made.version, made.updated_at.hour) == (1200, "dessert", 2, 13)


def test_versions():
    check_version(3, 3)
    with pytest.raises(StaleVersion) as raised:
        check_version(4, 3)
    assert raised.value.http_status == 412 and field_of(raised) == "version"


def test_categories_validate_and_version():
    category = Category.create(category_id=uid(), tenant_id=TENANT, name=" Drinks ", at=AT)
    assert category.name == "Drinks"
    category.change(at=AT, active=False)
    assert (category.active, category.version) == (False, 2)
    with pytest.raises(InvalidInput) as raised:
        category.change(at=AT, position=-1)
    assert field_of(raised) == "position"


# ---- modifier groups
@pytest.mark.parametrize(("low", "high", "defaults", "field"), [
    (2, 1, 0, "min_selections"), (0, 0, 0, "max_selections"), (0, 4, 0, "max_selections"),
    (0, 1, 2, "options"), (-1, 1, 0, "min_selections"),
])
def test_group_counts(low, high, defaults, field):
    options = [option(f"o{i}", default=i < defaults) for i in range(3)]
    with pytest.raises(InvalidInput) as raised:
        group("Size", options, low, high)
    assert field_of(raised) == field


def test_group_options_are_validated_and_required_follows_min():
    assert group("Size", [option("S")], 1, 1).required and not group("Extras", [option("Egg")]).required
    with pytest.raises(InvalidInput) as raised:
        group("Size", [option("S"), option(" ")])
    assert field_of(raised) == "options[1].name"
    with pytest.raises(InvalidInput) as raised:
        group("Size", [option("S", delta=10**9 + 1)])
    assert field_of(raised) == "options[0].price_delta_cents"
    with pytest.raises(InvalidInput) as raised:
        group("Size", [])
    assert field_of(raised) == "options"
    assert group("No cheese", [option("No cheese", delta=-50)]).options[0].price_delta_cents == -50


def test_a_group_cannot_open_itself_nor_repeat_an_option():
    made = group("A", [option("x")])
    with pytest.raises(InvalidInput) as raised:
        made.change(at=AT, options=[ModifierOption(uid(), "y", opens_group_id=made.group_id)])
    assert field_of(raised) == "options[0].opens_group_id"
    same = option("z")
    with pytest.raises(InvalidInput):
        made.change(at=AT, options=[same, same])


def chain(length: int) -> list[ModifierGroup]:
    """Groups g0 -> g1 -> ... (each one's only option opens the next)."""
    groups = [group("g-last", [option("leaf")])]
    for index in range(length - 1):
        groups.insert(0, group(f"g{index}", [option("step", opens=groups[0].group_id)]))
    return groups


def test_nesting_up_to_the_bound_is_fine():
    groups = chain(MAX_NESTING)
    check_nesting({g.group_id: g for g in groups[1:]}, groups[0])


def test_nesting_deeper_than_the_bound_is_refused_naming_the_option():
    groups = chain(MAX_NESTING)
    top = group("top", [option("plain"), option("deeper", opens=groups[0].group_id)])
    with pytest.raises(InvalidInput) as raised:
        check_nesting({g.group_id: g for g in groups}, top)
    assert field_of(raised) == "options[1].opens_group_id"


def test_a_group_opened_from_above_counts_the_chain_above_it():
    groups = chain(MAX_NESTING)  # g0 -> g1 -> g-last
    last = groups[-1]
    extra = group("extra", [option("e")])
    last.change(at=AT, options=[option("leaf", opens=extra.group_id)])
    with pytest.raises(InvalidInput):
        check_nesting({g.group_id: g for g in [*groups[:-1], extra]}, last)


def test_a_loop_is_refused_and_an_unknown_group_too():
    first, second = chain(2)
    first_again = group("first", [option("back")])
    first_again.group_id = first.group_id
    first_again.options = [option("to second", opens=second.group_id)]
    second.change(at=AT, options=[option("back", opens=first.group_id)])
    with pytest.raises(InvalidInput):
        check_nesting({first.group_id: first_again}, second)
    with pytest.raises(InvalidInput) as raised:
        check_nesting({}, group("x", [option("to nowhere", opens=uid())]))
    assert "no such" in raised.value.message


# ---- overrides
def test_overrides_apply_price_and_availability():
    made = item(1000)
    assert Overrides().item(made) .price_cents == 1000
    here = Overrides.of([override(ITEM, made.item_id, 1250)]).item(made)
    assert (here.price_cents, here.price_overridden, here.available) == (1250, True, True)
    assert not Overrides.of([override(ITEM, made.item_id, available=False)]).item(made).available
    assert not Overrides().item(made, category_active=False).available
    made.change(ItemSpec(active=False), at=AT)
    assert not Overrides().item(made).available


def test_an_override_starts_at_version_zero_and_checks_its_price():
    made = new_override(TENANT, LOCATION, ITEM, uid(), AT)
    assert (made.version, made.available, made.price_cents) == (0, True, None)
    made.set(price_cents=900, available=False, at=AT)
    assert made.version == 1
    with pytest.raises(InvalidInput) as raised:
        made.set(price_cents=-1, available=True, at=AT)
    assert field_of(raised) == "price_cents"
    new_override(TENANT, LOCATION, OPTION, uid(), AT).set(price_cents=-100, available=True, at=AT)


# ---- pricing one item
@pytest.fixture
def burger():
    """A burger: Size (exactly 1, default Regular), Extras (0..2), Side (1, opens Dressing for Salad)."""
    dressing = group("Dressing", [option("Ranch", default=True), option("Vinaigrette", 25)], 1, 1)
    side = group("Side", [option("Fries", default=True), option("Salad", 100, opens=dressing.group_id)], 1, 1)
    size = group("Size", [option("Regular", default=True), option("Large", 300)], 1, 1)
    extras = group("Extras", [option("Bacon", 200), option("Egg", 150), option("Cheese", 100)], 0, 2)
    unrelated = group("Milk", [option("Oat", 60)], 0, 1)
    made = item(1000, (size.group_id, extras.group_id, side.group_id), kitchen_tags=("grill",))
    groups = {g.group_id: g for g in (size, extras, side, dressing, unrelated)}
    names = {o.name: o.option_id for g in groups.values() for o in g.options}
    return made, groups, names


def price_of(burger, chosen: list[str], overrides: Overrides | None = None, prefix: str = "lines[0]"):
    made, groups, names = burger
    ids = [names.get(name, uuid.UUID(int=0)) for name in chosen]
    return price(made, category_active=True, groups=groups, overrides=overrides or Overrides(), modifier_ids=ids,
                 field_prefix=prefix)


def test_no_selection_takes_the_defaults(burger):
    priced = price_of(burger, [])
    assert [(m.name, m.defaulted) for m in priced.modifiers] == [("Regular", True), ("Fries", True)]
    assert (priced.base_price_cents, priced.unit_price_cents, priced.kitchen_tags) == (1000, 1000, ("grill",))


def test_selections_add_their_deltas_and_replace_defaults(burger):
    priced = price_of(burger, ["Large", "Bacon", "Egg", "Salad"])
    names = [(m.group_name, m.name, m.defaulted) for m in priced.modifiers]
    assert names == [("Size", "Large", False), ("Extras", "Bacon", False), ("Extras", "Egg", False),
                     ("Side", "Salad", False), ("Dressing", "Ranch", True)]
    assert priced.unit_price_cents == 1000 + 300 + 200 + 150 + 100


def test_a_nested_group_is_offered_only_when_its_option_is_chosen(burger):
    assert price_of(burger, ["Salad", "Vinaigrette"]).unit_price_cents == 1000 + 100 + 25
    with pytest.raises(InvalidInput) as raised:
        price_of(burger, ["Fries", "Vinaigrette"])
    assert field_of(raised) == "lines[0].modifier_ids[1]"


@pytest.mark.parametrize(("chosen", "field"), [
    (["Bacon", "Egg", "Cheese"], "lines[0].modifier_ids"),         # above max
    (["Regular", "Large"], "lines[0].modifier_ids"),               # above max of an exactly-one group
    (["nonsense"], "lines[0].modifier_ids[0]"),                    # unknown
    (["Oat"], "lines[0].modifier_ids[0]"),                         # a group the item does not offer
    (["Bacon", "Bacon"], "lines[0].modifier_ids[1]"),              # twice
])
def test_bad_selections_name_the_field(burger, chosen, field):
    with pytest.raises(InvalidInput) as raised:
        price_of(burger, chosen)
    assert field_of(raised) == field


def test_below_min_when_no_default_exists(burger):
    made, groups, names = burger
    size = next(g for g in groups.values() if g.name == "Size")
    size.options = [ModifierOption(o.option_id, o.name, o.price_delta_cents, False) for o in size.options]
    with pytest.raises(InvalidInput) as raised:
        price_of(burger, [])
    assert field_of(raised) == "lines[0].modifier_ids" and "Size takes exactly 1, got 0" in raised.value.message


def test_an_86d_item_or_option_is_a_conflict_naming_it(burger):
    made, _, names = burger
    with pytest.raises(Conflict) as raised:
        price_of(burger, [], Overrides.of([override(ITEM, made.item_id, available=False)]))
    assert field_of(raised) == "lines[0].item_id" and "86" in raised.value.message
    with pytest.raises(Conflict) as raised:
        price_of(burger, ["Bacon"], Overrides.of([override(OPTION, names["Bacon"], available=False)]))
    assert field_of(raised) == "lines[0].modifier_ids[0]"


def test_an_86d_default_is_not_applied(burger):
    _, _, names = burger
    overrides = Overrides.of([override(OPTION, names["Fries"], available=False)])
    with pytest.raises(InvalidInput) as raised:  # Side needs one, and its default is gone: the guest must pick
        price_of(burger, [], overrides)
    assert "Side" in raised.value.message
    assert [m.name for m in price_of(burger, ["Salad"], overrides).modifiers] == ["Regular", "Salad", "Ranch"]


def test_location_prices_apply_and_the_unit_price_never_goes_negative(burger):
    made, _, names = burger
    overrides = Overrides.of([override(ITEM, made.item_id, 1500), override(OPTION, names["Large"], 500)])
    priced = price_of(burger, ["Large"], overrides)
    assert (priced.base_price_cents, priced.unit_price_cents) == (1500, 2000)
    cheap = Overrides.of([override(ITEM, made.item_id, 0), override(OPTION, names["Large"], -300)])
    assert price_of(burger, ["Large"], cheap).unit_price_cents == 0


def test_an_inactive_item_or_category_is_not_on_the_menu(burger):
    made, groups, _ = burger
    with pytest.raises(Conflict) as raised:
        price(made, category_active=False, groups=groups, overrides=Overrides(), modifier_ids=[])
    assert field_of(raised) == "item_id" and "not on the menu" in raised.value.message


def test_too_many_selections_are_refused(burger):
    made, groups, _ = burger
    with pytest.raises(InvalidInput) as raised:
        price(made, category_active=True, groups=groups, overrides=Overrides(),
              modifier_ids=[uid() for _ in range(101)], field_prefix="x")
    assert field_of(raised) == "x.modifier_ids"
