"""Pricing use cases on fakes: rules management (versions, locations, tenants), quotes in the
location's time zone, manager discounts and their permission, discounts_for for the checks."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from orders.domain.pricing import BasketLine, LineDiscount, ManagerDiscount, RuleInput, StaleVersion
from orders.service_layer import pricing

from services.orders.tests.unit.fakes import LOCATION, OTHER_LOCATION, TENANT, FakeTimeZones, FixedClock, identity

pytestmark = pytest.mark.unit

HAPPY_HOUR = RuleInput("Happy hour", {"type": "percent_off", "percent": "20"}, target={"categories": ["drinks"]},
                       windows=[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "16:00", "end": "18:00"}])
B2G1 = RuleInput("Wings: buy 2 get 1", {"type": "buy_x_get_y", "buy": 2, "get": 1}, target={"tags": ["wings"]})
# Monday 2026-03-16: New York is on summer time (UTC-4) since 8 March, Berlin not yet (UTC+1).
MONDAY_5PM_NEW_YORK = datetime(2026, 3, 16, 21, 0, tzinfo=UTC)
MONDAY_7PM_NEW_YORK = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
BASKET = [BasketLine("beer", 2, 700, "i-beer", "Lager", "drinks"),
          BasketLine("wings", 3, 900, "i-wings", "Wings", "food", frozenset({"wings"}))]


def manager(location_ids: tuple[str, ...] = ()) -> Identity:
    base = identity(location_ids)
    return Identity(base.subject, base.tenant_id, ("manager",), base.permissions | {"orders:discount"}, location_ids)


def create(uow, ids, data: RuleInput = HAPPY_HOUR, who: Identity | None = None):
    return pricing.create_rule(lambda: uow, who or manager(), data, new_id=ids)


def quote(uow, at=MONDAY_5PM_NEW_YORK, who=None, location=LOCATION, zones=None, **kwargs):
    return pricing.quote(lambda: uow, who or manager(), str(location), BASKET, at, time_zones=zones or FakeTimeZones(),
                         clock=FixedClock(), **kwargs)


def test_a_created_rule_is_stored_and_read_back(uow, ids):
    rule = create(uow, ids)
    assert rule.rule_id == str(uuid.UUID(int=1)) and rule.version == 1 and rule.tenant_id == TENANT
    assert uow.commits == 1 and uow.pricing_rules.saved[rule.rule_id] == rule
    assert pricing.get_rule(lambda: uow, identity(), rule.rule_id) == rule
    assert pricing.list_rules(lambda: uow, identity()) == [rule]


def test_a_bad_rule_is_not_stored(uow, ids):
    with pytest.raises(InvalidInput) as error:
        create(uow, ids, RuleInput("x", {"type": "percent_off", "percent": 101}))
    assert error.value.field == "effect.percent" and uow.commits == 0


def test_another_tenant_cannot_see_or_edit_a_rule(uow, ids):
    rule = create(uow, ids)
    stranger = identity(tenant=uuid.UUID(int=99))
    with pytest.raises(NotFound):
        pricing.get_rule(lambda: uow, stranger, rule.rule_id)
    with pytest.raises(NotFound):
        pricing.update_rule(lambda: uow, stranger, rule.rule_id, B2G1, 1)
    assert pricing.list_rules(lambda: uow, stranger) == []


def test_an_update_needs_the_current_version(uow, ids):
    rule = create(uow, ids)
    updated = pricing.update_rule(lambda: uow, manager(), rule.rule_id, B2G1, 1)
    assert (updated.rule_id, updated.name, updated.version) == (rule.rule_id, B2G1.name, 2)
    with pytest.raises(StaleVersion) as error:
        pricing.update_rule(lambda: uow, manager(), rule.rule_id, HAPPY_HOUR, 1)
    assert error.value.http_status == 412
    assert uow.pricing_rules.saved[rule.rule_id] == updated


def test_deactivated_and_deleted_rules_stop_applying(uow, ids):
    rule = create(uow, ids)
    assert quote(uow).discount_cents == 280
    off = pricing.deactivate_rule(lambda: uow, manager(), rule.rule_id)
    assert (off.active, off.version) == (False, 2) and quote(uow).discount_cents == 0
    assert pricing.list_rules(lambda: uow, manager(), include_inactive=False) == []
    pricing.delete_rule(lambda: uow, manager(), rule.rule_id, clock=FixedClock())
    assert pricing.list_rules(lambda: uow, manager()) == []
    with pytest.raises(NotFound):
        pricing.get_rule(lambda: uow, manager(), rule.rule_id)


def test_a_location_bound_manager_manages_only_its_locations_rules(uow, ids):
    here = manager((str(LOCATION),))
    with pytest.raises(PermissionDenied) as error:
        create(uow, ids, HAPPY_HOUR, here)  # for every location
    assert error.value.field == "location_id"
    with pytest.raises(PermissionDenied):
        create(uow, ids, RuleInput(**{**HAPPY_HOUR.__dict__, "location_id": str(OTHER_LOCATION)}), here)
    mine = create(uow, ids, RuleInput(**{**HAPPY_HOUR.__dict__, "location_id": str(LOCATION)}), here)
    elsewhere = create(uow, ids, RuleInput(**{**B2G1.__dict__, "location_id": str(OTHER_LOCATION)}))
    everywhere = create(uow, ids, B2G1)
    assert {r.rule_id for r in pricing.list_rules(lambda: uow, here)} == {mine.rule_id, everywhere.rule_id}
    with pytest.raises(NotFound):
        pricing.get_rule(lambda: uow, here, elsewhere.rule_id)
    with pytest.raises(PermissionDenied):
        pricing.update_rule(lambda: uow, here, everywhere.rule_id, B2G1, 1)
    with pytest.raises(PermissionDenied):
        pricing.list_rules(lambda: uow, here, str(OTHER_LOCATION))


def test_a_quote_in_happy_hour_says_which_rule_gave_how_much(uow, ids):
    happy, b2g1 = create(uow, ids), create(uow, ids, B2G1)
    priced = quote(uow)
    assert priced.time_zone == "America/New_York" and priced.local_time.hour == 17
    assert [(d.line_ref, d.rule_id, d.rule_name, d.amount_cents) for d in priced.discounts] == [
        ("beer", happy.rule_id, "Happy hour", 280), ("wings", b2g1.rule_id, "Wings: buy 2 get 1", 900)]
    assert (priced.subtotal_cents, priced.discount_cents, priced.total_cents) == (4100, 1180, 2920)


def test_outside_the_window_only_the_all_day_rule_applies(uow, ids):
    create(uow, ids)
    create(uow, ids, B2G1)
    assert [d.line_ref for d in quote(uow, MONDAY_7PM_NEW_YORK).discounts] == ["wings"]


def test_the_window_is_read_in_the_locations_own_time_zone(uow, ids):
    create(uow, ids)
    # 21:00 UTC is 22:00 in Berlin: outside; 16:30 UTC is 17:30 there: inside.
    assert quote(uow, location=OTHER_LOCATION).discount_cents == 0
    assert quote(uow, datetime(2026, 3, 16, 16, 30, tzinfo=UTC), location=OTHER_LOCATION).discount_cents == 280


def test_a_rule_of_another_location_does_not_apply_here(uow, ids):
    create(uow, ids, RuleInput(**{**HAPPY_HOUR.__dict__, "location_id": str(OTHER_LOCATION)}))
    assert quote(uow).discount_cents == 0


def test_a_quote_defaults_to_now_and_needs_an_offset(uow, ids):
    create(uow, ids, B2G1)
    assert quote(uow, at=None).local_time.isoformat() == "2026-03-14T08:30:00-04:00"  # NOW (12:30 UTC)
    with pytest.raises(InvalidInput) as error:
        quote(uow, at=datetime(2026, 3, 16, 17, 0))
    assert error.value.field == "at"


def test_a_quote_at_the_edge_of_the_calendar_is_refused(uow):
    with pytest.raises(InvalidInput) as error:
        quote(uow, at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), location=OTHER_LOCATION)
    assert error.value.field == "at"


def test_a_quote_checks_the_location(uow):
    with pytest.raises(PermissionDenied):
        quote(uow, who=manager((str(OTHER_LOCATION),)))
    with pytest.raises(NotFound) as error:
        quote(uow, location=uuid.UUID(int=5))
    assert error.value.field == "location_id"
    with pytest.raises(InvalidInput) as error:
        pricing.quote(lambda: uow, manager(), "nope", BASKET, time_zones=FakeTimeZones(), clock=FixedClock())
    assert error.value.field == "location_id"


def test_manager_discounts_need_the_discount_permission(uow, ids):
    create(uow, ids)
    comp = [ManagerDiscount("wrong order", amount_cents=500)]
    priced = quote(uow, manager_discounts=comp)
    assert [(d.rule_id, d.reason, d.amount_cents) for d in priced.discounts if d.rule_id == "manager"] == [
        ("manager", "wrong order", 147), ("manager", "wrong order", 353)]  # 1120 : 2700 of what is left
    assert priced.discount_cents == 280 + 500
    with pytest.raises(PermissionDenied) as error:
        quote(uow, who=identity(permissions=role_permissions("staff")), manager_discounts=comp)
    assert error.value.field == "manager_discounts"
    assert quote(uow, manager_discounts=[ManagerDiscount("x", percent=Decimal(10), line_ref="wings")]).lines[
        1].discount_cents == 270


def test_discounts_for_is_what_the_checks_call(uow, ids):
    happy = create(uow, ids)
    local = datetime(2026, 3, 16, 17, 0)
    assert pricing.discounts_for(lambda: uow, TENANT, LOCATION, BASKET, local) == [
        LineDiscount("beer", happy.rule_id, "Happy hour", 280)]
    assert pricing.discounts_for(lambda: uow, uuid.UUID(int=99), LOCATION, BASKET, local) == []


def test_category_targets_match_a_quote_and_a_check_line_alike(uow, ids):
    """A rule's category is matched against the tax category and the menu category id, on a check line
    as on a quoted line; a quoted menu item is matched with the menu's categories, not the client's."""
    from orders.domain.order import LineInput, Order
    from orders.service_layer import menu

    who, clock = manager(), FixedClock()
    drinks = menu.create_category(lambda: uow, who, name="Drinks", clock=clock, new_id=ids)
    lager = menu.create_item(lambda: uow, who, menu.ItemSpec(category_id=drinks.category_id, name="Lager",
                                                             price_cents=700, tax_category="alcohol"),
                             clock=clock, new_id=ids)
    by_menu = create(uow, ids, RuleInput("Drinks menu", {"type": "amount_off", "amount_cents": 100},
                                         target={"categories": [str(drinks.category_id)]}))
    by_tax = create(uow, ids, RuleInput("Alcohol", {"type": "percent_off", "percent": "10"},
                                        target={"categories": ["alcohol"]}))
    given = {(by_menu.rule_id, 100), (by_tax.rule_id, 60)}  # combinable: 10 % of what is left

    quoted = pricing.quote(lambda: uow, who, str(LOCATION),
                           [BasketLine("l", 1, 700, str(lager.item_id), "Lager", "whatever the client says")],
                           MONDAY_7PM_NEW_YORK, time_zones=FakeTimeZones(), clock=clock)
    assert {(d.rule_id, d.amount_cents) for d in quoted.discounts} == given

    line = LineInput("Lager", 1, 700, "alcohol", item_id=lager.item_id, menu_category_id=drinks.category_id)
    order = Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=uuid.uuid4(), lines=[line],
                        tip_cents=0, placed_at=MONDAY_7PM_NEW_YORK, new_id=uuid.uuid4)
    on_check = pricing.PricingFromUnitOfWork(lambda: uow, FakeTimeZones()).discounts(
        who, LOCATION, order.lines, MONDAY_7PM_NEW_YORK)
    assert {(d.rule_id, d.amount_cents) for d in on_check} == given
