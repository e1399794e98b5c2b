"""The menu as the outside world reads it: REST JSON and the published protobuf messages."""
from __future__ import annotations

from dataclasses import dataclass

from auraconnect.orders.v1 import menu_pb2
from chassis.timestamps import to_timestamp

from orders.domain.menu import (
    Category,
    ItemAtLocation,
    LocationOverride,
    MenuItem,
    ModifierGroup,
    OptionAtLocation,
    Overrides,
)


@dataclass(frozen=True)
class LocationMenu:
    """The menu of one location: what GetMenu and GET /menu return."""

    tenant_id: str
    location_id: str
    categories: list[Category]
    items: list[ItemAtLocation]
    groups: list[tuple[ModifierGroup, list[OptionAtLocation]]]


# ---- JSON
def category_to_json(category: Category) -> dict:
    return {"category_id": str(category.category_id), "name": category.name, "position": category.position,
            "active": category.active, "version": category.version, "updated_at": category.updated_at.isoformat()}


def item_to_json(item: MenuItem) -> dict:
    return {"item_id": str(item.item_id), "category_id": str(item.category_id), "name": item.name,
            "description": item.description, "price_cents": item.price_cents, "tax_category": item.tax_category,
            "kitchen_tags": list(item.kitchen_tags), "prep_time_seconds": item.prep_time_seconds,
            "allergens": list(item.allergens), "course": item.course, "active": item.active,
            "modifier_group_ids": [str(g) for g in item.modifier_group_ids], "version": item.version,
            "updated_at": item.updated_at.isoformat()}


def item_at_location_to_json(here: ItemAtLocation) -> dict:
    return item_to_json(here.item) | {"base_price_cents": here.item.price_cents, "price_cents": here.price_cents,
                                      "price_overridden": here.price_overridden, "available": here.available}


def group_to_json(group: ModifierGroup, options: list[OptionAtLocation] | None = None) -> dict:
    options = options if options is not None else [Overrides().option(o) for o in group.options]
    return {"group_id": str(group.group_id), "name": group.name, "min_selections": group.min_selections,
            "max_selections": group.max_selections, "required": group.required,
            "options": [{"option_id": str(o.option.option_id), "name": o.option.name,
                         "price_delta_cents": o.price_delta_cents, "is_default": o.option.is_default,
                         "opens_group_id": str(o.option.opens_group_id) if o.option.opens_group_id else None,
                         "available": o.available} for o in options],
            "version": group.version, "updated_at": group.updated_at.isoformat()}


def override_to_json(override: LocationOverride) -> dict:
    return {"location_id": str(override.location_id), "target_type": override.target_type,
            "target_id": str(override.target_id), "price_cents": override.price_cents,
            "available": override.available, "version": override.version,
            "updated_at": override.updated_at.isoformat()}


def location_menu_to_json(menu: LocationMenu) -> dict:
    return {"location_id": menu.location_id, "categories": [category_to_json(c) for c in menu.categories],
            "items": [item_at_location_to_json(i) for i in menu.items],
            "modifier_groups": [group_to_json(g, options) for g, options in menu.groups]}


# ---- protobuf
def category_to_proto(category: Category) -> menu_pb2.MenuCategory:
    return menu_pb2.MenuCategory(category_id=str(category.category_id), tenant_id=str(category.tenant_id),
                                 name=category.name, position=category.position, active=category.active,
                                 version=category.version, updated_at=to_timestamp(category.updated_at))


def item_to_proto(item: MenuItem) -> menu_pb2.MenuItem:
    return menu_pb2.MenuItem(
        item_id=str(item.item_id), tenant_id=str(item.tenant_id), category_id=str(item.category_id),
        name=item.name, description=item.description, price_cents=item.price_cents,
        tax_category=item.tax_category, kitchen_tags=list(item.kitchen_tags),
        prep_time_seconds=item.prep_time_seconds, allergens=list(item.allergens), course=item.course,
        active=item.active, modifier_group_ids=[str(g) for g in item.modifier_group_ids], version=item.version,
        updated_at=to_timestamp(item.updated_at))


def item_at_location_to_proto(here: ItemAtLocation) -> menu_pb2.LocationMenuItem:
    return menu_pb2.LocationMenuItem(item=item_to_proto(here.item), price_cents=here.price_cents,
                                     price_overridden=here.price_overridden, available=here.available)


def group_to_proto(group: ModifierGroup, options: list[OptionAtLocation] | None = None) -> menu_pb2.ModifierGroup:
    options = options if options is not None else [Overrides().option(o) for o in group.options]
    return menu_pb2.ModifierGroup(
        group_id=str(group.group_id), tenant_id=str(group.tenant_id), name=group.name,
        min_selections=group.min_selections, max_selections=group.max_selections, required=group.required,
        options=[menu_pb2.ModifierOption(option_id=str(o.option.option_id), name=o.option.name,
                                         price_delta_cents=o.price_delta_cents, is_default=o.option.is_default,
                                         opens_group_id=str(o.option.opens_group_id or ""), available=o.available)
                 for o in options],
        version=group.version, updated_at=to_timestamp(group.updated_at))


def location_menu_to_proto(menu: LocationMenu) -> menu_pb2.LocationMenu:
    return menu_pb2.LocationMenu(tenant_id=menu.tenant_id, location_id=menu.location_id,
                                 categories=[category_to_proto(c) for c in menu.categories],
                                 items=[item_at_location_to_proto(i) for i in menu.items],
                                 modifier_groups=[group_to_proto(g, options) for g, options in menu.groups])
