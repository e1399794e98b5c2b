"""The menu's REST API under /api/orders/v1/menu: an APIRouter over the orders container.

Editing needs orders:update (managers and admins; staff and kitchen do not hold it), reading
orders:read. Edits carry the version the caller read, as `version` in the body or an `If-Match`
header (`"3"` or `3`); a stale one is 412. Responses of one record carry it as `ETag`.
"""
from __future__ import annotations

import uuid
from typing import Annotated

from chassis.errors import InvalidInput
from chassis.http import require
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from orders.bootstrap import OrdersContainer
from orders.domain.menu import (
    COURSES,
    MAX_DESCRIPTION,
    MAX_GROUPS_PER_ITEM,
    MAX_NAME,
    MAX_OPTIONS,
    MAX_PREP_SECONDS,
    MAX_PRICE_CENTS,
    MAX_TAG,
    MAX_TAGS,
    ItemSpec,
)
from orders.domain.order import CATEGORIES
from orders.service_layer import menu
from orders.service_layer.menu import OptionInput
from orders.service_layer.menu_views import (
    category_to_json,
    group_to_json,
    item_to_json,
    location_menu_to_json,
    override_to_json,
)

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Tag = Annotated[str, Field(min_length=1, max_length=MAX_TAG)]
Cents = Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS)]
Delta = Annotated[int, Field(ge=-MAX_PRICE_CENTS, le=MAX_PRICE_CENTS)]
Version = Annotated[int, Field(ge=0, le=2**31 - 1)]
Position = Annotated[int, Field(ge=0, le=10_000)]
Selections = Annotated[int, Field(ge=0, le=MAX_OPTIONS)]
VERSION_QUERY = Query(None, ge=0, le=2**31 - 1, description="the version you read (or send If-Match)")
IF_MATCH = Header(None, max_length=40, description='the version you read, e.g. "3" (or send `version`)')


class CategoryBody(BaseModel):
    name: Name
    position: Position = 0
    active: bool = True


class CategoryChange(BaseModel):
    version: Version | None = None
    name: Name | None = None
    position: Position | None = None
    active: bool | None = None


class ItemFields(BaseModel):
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    tax_category: str | None = Field(None, description=" | ".join(CATEGORIES))
    kitchen_tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    prep_time_seconds: int | None = Field(None, ge=0, le=MAX_PREP_SECONDS)
    allergens: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    course: str | None = Field(None, description=" | ".join(COURSES))
    active: bool | None = None
    modifier_group_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_GROUPS_PER_ITEM)

    def spec(self) -> ItemSpec:
        fields = self.model_dump(exclude={"version"})
        for name in ("kitchen_tags", "allergens", "modifier_group_ids"):
            if fields.get(name) is not None:
                fields[name] = tuple(fields[name])
        return ItemSpec(**fields)


class ItemBody(ItemFields):
    category_id: uuid.UUID
    name: Name
    price_cents: Cents


class ItemChange(ItemFields):
    version: Version | None = None
    category_id: uuid.UUID | None = None
    name: Name | None = None
    price_cents: Cents | None = None


class OptionBody(BaseModel):
    option_id: uuid.UUID | None = Field(None, description="an existing option of the group, to keep it")
    name: Name
    price_delta_cents: Delta = 0
    is_default: bool = False
    opens_group_id: uuid.UUID | None = Field(None, description="a further group this option opens")

    def input(self) -> OptionInput:
        return OptionInput(self.name, self.price_delta_cents, self.is_default,
                           str(self.opens_group_id) if self.opens_group_id else None,
                           str(self.option_id) if self.option_id else None)


class GroupBody(BaseModel):
    name: Name
    min_selections: Selections = 0
    max_selections: Selections = 1
    options: list[OptionBody] = Field(min_length=1, max_length=MAX_OPTIONS)


class GroupChange(BaseModel):
    version: Version | None = None
    name: Name | None = None
    min_selections: Selections | None = None
    max_selections: Selections | None = None
    options: list[OptionBody] | None = Field(None, min_length=1, max_length=MAX_OPTIONS,
                                             description="replaces the options in full")


class OverrideBody(BaseModel):
    price_cents: Cents | None = Field(None, description="the price at this location; null: the tenant's price")
    available: bool = True
    version: Version | None = Field(None, description="the override's version you read (0: none yet); optional")


class AvailabilityBody(BaseModel):
    location_id: uuid.UUID
    available: bool


class OptionAvailabilityBody(AvailabilityBody):
    price_delta_cents: Delta | None = Field(None, description="the option's delta at this location; null: the tenant's")


def expected_version(body_version: int | None, if_match: str | None) -> int:
    """The version an edit is based on: `version` in the body or the If-Match header (not both differing)."""
    header = None
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isdigit() or len(raw) > 10:
            raise InvalidInput('must be a version number, e.g. "3"', field="If-Match")
        header = int(raw)
    if body_version is not None and header is not None and body_version != header:
        raise InvalidInput("differs from If-Match", field="version")
    found = body_version if body_version is not None else header
    if found is None:
        raise InvalidInput("is required (the version you read), or send If-Match", field="version")
    return found


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def menu_router(container: OrdersContainer) -> APIRouter:
    uow, clock, new_id, locations = container.uow, container.clock, container.new_id, container.locations
    router = APIRouter(prefix="/api/orders/v1/menu", tags=["menu"])
    reader, editor = Depends(require("orders:read")), Depends(require("orders:update"))

    # ---- the menu of a location
    @router.get("")
    def location_menu(location_id: str = Query(..., max_length=64), available_only: bool = False,
                      identity: Identity = reader) -> dict:
        """The location's menu: its prices (overrides applied), availability, and every modifier group
        the items offer (nested ones included)."""
        return location_menu_to_json(menu.location_menu(uow, identity, location_id, locations=locations,
                                                        available_only=available_only))

    # ---- categories
    @router.post("/categories", status_code=201)
    def create_category(body: CategoryBody, response: Response, identity: Identity = editor) -> dict:
        category = menu.create_category(uow, identity, name=body.name, position=body.position, active=body.active,
                                        clock=clock, new_id=new_id)
        _etag(response, category.version)
        return category_to_json(category)

    @router.get("/categories")
    def list_categories(identity: Identity = reader) -> dict:
        return {"categories": [category_to_json(c) for c in menu.list_categories(uow, identity)]}

    @router.patch("/categories/{category_id}")
    def change_category(category_id: str, body: CategoryChange, response: Response,
                        if_match: str | None = IF_MATCH, identity: Identity = editor) -> dict:
        category = menu.change_category(uow, identity, category_id, expected_version(body.version, if_match),
                                        name=body.name, position=body.position, active=body.active, clock=clock)
        _etag(response, category.version)
        return category_to_json(category)

    @router.delete("/categories/{category_id}", status_code=204)
    def delete_category(category_id: str, version: int | None = VERSION_QUERY, if_match: str | None = IF_MATCH,
                        identity: Identity = editor) -> Response:
        """Only an empty category (409 while it has items)."""
        menu.delete_category(uow, identity, category_id, expected_version(version, if_match), clock=clock)
        return Response(status_code=204)

    # ---- items
    @router.post("/items", status_code=201)
    def create_item(body: ItemBody, response: Response, identity: Identity = editor) -> dict:
        item = menu.create_item(uow, identity, body.spec(), clock=clock, new_id=new_id)
        _etag(response, item.version)
        return item_to_json(item)

    @router.get("/items")
    def list_items(category_id: str | None = Query(None, max_length=64),
                   updated_since: AwareDatetime | None = Query(None, description="ISO 8601 with a time zone"),
                   identity: Identity = reader) -> dict:
        """The tenant's items as defined (no location applied: see GET /menu?location_id=)."""
        return {"items": [item_to_json(i) for i in menu.list_items(uow, identity, category_id=category_id,
                                                                   updated_since=updated_since)]}

    @router.get("/items/{item_id}")
    def read_item(item_id: str, response: Response, identity: Identity = reader) -> dict:
        item = menu.get_item(uow, identity, item_id)
        _etag(response, item.version)
        return item_to_json(item)

    @router.patch("/items/{item_id}")
    def change_item(item_id: str, body: ItemChange, response: Response, if_match: str | None = IF_MATCH,
                    identity: Identity = editor) -> dict:
        item = menu.change_item(uow, identity, item_id, expected_version(body.version, if_match), body.spec(),
                                clock=clock)
        _etag(response, item.version)
        return item_to_json(item)

    @router.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: str, version: int | None = VERSION_QUERY, if_match: str | None = IF_MATCH,
                    identity: Identity = editor) -> Response:
        menu.delete_item(uow, identity, item_id, expected_version(version, if_match), clock=clock)
        return Response(status_code=204)

    @router.put("/items/{item_id}/locations/{location_id}")
    def override_item(item_id: str, location_id: str, body: OverrideBody, identity: Identity = editor) -> dict:
        """The item's price and availability at one location (price_cents null: the tenant's price)."""
        return override_to_json(menu.set_item_override(
            uow, identity, item_id, location_id, price_cents=body.price_cents, available=body.available,
            version=body.version, locations=locations, clock=clock))

    @router.post("/items/{item_id}/availability")
    def item_availability(item_id: str, body: AvailabilityBody, identity: Identity = editor) -> dict:
        """86 the item at a location (`available: false`) or bring it back."""
        return override_to_json(menu.set_item_availability(uow, identity, item_id, str(body.location_id),
                                                           body.available, locations=locations, clock=clock))

    # ---- modifier groups
    @router.post("/modifier-groups", status_code=201)
    def create_group(body: GroupBody, response: Response, identity: Identity = editor) -> dict:
        group = menu.create_group(uow, identity, name=body.name, min_selections=body.min_selections,
                                  max_selections=body.max_selections, options=[o.input() for o in body.options],
                                  clock=clock, new_id=new_id)
        _etag(response, group.version)
        return group_to_json(group)

    @router.get("/modifier-groups")
    def list_groups(identity: Identity = reader) -> dict:
        return {"modifier_groups": [group_to_json(g) for g in menu.list_groups(uow, identity)]}

    @router.get("/modifier-groups/{group_id}")
    def read_group(group_id: str, response: Response, identity: Identity = reader) -> dict:
        group = menu.get_group(uow, identity, group_id)
        _etag(response, group.version)
        return group_to_json(group)

    @router.patch("/modifier-groups/{group_id}")
    def change_group(group_id: str, body: GroupChange, response: Response, if_match: str | None = IF_MATCH,
                     identity: Identity = editor) -> dict:
        options = None if body.options is None else [o.input() for o in body.options]
        group = menu.change_group(uow, identity, group_id, expected_version(body.version, if_match), name=body.name,
                                  min_selections=body.min_selections, max_selections=body.max_selections,
                                  options=options, clock=clock, new_id=new_id)
        _etag(response, group.version)
        return group_to_json(group)

    @router.delete("/modifier-groups/{group_id}", status_code=204)
    def delete_group(group_id: str, version: int | None = VERSION_QUERY, if_match: str | None = IF_MATCH,
                     identity: Identity = editor) -> Response:
        """Only a group no item offers and no option opens (409 otherwise)."""
        menu.delete_group(uow, identity, group_id, expected_version(version, if_match), clock=clock)
        return Response(status_code=204)

    @router.post("/modifier-options/{option_id}/availability")
    def option_availability(option_id: str, body: OptionAvailabilityBody, identity: Identity = editor) -> dict:
        """86 a modifier option at a location (`available: false`) or bring it back."""
        return override_to_json(menu.set_option_availability(
            uow, identity, option_id, str(body.location_id), body.available,
            price_delta_cents=body.price_delta_cents, locations=locations, clock=clock))

    return router
