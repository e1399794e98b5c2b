"""Pricing use cases: rules management, quotes, and the discounts the checks apply when lines are added.

The engine (orders.domain.pricing) is pure; these functions load the rules that apply at a location
in one unit of work, turn the request's instant into the location's wall clock (its time zone comes
from auth through the `LocationTimeZones` port) and hand both to the engine. Where the prices come
from is the caller's business: the quote takes them from the request today, the menu later.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chassis.bootstrap import Clock, IdGenerator
from chassis.errors import DependencyUnavailable, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_optional_uuid, parse_uuid

from orders.domain.pricing import (
    BasketLine,
    LineDiscount,
    ManagerDiscount,
    PricingRule,
    Quote,
    RuleInput,
    apply_rules,
    build_rule,
    deactivated,
    price_basket,
    revise,
)
from orders.service_layer.ports import LocationTimeZones

DISCOUNT_PERMISSION = "orders:discount"  # manager discounts (manager, admin in chassis.rbac)


# ---- rules ---------------------------------------------------------------------------------------

def create_rule(uow: UnitOfWorkFactory, identity: Identity, data: RuleInput, *, new_id: IdGenerator) -> PricingRule:
    location = _rule_location(identity, data.location_id)
    rule = build_rule(data, rule_id=str(new_id()), tenant_id=identity.tenant_uuid, location_id=location)
    with uow() as u:
        u.pricing_rules.add(rule)
        u.commit()
    return rule


def list_rules(uow: UnitOfWorkFactory, identity: Identity, location_id: str | None = None,
               include_inactive: bool = True) -> list[PricingRule]:
    """The rules the caller may see (tenant-wide ones and those of its locations), highest priority first."""
    location = parse_optional_uuid(location_id, "location_id")
    if location is not None and not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    with uow() as u:
        rules = u.pricing_rules.list(identity.tenant_uuid, location, include_inactive=include_inactive)
    return [rule for rule in rules if _visible(identity, rule)]


def get_rule(uow: UnitOfWorkFactory, identity: Identity, rule_id: str) -> PricingRule:
    with uow() as u:
        return _visible_rule(u, identity, rule_id)


def update_rule(uow: UnitOfWorkFactory, identity: Identity, rule_id: str, data: RuleInput,
                expected_version: int) -> PricingRule:
    """Replaces the rule; StaleVersion (412) when `expected_version` is not the stored one."""
    location = _rule_location(identity, data.location_id)
    with uow() as u:
        current = _visible_rule(u, identity, rule_id, for_update=True)
        _check_writable(identity, current)
        rule = revise(current, data, expected_version=expected_version, location_id=location)
        u.pricing_rules.update(rule)
        u.commit()
    return rule


def deactivate_rule(uow: UnitOfWorkFactory, identity: Identity, rule_id: str) -> PricingRule:
    with uow() as u:
        current = _visible_rule(u, identity, rule_id, for_update=True)
        _check_writable(identity, current)
        rule = deactivated(current)
        u.pricing_rules.update(rule)
        u.commit()
    return rule


def delete_rule(uow: UnitOfWorkFactory, identity: Identity, rule_id: str, *, clock: Clock) -> None:
    """Soft delete: gone from lists and quotes, kept in the table."""
    with uow() as u:
        current = _visible_rule(u, identity, rule_id, for_update=True)
        _check_writable(identity, current)
        u.pricing_rules.delete(identity.tenant_uuid, uuid.UUID(current.rule_id), clock())
        u.commit()


# ---- quotes and discounts ---------------------------------------------------------------------------

def quote(uow: UnitOfWorkFactory, identity: Identity, location_id: str, lines: Sequence[BasketLine],
          at: datetime | None = None, *, time_zones: LocationTimeZones, clock: Clock,
          manager_discounts: Sequence[ManagerDiscount] = ()) -> Quote:
    """Prices a basket at a location at `at` (default now) without placing it."""
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    if manager_discounts and not identity.has(DISCOUNT_PERMISSION):
        raise PermissionDenied(f"manager discounts need {DISCOUNT_PERMISSION}", field="manager_discounts")
    when = at or clock()
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput("must carry a UTC offset (e.g. 2026-03-16T21:00:00Z)", field="at")
    # Before the unit of work: no connection is held over a network call.
    zone_name = time_zones.time_zone(identity, str(location))
    try:
        local = when.astimezone(_zone(zone_name))
    except (OverflowError, ValueError):  # an instant at the very edge of the calendar
        raise InvalidInput("is out of range", field="at") from None
    with uow() as u:
        rules = u.pricing_rules.active_at(identity.tenant_uuid, location)
        lines = _as_on_a_check(u, identity.tenant_uuid, lines)
    return price_basket(lines, rules, local, zone_name, manager_discounts)


def _as_on_a_check(u: UnitOfWork, tenant_id: uuid.UUID, lines: Sequence[BasketLine]) -> list[BasketLine]:
    """A quoted line naming a menu item is matched as that item's check line would be: the menu's
    tax category and menu category, whatever category the client sent (rules then give a quote what
    they give the check). Other lines (open price, an id the menu does not know) keep theirs."""
    ids = {}
    for line in lines:
        try:
            ids[line.item_id] = uuid.UUID(line.item_id) if line.item_id else None
        except ValueError:
            ids[line.item_id] = None
    wanted = {item_id for item_id in ids.values() if item_id is not None}
    known = u.menu.items_for_pricing(tenant_id, wanted) if wanted else {}
    out = []
    for line in lines:
        found = known.get(ids[line.item_id]) if ids[line.item_id] else None
        if found is None:
            out.append(line)
            continue
        item = found[0]
        out.append(replace(line, item_id=str(item.item_id), category=item.tax_category,
                           menu_category=str(item.category_id)))
    return out


def discounts_for(uow: UnitOfWorkFactory, tenant_id: uuid.UUID, location_id: uuid.UUID,
                  lines: Sequence[BasketLine], local_time: datetime, *,
                  within: UnitOfWork | None = None) -> list[LineDiscount]:
    """What the rules give `lines` at the location's wall-clock `local_time`: for the checks, when
    lines are added (they already know the location's time zone and the caller's rights). `within`:
    the caller's open unit of work (the order's own transaction), else one of its own."""
    if within is not None:
        rules = within.pricing_rules.active_at(tenant_id, location_id)
    else:
        with uow() as u:
            rules = u.pricing_rules.active_at(tenant_id, location_id)
    return apply_rules(lines, rules, local_time)


class PricingFromUnitOfWork:
    """The checks' Pricing port over this service's own pricing rules (what bootstrap wires).

    A check line becomes a BasketLine (`basket_line`): its id is the line_ref the discounts come back
    under, its kitchen tags are the tags rules target, its tax category and its menu category are the
    categories rules target, as in a quote."""

    def __init__(self, uow: UnitOfWorkFactory, time_zones: LocationTimeZones) -> None:
        self.uow, self.time_zones = uow, time_zones

    def discounts(self, identity: Identity, location_id: uuid.UUID, lines, at: datetime, *,
                  within: UnitOfWork | None = None) -> list[LineDiscount]:
        zone = _zone(self.time_zones.time_zone(identity, str(location_id)))
        basket = [BasketLine(line_ref=str(line.line_id), quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                             item_id=str(line.item_id) if line.item_id else None, name=line.name,
                             category=line.category, tags=frozenset(line.kitchen_tags),
                             menu_category=str(line.menu_category_id) if line.menu_category_id else "")
                  for line in lines]
        return discounts_for(self.uow, identity.tenant_uuid, location_id, basket, at.astimezone(zone), within=within)


# ---- helpers ---------------------------------------------------------------------------------------

def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DependencyUnavailable(f"the location's time zone {name!r} is not a known IANA zone") from None


def _rule_location(identity: Identity, location_id: str | None) -> uuid.UUID | None:
    """A rule for one location needs access to it; a tenant-wide one an identity bound to no location."""
    location = parse_optional_uuid(location_id, "location_id")
    if location is None and identity.location_ids:
        raise PermissionDenied("a rule for every location needs access to every location", field="location_id")
    if location is not None and not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    return location


def _visible(identity: Identity, rule: PricingRule) -> bool:
    return rule.location_id is None or identity.may_access_location(str(rule.location_id))


def _check_writable(identity: Identity, rule: PricingRule) -> None:
    if rule.location_id is None and identity.location_ids:
        raise PermissionDenied("a rule for every location needs access to every location", field="rule_id")


def _visible_rule(u, identity: Identity, rule_id: str, for_update: bool = False) -> PricingRule:
    rule = u.pricing_rules.get(identity.tenant_uuid, parse_uuid(rule_id, "rule_id"), for_update=for_update)
    if rule is None or not _visible(identity, rule):
        raise NotFound("no such pricing rule", field="rule_id")
    return rule
