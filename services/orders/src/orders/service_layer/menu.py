"""Menu use cases: one unit of work each; every change commits with its event on orders.menu.v1.

Permissions are the entrypoints' (orders:update to edit, orders:read to read); location access is
checked here. Edits take the version the caller read: a stale one is StaleVersion (412).
`price_item` / `MenuFromUnitOfWork` are what the checks part uses to price a line (the MenuLookup port).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from auraconnect.orders.v1 import menu_events_pb2 as ev
from chassis.bootstrap import Clock, IdGenerator
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_optional_uuid, parse_uuid

from orders.domain import menu as model
from orders.domain.menu import (
    ITEM,
    OPTION,
    Category,
    ItemAtLocation,
    ItemRequest,
    ItemSpec,
    LocationOverride,
    MenuItem,
    ModifierGroup,
    ModifierOption,
    Overrides,
    PricedItem,
    check_version,
)
from orders.service_layer.menu_views import LocationMenu, category_to_proto, group_to_proto, item_to_proto
from orders.service_layer.ports import LocationDirectory

TOPIC = "orders.menu.v1"


@dataclass(frozen=True)
class OptionInput:
    """An option as a caller sends it; `option_id` keeps an existing option (and its 86 state)."""

    name: str
    price_delta_cents: int = 0
    is_default: bool = False
    opens_group_id: str | None = None
    option_id: str | None = None


# ---- categories --------------------------------------------------------------------------------
def create_category(uow: UnitOfWorkFactory, identity: Identity, *, name: str, position: int = 0,
                    active: bool = True, clock: Clock, new_id: IdGenerator) -> Category:
    category = Category.create(category_id=new_id(), tenant_id=identity.tenant_uuid, name=name,
                               position=position, active=active, at=clock())
    with uow() as u:
        u.menu.add_category(category)
        _category_event(u, category)
        u.commit()
    return category


def change_category(uow: UnitOfWorkFactory, identity: Identity, category_id: str, version: int, *,
                    name: str | None = None, position: int | None = None, active: bool | None = None,
                    clock: Clock) -> Category:
    with uow() as u:
        category = _category(u, identity, category_id, for_update=True)
        check_version(category.version, version)
        category.change(at=clock(), name=name, position=position, active=active)
        u.menu.save_category(category)
        _category_event(u, category)
        u.commit()
        return category


def delete_category(uow: UnitOfWorkFactory, identity: Identity, category_id: str, version: int, *,
                    clock: Clock) -> None:
    with uow() as u:
        category = _category(u, identity, category_id, for_update=True)
        check_version(category.version, version)
        if u.menu.list_items(identity.tenant_uuid, category_id=category.category_id):
            raise Conflict("the category still has items: move or delete them first", field="category_id")
        u.menu.delete_category(category, clock())
        _category_event(u, category, deleted=True)
        u.commit()


def list_categories(uow: UnitOfWorkFactory, identity: Identity) -> list[Category]:
    with uow() as u:
        return u.menu.list_categories(identity.tenant_uuid)


# ---- items -------------------------------------------------------------------------------------
def create_item(uow: UnitOfWorkFactory, identity: Identity, spec: ItemSpec, *, clock: Clock,
                new_id: IdGenerator) -> MenuItem:
    item = MenuItem.create(item_id=new_id(), tenant_id=identity.tenant_uuid, spec=spec, at=clock())
    with uow() as u:
        _check_references(u, item)
        u.menu.add_item(item)
        u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                    message=ev.MenuItemCreated(item=item_to_proto(item)))
        u.commit()
    return item


def change_item(uow: UnitOfWorkFactory, identity: Identity, item_id: str, version: int, spec: ItemSpec, *,
                clock: Clock) -> MenuItem:
    with uow() as u:
        item = _item(u, identity, item_id, for_update=True)
        check_version(item.version, version)
        item.change(spec, at=clock())
        _check_references(u, item)
        u.menu.save_item(item)
        u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                    message=ev.MenuItemChanged(item=item_to_proto(item)))
        u.commit()
        return item


def delete_item(uow: UnitOfWorkFactory, identity: Identity, item_id: str, version: int, *, clock: Clock) -> None:
    with uow() as u:
        item = _item(u, identity, item_id, for_update=True)
        check_version(item.version, version)
        at = clock()
        u.menu.delete_item(item, at)
        u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                    message=ev.MenuItemDeleted(tenant_id=str(item.tenant_id), item_id=str(item.item_id),
                                               deleted_at=to_timestamp(at)))
        u.commit()


def get_item(uow: UnitOfWorkFactory, identity: Identity, item_id: str) -> MenuItem:
    with uow() as u:
        return _item(u, identity, item_id)


def list_items(uow: UnitOfWorkFactory, identity: Identity, *, category_id: str | None = None,
               updated_since: datetime | None = None) -> list[MenuItem]:
    with uow() as u:
        return u.menu.list_items(identity.tenant_uuid, category_id=parse_optional_uuid(category_id, "category_id"),
                                 updated_since=updated_since)


def _check_references(u: UnitOfWork, item: MenuItem) -> None:
    if u.menu.get_category(item.tenant_id, item.category_id) is None:
        raise InvalidInput("no such category", field="category_id")
    known = {g.group_id for g in u.menu.list_groups(item.tenant_id, item.modifier_group_ids)}
    for index, group_id in enumerate(item.modifier_group_ids):
        if group_id not in known:
            raise InvalidInput("no such modifier group", field=f"modifier_group_ids[{index}]")


# ---- modifier groups ---------------------------------------------------------------------------
def create_group(uow: UnitOfWorkFactory, identity: Identity, *, name: str, min_selections: int,
                 max_selections: int, options: list[OptionInput], clock: Clock, new_id: IdGenerator) -> ModifierGroup:
    group_id = new_id()
    built = _options(options, {}, new_id)
    group = ModifierGroup.create(group_id=group_id, tenant_id=identity.tenant_uuid, name=name,
                                 min_selections=min_selections, max_selections=max_selections, options=built,
                                 at=clock())
    with uow() as u:
        model.check_nesting({g.group_id: g for g in u.menu.list_groups(group.tenant_id)}, group)
        u.menu.add_group(group)
        _group_event(u, group)
        u.commit()
    return group


def change_group(uow: UnitOfWorkFactory, identity: Identity, group_id: str, version: int, *,
                 name: str | None = None, min_selections: int | None = None, max_selections: int | None = None,
                 options: list[OptionInput] | None = None, clock: Clock, new_id: IdGenerator) -> ModifierGroup:
    """`options`, when given, replace the group's options in full (send `option_id` to keep one)."""
    with uow() as u:
        group = _group(u, identity, group_id, for_update=True)
        check_version(group.version, version)
        built = None if options is None else _options(options, {o.option_id: o for o in group.options}, new_id)
        group.change(at=clock(), name=name, min_selections=min_selections, max_selections=max_selections,
                     options=built)
        others = {g.group_id: g for g in u.menu.list_groups(group.tenant_id) if g.group_id != group.group_id}
        model.check_nesting(others, group)
        u.menu.save_group(group)
        _group_event(u, group)
        u.commit()
        return group


def delete_group(uow: UnitOfWorkFactory, identity: Identity, group_id: str, version: int, *, clock: Clock) -> None:
    with uow() as u:
        group = _group(u, identity, group_id, for_update=True)
        check_version(group.version, version)
        if u.menu.list_items(group.tenant_id, group_id=group.group_id):
            raise Conflict("items still offer this group: detach it first", field="group_id")
        if any(o.opens_group_id == group.group_id for g in u.menu.list_groups(group.tenant_id) for o in g.options):
            raise Conflict("an option of another group still opens this group", field="group_id")
        u.menu.delete_group(group, clock())
        _group_event(u, group, deleted=True)
        u.commit()


def get_group(uow: UnitOfWorkFactory, identity: Identity, group_id: str) -> ModifierGroup:
    with uow() as u:
        return _group(u, identity, group_id)


def list_groups(uow: UnitOfWorkFactory, identity: Identity) -> list[ModifierGroup]:
    with uow() as u:
        return u.menu.list_groups(identity.tenant_uuid)


def _options(options: list[OptionInput], existing: dict[uuid.UUID, ModifierOption],
             new_id: IdGenerator) -> list[ModifierOption]:
    built = []
    for index, option in enumerate(options):
        option_id = parse_optional_uuid(option.option_id, f"options[{index}].option_id")
        if option_id is not None and option_id not in existing:
            raise InvalidInput("not an option of this group (leave it out for a new option)",
                               field=f"options[{index}].option_id")
        built.append(ModifierOption(option_id or new_id(), option.name, option.price_delta_cents, option.is_default,
                                    parse_optional_uuid(option.opens_group_id, f"options[{index}].opens_group_id")))
    return built


# ---- per-location overrides and 86'ing ---------------------------------------------------------
def set_item_override(uow: UnitOfWorkFactory, identity: Identity, item_id: str, location_id: str, *,
                      price_cents: int | None, available: bool, version: int | None = None,
                      locations: LocationDirectory, clock: Clock) -> LocationOverride:
    """The item's price (None: the tenant's) and availability at the location. With `version`, a
    stale one is 412 (version 0: there was no override yet)."""
    location = _location(identity, location_id, locations)
    with uow() as u:
        item = _item(u, identity, item_id)
        override = _override(u, identity, location, ITEM, item.item_id, clock)
        if version is not None:
            check_version(override.version, version)
        before = (override.price_cents, override.available)
        override.set(price_cents=price_cents, available=available, at=clock())
        u.menu.save_override(override)
        _override_events(u, identity, item, override, *before)
        u.commit()
        return override


def set_item_availability(uow: UnitOfWorkFactory, identity: Identity, item_id: str, location_id: str,
                          available: bool, *, locations: LocationDirectory, clock: Clock) -> LocationOverride:
    """86 the item at the location (available=False) or bring it back; the price override stays.
    Setting what already holds changes nothing and publishes nothing."""
    location = _location(identity, location_id, locations)
    with uow() as u:
        item = _item(u, identity, item_id)
        override = _override(u, identity, location, ITEM, item.item_id, clock)
        if override.available != available:
            override.set(price_cents=override.price_cents, available=available, at=clock())
            u.menu.save_override(override)
            _availability_event(u, identity, item, override)
            u.commit()
        return override


def set_option_availability(uow: UnitOfWorkFactory, identity: Identity, option_id: str, location_id: str,
                            available: bool, *, price_delta_cents: int | None = None,
                            locations: LocationDirectory, clock: Clock) -> LocationOverride:
    """86 a modifier option at the location or bring it back (and, optionally, its price delta there)."""
    option_uuid = parse_uuid(option_id, "option_id")
    location = _location(identity, location_id, locations)
    with uow() as u:
        group = u.menu.group_of_option(identity.tenant_uuid, option_uuid)
        if group is None:
            raise NotFound("no such modifier option", field="option_id")
        override = _override(u, identity, location, OPTION, option_uuid, clock)
        if (override.available, override.price_cents) != (available, price_delta_cents):
            override.set(price_cents=price_delta_cents, available=available, at=clock())
            u.menu.save_override(override)
            option = group.option(option_uuid)
            u.add_event(TOPIC, key=str(group.group_id), subject=str(option_uuid),
                        message=ev.ModifierOptionAvailabilityChanged(
                            tenant_id=str(group.tenant_id), location_id=str(override.location_id),
                            group_id=str(group.group_id), option_id=str(option_uuid), option_name=option.name,
                            available=available, price_delta_cents=Overrides.of([override]).option(option)
                            .price_delta_cents, changed_by=identity.subject,
                            changed_at=to_timestamp(override.updated_at)))
            u.commit()
        return override


def _override(u: UnitOfWork, identity: Identity, location: uuid.UUID, target_type: str, target_id: uuid.UUID,
              clock: Clock) -> LocationOverride:
    found = u.menu.get_override(identity.tenant_uuid, location, target_type, target_id, for_update=True)
    return found or model.new_override(identity.tenant_uuid, location, target_type, target_id, clock())


def _price_here(item: MenuItem, override: LocationOverride) -> int:
    return item.price_cents if override.price_cents is None else override.price_cents


def _override_events(u: UnitOfWork, identity: Identity, item: MenuItem, override: LocationOverride,
                     price_before: int | None, available_before: bool) -> None:
    """The events of a saved change to an item's override at a location: its price, its availability."""
    if override.price_cents != price_before:
        u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                    message=ev.MenuItemPriceOverridden(
                        tenant_id=str(item.tenant_id), location_id=str(override.location_id),
                        item_id=str(item.item_id), price_cents=_price_here(item, override),
                        price_overridden=override.price_cents is not None, changed_by=identity.subject,
                        changed_at=to_timestamp(override.updated_at)))
    if override.available != available_before:
        _availability_event(u, identity, item, override)


def _availability_event(u: UnitOfWork, identity: Identity, item: MenuItem, override: LocationOverride) -> None:
    u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                message=ev.MenuItemAvailabilityChanged(
                    tenant_id=str(item.tenant_id), location_id=str(override.location_id), item_id=str(item.item_id),
                    item_name=item.name, available=override.available, changed_by=identity.subject,
                    changed_at=to_timestamp(override.updated_at)))


# ---- reading the menu of a location ------------------------------------------------------------
def location_menu(uow: UnitOfWorkFactory, identity: Identity, location_id: str, *, locations: LocationDirectory,
                  available_only: bool = False) -> LocationMenu:
    """Categories, items with the location's prices and availability, and every group the items
    offer (nested ones included) with option prices and availability there."""
    location = _location(identity, location_id, locations)
    with uow() as u:
        tenant = identity.tenant_uuid
        categories = u.menu.list_categories(tenant)
        overrides = Overrides.of(u.menu.overrides_at(tenant, location))
        items = _items_here(u.menu.list_items(tenant), categories, overrides, available_only)
        groups = {g.group_id: g for g in u.menu.list_groups(tenant)}
    offered = _reachable(groups, [g for here in items for g in here.item.modifier_group_ids])
    menu_groups = []
    for group in sorted((groups[g] for g in offered), key=lambda g: (g.name, g.group_id)):
        options = [overrides.option(o) for o in group.options]
        menu_groups.append((group, [o for o in options if o.available] if available_only else options))
    if available_only:
        categories = [c for c in categories if c.active]
    return LocationMenu(str(tenant), str(location), categories, items, menu_groups)


def location_items(uow: UnitOfWorkFactory, identity: Identity, location_id: str, *, locations: LocationDirectory,
                   category_id: str | None = None, available_only: bool = False,
                   updated_since: datetime | None = None) -> list[ItemAtLocation]:
    location = _location(identity, location_id, locations)
    category = parse_optional_uuid(category_id, "category_id")
    with uow() as u:
        tenant = identity.tenant_uuid
        items = u.menu.list_items(tenant, category_id=category, updated_since=updated_since)
        categories = u.menu.list_categories(tenant)
        overrides = Overrides.of(u.menu.overrides_at(tenant, location, [i.item_id for i in items]))
    return _items_here(items, categories, overrides, available_only)


def _items_here(items: list[MenuItem], categories: list[Category], overrides: Overrides,
                available_only: bool) -> list[ItemAtLocation]:
    active = {c.category_id: c.active for c in categories}
    here = [overrides.item(item, active.get(item.category_id, False)) for item in items]
    return [i for i in here if i.available] if available_only else here


def _reachable(groups: dict[uuid.UUID, ModifierGroup], start: list[uuid.UUID]) -> set[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    pending = [g for g in start if g in groups]
    while pending:
        group_id = pending.pop()
        if group_id in seen:
            continue
        seen.add(group_id)
        pending += [o.opens_group_id for o in groups[group_id].options if o.opens_group_id in groups]
    return seen


# ---- pricing a line (the MenuLookup port) ------------------------------------------------------
def price_item(uow: UnitOfWorkFactory, tenant_id: uuid.UUID, location_id: uuid.UUID, item_id: uuid.UUID | str,
               modifier_ids: list[uuid.UUID | str], at: datetime, *, field_prefix: str = "") -> PricedItem:
    """One unit of the item at the location, in a unit of work of its own (see `price_in`)."""
    with uow() as u:
        return price_in(u, tenant_id, location_id, item_id, modifier_ids, at, field_prefix=field_prefix)


def price_in(u: UnitOfWork, tenant_id: uuid.UUID, location_id: uuid.UUID, item_id: uuid.UUID | str,
             modifier_ids: list[uuid.UUID | str], at: datetime, *, field_prefix: str = "") -> PricedItem:
    """Like price_item inside an open unit of work (the checks part adding lines in its own
    transaction). `at` is when the line is added: the menu has no time-dependent rules yet (happy
    hours are pricing rules), it is there so scheduled availability needs no new signature."""
    return price_all_in(u, tenant_id, location_id, [ItemRequest(item_id, tuple(modifier_ids), field_prefix)], at)[0]


def price_all_in(u: UnitOfWork, tenant_id: uuid.UUID, location_id: uuid.UUID, requests: list[ItemRequest],
                 at: datetime) -> list[PricedItem]:
    """Every requested item priced at the location with the same queries whatever the number of
    lines: the items with their categories, the groups one nesting level at a time, the overrides
    (an order's menu lookup used to cost 5 queries and a transaction per line)."""
    parsed = []
    for request in requests:
        prefix = request.field_prefix
        item_field = f"{prefix}.item_id" if prefix else "item_id"
        ids_field = f"{prefix}.modifier_ids" if prefix else "modifier_ids"
        # Strings are welcome too (a line as a client sent it); a malformed one names its place.
        parsed.append((parse_uuid(request.item_id, item_field),
                       [parse_uuid(value, f"{ids_field}[{index}]") for index, value in enumerate(request.modifier_ids)],
                       item_field, prefix))
    found = u.menu.items_for_pricing(tenant_id, {item_id for item_id, *_ in parsed})
    for item_id, _, item_field, _ in parsed:
        if item_id not in found:
            raise NotFound("no such menu item", field=item_field)
    groups: dict[uuid.UUID, ModifierGroup] = {}
    wanted = {g for item, _ in found.values() for g in item.modifier_group_ids}
    for _ in range(model.MAX_NESTING):  # one query per level of nesting
        if not wanted:
            break
        loaded = u.menu.groups_for_pricing(tenant_id, wanted)
        groups.update((g.group_id, g) for g in loaded)
        wanted = {o.opens_group_id for g in loaded for o in g.options if o.opens_group_id} - groups.keys()
    # An option of a group the item does not offer must still be known, to say so (not "unknown").
    offered = {o.option_id for g in groups.values() for o in g.options}
    strangers = {m for _, modifier_ids, _, _ in parsed for m in modifier_ids} - offered
    for option_id in list(strangers)[:model.MAX_SELECTIONS]:
        group = u.menu.group_of_option(tenant_id, option_id)
        if group is not None:
            groups.setdefault(group.group_id, group)
    targets = [*found, *(o.option_id for g in groups.values() for o in g.options)]
    overrides = Overrides.of(u.menu.overrides_for_pricing(tenant_id, location_id, targets))
    return [model.price(found[item_id][0], category_active=found[item_id][1], groups=groups, overrides=overrides,
                        modifier_ids=modifier_ids, field_prefix=prefix)
            for item_id, modifier_ids, _, prefix in parsed]


class MenuFromUnitOfWork:
    """The MenuLookup port over this service's own unit of work (what bootstrap wires for checks)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    def priced_item(self, tenant_id: uuid.UUID, location_id: uuid.UUID, item_id: uuid.UUID,
                    modifier_ids: list[uuid.UUID], at: datetime, *, field_prefix: str = "") -> PricedItem:
        return price_item(self.uow, tenant_id, location_id, item_id, modifier_ids, at, field_prefix=field_prefix)

    def priced_items(self, tenant_id: uuid.UUID, location_id: uuid.UUID, requests: list[ItemRequest],
                     at: datetime, *, within: UnitOfWork | None = None) -> list[PricedItem]:
        """All of an order's menu lines at once, in the caller's unit of work when given (one
        transaction for the whole placement), else in one of its own."""
        if within is not None:
            return price_all_in(within, tenant_id, location_id, requests, at)
        with self.uow() as u:
            return price_all_in(u, tenant_id, location_id, requests, at)


# ---- helpers -----------------------------------------------------------------------------------
def _location(identity: Identity, location_id: str, locations: LocationDirectory) -> uuid.UUID:
    """A location of the caller's tenant (auth says; outside any transaction) the caller may work at."""
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    locations.check_location(identity, location)
    return location


def _category(u: UnitOfWork, identity: Identity, category_id: str, for_update: bool = False) -> Category:
    found = u.menu.get_category(identity.tenant_uuid, parse_uuid(category_id, "category_id"), for_update=for_update)
    if found is None:
        raise NotFound("no such category", field="category_id")
    return found


def _item(u: UnitOfWork, identity: Identity, item_id: str, for_update: bool = False) -> MenuItem:
    found = u.menu.get_item(identity.tenant_uuid, parse_uuid(item_id, "item_id"), for_update=for_update)
    if found is None:
        raise NotFound("no such menu item", field="item_id")
    return found


def _group(u: UnitOfWork, identity: Identity, group_id: str, for_update: bool = False) -> ModifierGroup:
    found = u.menu.get_group(identity.tenant_uuid, parse_uuid(group_id, "group_id"), for_update=for_update)
    if found is None:
        raise NotFound("no such modifier group", field="group_id")
    return found


def _category_event(u: UnitOfWork, category: Category, deleted: bool = False) -> None:
    u.add_event(TOPIC, key=str(category.category_id), subject=str(category.category_id),
                message=ev.MenuCategoryChanged(category=category_to_proto(category), deleted=deleted))


def _group_event(u: UnitOfWork, group: ModifierGroup, deleted: bool = False) -> None:
    u.add_event(TOPIC, key=str(group.group_id), subject=str(group.group_id),
                message=ev.ModifierGroupChanged(group=group_to_proto(group), deleted=deleted))
