"""Menu writes for peers: items created or updated by an external reference (a POS catalog item), the
use case behind MenuService.UpsertMenuItems (pos-bridge's menu pulls).

One unit of work for the whole batch, the same validation and the same orders.menu.v1 events as the
REST menu API (MenuItemCreated / MenuItemChanged / MenuCategoryChanged / MenuItemPriceOverridden /
MenuItemAvailabilityChanged), so outbound webhooks and the kitchen see a synced menu like an edited
one. Idempotent: a value the item already holds is not written and publishes nothing.

Price and availability are the location's (the POS connection is one location's): a new item takes
the POS price as its own price; an existing item gets it as its price at the location (an override,
cleared when it equals the item's own price), so the tenant's other locations keep theirs.

Never a second item of a name: an item to create whose name the tenant's menu already holds (made by
another source: a deleted POS connection, another POS, a person) is linked instead, taking only the
POS's price at the location. Peer upserts of a tenant are serialized (an advisory lock), so two
connections' first pulls at once cannot both create it."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime

from auraconnect.orders.v1 import menu_events_pb2 as ev
from chassis.bootstrap import Clock, IdGenerator
from chassis.errors import DomainError, InvalidInput
from chassis.identity import Identity
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_optional_uuid, reject_nul

from orders.domain.menu import ITEM, Category, ItemAtLocation, ItemSpec, MenuItem, Overrides
from orders.service_layer.menu import (
    TOPIC,
    _category_event,
    _item,
    _location,
    _override,
    _override_events,
    _price_here,
)
from orders.service_layer.menu_views import item_to_proto
from orders.service_layer.ports import LocationDirectory

MAX_ITEMS = 500
MAX_REF = 200
MAX_SOURCE = 100


@dataclass(frozen=True)
class ItemUpsert:
    """One item as a peer sends it: None keeps the current value (a new item needs name, price and
    category_name)."""

    external_ref: str
    item_id: str | None = None          # link the reference to this existing item
    name: str | None = None
    price_cents: int | None = None      # at the location
    category_name: str | None = None
    description: str | None = None
    available: bool | None = None       # at the location
    tax_category: str | None = None
    kitchen_tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Upserted:
    external_ref: str
    item: ItemAtLocation
    created: bool
    changed: bool


def upsert_items(uow: UnitOfWorkFactory, identity: Identity, location_id: str, source: str,
                 upserts: list[ItemUpsert], *, locations: LocationDirectory, clock: Clock,
                 new_id: IdGenerator) -> list[Upserted]:
    """Creates or updates each item by (source, external_ref), in one transaction (see the module doc).
    Bad input is InvalidInput naming the field of the item (items[2].price_cents); nothing is written."""
    location = _location(identity, location_id, locations)
    source = _text(source, "source", MAX_SOURCE)
    if len(upserts) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items", field="items")
    refs: list[str] = []
    for index, upsert in enumerate(upserts):
        ref = _text(upsert.external_ref, f"items[{index}].external_ref", MAX_REF)
        if ref in refs:
            raise InvalidInput("must not repeat a reference", field=f"items[{index}].external_ref")
        refs.append(ref)
    if not upserts:
        return []
    tenant, at = identity.tenant_uuid, clock()
    results = []
    with uow() as u:
        u.menu.lock_source(tenant, source)
        u.menu.lock_peer_items(tenant)
        linked = u.menu.external_refs(tenant, source, refs)
        categories = {c.name.strip().lower(): c for c in u.menu.list_categories(tenant)}
        for index, (ref, upsert) in enumerate(zip(refs, upserts, strict=True)):
            with _field_prefix(f"items[{index}]"):
                results.append(_upsert_one(u, identity, location, source, ref, upsert, linked.get(ref),
                                           categories, at, new_id))
        u.commit()
    return results


def _upsert_one(u: UnitOfWork, identity: Identity, location: uuid.UUID, source: str, ref: str, upsert: ItemUpsert,
                linked: uuid.UUID | None, categories: dict[str, Category], at: datetime,
                new_id: IdGenerator) -> Upserted:
    for name in ("name", "description", "tax_category"):
        if isinstance(getattr(upsert, name), str):
            reject_nul(getattr(upsert, name), name)
    target = parse_optional_uuid(upsert.item_id, "item_id") or linked
    same_name = None
    if target is None and isinstance(upsert.name, str) and upsert.name.strip():
        # never a second item of a name: another source (a deleted POS connection, another POS) made it
        same_name = u.menu.item_named(identity.tenant_uuid, upsert.name)
        target = same_name.item_id if same_name else None
    category = _category_named(u, identity.tenant_uuid, upsert.category_name, categories, at, new_id) \
        if upsert.category_name is not None and same_name is None else None
    if target is None:
        if category is None:
            raise InvalidInput("is required for a new item", field="category_name")
        item = MenuItem.create(item_id=new_id(), tenant_id=identity.tenant_uuid, at=at, spec=ItemSpec(
            category_id=category.category_id, name=upsert.name, price_cents=upsert.price_cents,
            tax_category=upsert.tax_category, kitchen_tags=upsert.kitchen_tags, description=upsert.description))
        u.menu.add_item(item)
        u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                    message=ev.MenuItemCreated(item=item_to_proto(item)))
        created = changed = True
        price = None   # the item's own price is the POS's
    elif same_name is not None:
        # linked by name, not created: the POS's price is taken at the location (the POS wins on price);
        # our description, category and availability stay ours until the puller's policy decides them
        item = _item(u, identity, str(target), for_update=True)
        _valid_as_new(upsert, item, at)
        created = changed = False
        price = upsert.price_cents
        upsert = ItemUpsert(external_ref=ref)
    else:
        item = _item(u, identity, str(target), for_update=True)
        spec = _changes(item, upsert, category)
        created, changed = False, spec is not None
        if spec is not None:
            item.change(spec, at=at)
            u.menu.save_item(item)
            u.add_event(TOPIC, key=str(item.item_id), subject=str(item.item_id),
                        message=ev.MenuItemChanged(item=item_to_proto(item)))
        price = upsert.price_cents
    if linked != item.item_id:
        u.menu.link_external_ref(identity.tenant_uuid, source, ref, item.item_id, at)
    override = _override(u, identity, location, ITEM, item.item_id, lambda: at)
    changed |= _set_here(u, identity, item, override, price, upsert.available, at)
    category_active = category.active if category else _category_active(u, item)
    return Upserted(ref, Overrides.of([override]).item(item, category_active), created, changed)


def _valid_as_new(upsert: ItemUpsert, like: MenuItem, at: datetime) -> None:
    """The checks creating the item would make (a request is refused the same whether or not an item of
    its name exists), without the side effects (no category is made)."""
    if upsert.category_name is None:
        raise InvalidInput("is required for a new item", field="category_name")
    if not reject_nul(upsert.category_name, "category_name").strip():
        raise InvalidInput("is required", field="category_name")
    MenuItem.create(item_id=like.item_id, tenant_id=like.tenant_id, at=at, spec=ItemSpec(
        category_id=like.category_id, name=upsert.name, price_cents=upsert.price_cents,
        tax_category=upsert.tax_category, kitchen_tags=upsert.kitchen_tags, description=upsert.description))


def _changes(item: MenuItem, upsert: ItemUpsert, category: Category | None) -> ItemSpec | None:
    """The fields that differ from the item's, as a spec (None: nothing to change)."""
    wanted = ItemSpec(category_id=category.category_id if category else None, name=upsert.name,
                      tax_category=upsert.tax_category, kitchen_tags=upsert.kitchen_tags,
                      description=upsert.description)
    current = {"category_id": item.category_id, "name": item.name, "tax_category": item.tax_category,
               "kitchen_tags": item.kitchen_tags, "description": item.description}
    differs = {}
    for spec_field in fields(ItemSpec):
        value = getattr(wanted, spec_field.name)
        if value is None:
            continue
        mine = current[spec_field.name]
        same = (value.strip() == mine) if isinstance(value, str) else \
            (tuple(v.strip().lower() for v in value) == mine if spec_field.name == "kitchen_tags" else value == mine)
        if not same:
            differs[spec_field.name] = value
    return ItemSpec(**differs) if differs else None


def _set_here(u: UnitOfWork, identity: Identity, item: MenuItem, override, price_cents: int | None,
              available: bool | None, at: datetime) -> bool:
    """The item's price and availability at the location, with the REST overrides' events."""
    price_before, available_before = override.price_cents, override.available
    new_price = price_before
    if price_cents is not None and price_cents != _price_here(item, override):
        new_price = None if price_cents == item.price_cents else price_cents
    new_available = available_before if available is None else available
    if (new_price, new_available) == (price_before, available_before):
        return False
    override.set(price_cents=new_price, available=new_available, at=at)
    u.menu.save_override(override)
    _override_events(u, identity, item, override, price_before, available_before)
    return True


def _category_named(u: UnitOfWork, tenant: uuid.UUID, name: str, categories: dict[str, Category], at: datetime,
                    new_id: IdGenerator) -> Category:
    """The tenant's category of that name (case-insensitive), created (with its event) when there is none."""
    key = reject_nul(name, "category_name").strip().lower()
    found = categories.get(key)
    if found is None:
        with _field_prefix("", rename={"name": "category_name"}):
            found = Category.create(category_id=new_id(), tenant_id=tenant, name=name, at=at)
        u.menu.add_category(found)
        _category_event(u, found)
        categories[key] = found
    return found


def _category_active(u: UnitOfWork, item: MenuItem) -> bool:
    category = u.menu.get_category(item.tenant_id, item.category_id)
    return bool(category and category.active)


def _text(value: str, field: str, limit: int) -> str:
    value = reject_nul(value or "", field).strip()
    if not value:
        raise InvalidInput("is required", field=field)
    if len(value) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return value


@contextmanager
def _field_prefix(prefix: str, rename: dict[str, str] | None = None) -> Iterator[None]:
    """Re-raises a domain error with its field placed in the request (name -> items[2].name)."""
    try:
        yield
    except DomainError as error:
        field = (rename or {}).get(error.field or "", error.field)
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        raise type(error)(error.message, field=field) from None
