"""The menu: categories, items, modifier groups, per-location overrides, and pricing one item.

Pure: ids and times come from the caller, bad values are InvalidInput naming the field. What needs
other records (does the category exist? is the nesting of groups bounded?) is checked here too, over
the records the service layer loads and hands in.

Modifier rules (what `price` enforces):
* The caller sends a flat list of option ids. An option counts only when its group is reachable: the
  group is attached to the item, or it is opened by another selected (or defaulted) option. An option
  of any other group is InvalidInput, as is an unknown option or the same option twice.
* Defaults: a group that gets no selection from the caller gets its default options (when they are
  available at the location); one selection of the group replaces all its defaults (as Toast and
  Square do). Then min/max are checked per reachable group: too few or too many is InvalidInput.
* Nesting is bounded: a chain item -> group -> option -> group -> ... holds at most MAX_NESTING groups
  and never loops (checked when groups are written, and again when pricing, should data be odd).
* An item or option 86'd at the location (or an inactive item or category) is Conflict naming it.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from chassis.errors import Conflict, DomainError, InvalidInput

from orders.domain.order import CATEGORIES as TAX_CATEGORIES

COURSES = ("drinks", "appetizer", "soup", "salad", "main", "side", "dessert", "other")
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_PRICE_CENTS = 10**9
MAX_PREP_SECONDS = 86_400
MAX_TAGS = 20  # kitchen tags, allergens
MAX_TAG = 50
MAX_GROUPS_PER_ITEM = 20
MAX_OPTIONS = 100
MAX_NESTING = 3
MAX_SELECTIONS = 100  # option ids sent for one item

ITEM, OPTION = "item", "option"  # what a location override is about


class StaleVersion(DomainError):
    """The caller edited an older version than the stored one (HTTP 412): re-read and retry."""

    http_status = 412
    grpc_code = "FAILED_PRECONDITION"


def check_version(current: int, expected: int, field: str = "version") -> None:
    if expected != current:
        raise StaleVersion(f"is {expected}, the current version is {current}", field=field)


# ---- values ------------------------------------------------------------------------------------
def _name(value: str, field: str, limit: int = MAX_NAME) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("must not be empty", field=field)
    if len(value) > limit:
        raise InvalidInput(f"must be at most {limit} characters", field=field)
    return value


def _cents(value: int, field: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_PRICE_CENTS:
        raise InvalidInput(f"must be an integer from {low} to {MAX_PRICE_CENTS}", field=field)
    return value


def _tags(values: Iterable[str], field: str) -> tuple[str, ...]:
    values = list(values)
    if len(values) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} entries", field=field)
    cleaned = tuple(dict.fromkeys(_name(v, f"{field}[{i}]", MAX_TAG).lower() for i, v in enumerate(values)))
    return cleaned


def _unique_ids(values: Iterable[uuid.UUID], field: str, limit: int) -> tuple[uuid.UUID, ...]:
    values = tuple(values)
    if len(values) > limit:
        raise InvalidInput(f"at most {limit} entries", field=field)
    if len(set(values)) != len(values):
        raise InvalidInput("must not repeat an id", field=field)
    return values


# ---- categories --------------------------------------------------------------------------------
@dataclass
class Category:
    category_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    position: int
    active: bool
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(cls, *, category_id: uuid.UUID, tenant_id: uuid.UUID, name: str, position: int = 0,
               active: bool = True, at: datetime) -> Category:
        return cls(category_id, tenant_id, _name(name, "name"), _position(position), active, at)

    def change(self, *, at: datetime, name: str | None = None, position: int | None = None,
               active: bool | None = None) -> None:
        if name is not None:
            self.name = _name(name, "name")
        if position is not None:
            self.position = _position(position)
        if active is not None:
            self.active = active
        self._touch(at)

    def _touch(self, at: datetime) -> None:
        self.version += 1
        self.updated_at = at


def _position(value: int) -> int:
    if not 0 <= value <= 10_000:
        raise InvalidInput("must be from 0 to 10000", field="position")
    return value


# ---- items -------------------------------------------------------------------------------------
@dataclass
class ItemSpec:
    """An item's editable fields as a caller sends them (create: all; change: the ones not None)."""

    category_id: uuid.UUID | None = None
    name: str | None = None
    price_cents: int | None = None
    tax_category: str | None = None
    kitchen_tags: tuple[str, ...] | None = None
    prep_time_seconds: int | None = None
    allergens: tuple[str, ...] | None = None
    course: str | None = None
    description: str | None = None
    active: bool | None = None
    modifier_group_ids: tuple[uuid.UUID, ...] | None = None


@dataclass
class MenuItem:
    item_id: uuid.UUID
    tenant_id: uuid.UUID
    category_id: uuid.UUID
    name: str
    price_cents: int
    tax_category: str
    kitchen_tags: tuple[str, ...]
    prep_time_seconds: int
    allergens: tuple[str, ...]
    course: str
    description: str
    active: bool
    modifier_group_ids: tuple[uuid.UUID, ...]
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(cls, *, item_id: uuid.UUID, tenant_id: uuid.UUID, spec: ItemSpec, at: datetime) -> MenuItem:
        if spec.category_id is None:
            raise InvalidInput("is required", field="category_id")
        if spec.name is None:
            raise InvalidInput("is required", field="name")
        if spec.price_cents is None:
            raise InvalidInput("is required", field="price_cents")
        item = cls(item_id, tenant_id, spec.category_id, "", 0, "prepared_food", (), 0, (), "main", "", True, (), at)
        item._apply(spec)
        return item

    def change(self, spec: ItemSpec, *, at: datetime) -> None:
        self._apply(spec)
        self.version += 1
        self.updated_at = at

    def _apply(self, spec: ItemSpec) -> None:
        if spec.category_id is not None:
            self.category_id = spec.category_id
        if spec.name is not None:
            self.name = _name(spec.name, "name")
        if spec.price_cents is not None:
            self.price_cents = _cents(spec.price_cents, "price_cents")
        if spec.tax_category is not None:
            if spec.tax_category not in TAX_CATEGORIES:
                raise InvalidInput(f"must be one of {', '.join(TAX_CATEGORIES)}", field="tax_category")
            self.tax_category = spec.tax_category
        if spec.kitchen_tags is not None:
            self.kitchen_tags = _tags(spec.kitchen_tags, "kitchen_tags")
        if spec.prep_time_seconds is not None:
            if not 0 <= spec.prep_time_seconds <= MAX_PREP_SECONDS:
                raise InvalidInput(f"must be from 0 to {MAX_PREP_SECONDS}", field="prep_time_seconds")
            self.prep_time_seconds = spec.prep_time_seconds
        if spec.allergens is not None:
            self.allergens = _tags(spec.allergens, "allergens")
        if spec.course is not None:
            if spec.course not in COURSES:
                raise InvalidInput(f"must be one of {', '.join(COURSES)}", field="course")
            self.course = spec.course
        if spec.description is not None:
            if len(spec.description) > MAX_DESCRIPTION:
                raise InvalidInput(f"must be at most {MAX_DESCRIPTION} characters", field="description")
            self.description = spec.description.strip()
        if spec.active is not None:
            self.active = spec.active
        if spec.modifier_group_ids is not None:
            self.modifier_group_ids = _unique_ids(spec.modifier_group_ids, "modifier_group_ids",
                                                  MAX_GROUPS_PER_ITEM)


# ---- modifier groups ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ModifierOption:
    option_id: uuid.UUID
    name: str
    price_delta_cents: int = 0  # may be negative ("no cheese"); an item's unit price never goes below 0
    is_default: bool = False
    opens_group_id: uuid.UUID | None = None  # a further group this choice opens (e.g. "Steak" -> "Doneness")


@dataclass
class ModifierGroup:
    group_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    min_selections: int
    max_selections: int
    options: list[ModifierOption]
    updated_at: datetime
    version: int = 1

    @property
    def required(self) -> bool:
        """Required means at least one selection: derived from min_selections, never stored apart."""
        return self.min_selections > 0

    @classmethod
    def create(cls, *, group_id: uuid.UUID, tenant_id: uuid.UUID, name: str, min_selections: int,
               max_selections: int, options: list[ModifierOption], at: datetime) -> ModifierGroup:
        group = cls(group_id, tenant_id, _name(name, "name"), min_selections, max_selections, [], at)
        group._set_options(options)
        group._check_counts()
        return group

    def change(self, *, at: datetime, name: str | None = None, min_selections: int | None = None,
               max_selections: int | None = None, options: list[ModifierOption] | None = None) -> None:
        if name is not None:
            self.name = _name(name, "name")
        if min_selections is not None:
            self.min_selections = min_selections
        if max_selections is not None:
            self.max_selections = max_selections
        if options is not None:
            self._set_options(options)
        self._check_counts()
        self.version += 1
        self.updated_at = at

    def option(self, option_id: uuid.UUID) -> ModifierOption | None:
        return next((o for o in self.options if o.option_id == option_id), None)

    def _set_options(self, options: list[ModifierOption]) -> None:
        if not 1 <= len(options) <= MAX_OPTIONS:
            raise InvalidInput(f"a group needs 1 to {MAX_OPTIONS} options", field="options")
        if len({o.option_id for o in options}) != len(options):
            raise InvalidInput("must not repeat an option id", field="options")
        self.options = [replace(o, name=_name(o.name, f"options[{i}].name"),
                                price_delta_cents=_cents(o.price_delta_cents, f"options[{i}].price_delta_cents",
                                                         low=-MAX_PRICE_CENTS))
                        for i, o in enumerate(options)]
        for i, o in enumerate(self.options):
            if o.opens_group_id == self.group_id:
                raise InvalidInput("a group cannot open itself", field=f"options[{i}].opens_group_id")

    def _check_counts(self) -> None:
        if not 0 <= self.min_selections <= MAX_OPTIONS:
            raise InvalidInput(f"must be from 0 to {MAX_OPTIONS}", field="min_selections")
        if not 1 <= self.max_selections <= len(self.options):
            raise InvalidInput("must be from 1 to the number of options", field="max_selections")
        if self.min_selections > self.max_selections:
            raise InvalidInput("must not exceed max_selections", field="min_selections")
        if sum(o.is_default for o in self.options) > self.max_selections:
            raise InvalidInput("more defaults than max_selections allows", field="options")


def check_nesting(groups: Mapping[uuid.UUID, ModifierGroup], changed: ModifierGroup) -> None:
    """`changed` (a new or edited group) among the tenant's other `groups`: every option opens a group
    that exists, no chain loops, no chain holds more than MAX_NESTING groups. The groups were fine
    before, and only the options of `changed` moved, so InvalidInput names the first option that breaks it."""
    graph = {**groups, changed.group_id: changed}
    above = _chain_above(graph, changed.group_id, ())
    for index, option in enumerate(changed.options):
        child = option.opens_group_id
        if child is None:
            continue
        where = f"options[{index}].opens_group_id"
        if child not in graph:
            raise InvalidInput("no such modifier group", field=where)
        if above + 1 + _chain_below(graph, child, (changed.group_id,)) > MAX_NESTING:
            raise InvalidInput(f"nests modifier groups deeper than {MAX_NESTING} levels, or in a loop", field=where)


def _chain_below(graph: Mapping[uuid.UUID, ModifierGroup], group_id: uuid.UUID, path: tuple[uuid.UUID, ...]) -> int:
    """Groups in the longest chain starting at `group_id` (a loop counts as too long)."""
    if group_id in path:
        return MAX_NESTING + 1
    children = {o.opens_group_id for o in graph[group_id].options if o.opens_group_id in graph}
    return 1 + max((_chain_below(graph, child, (*path, group_id)) for child in children), default=0)


def _chain_above(graph: Mapping[uuid.UUID, ModifierGroup], group_id: uuid.UUID, path: tuple[uuid.UUID, ...]) -> int:
    """Groups chained above `group_id` (groups with an option opening it), in the longest chain."""
    if group_id in path:
        return MAX_NESTING + 1
    parents = [g.group_id for g in graph.values() if any(o.opens_group_id == group_id for o in g.options)]
    return max((1 + _chain_above(graph, parent, (*path, group_id)) for parent in parents), default=0)


# ---- per-location overrides --------------------------------------------------------------------
@dataclass
class LocationOverride:
    """What a location changes about an item (price, availability) or an option (price delta,
    availability). No override means: the tenant's price, available."""

    tenant_id: uuid.UUID
    location_id: uuid.UUID
    target_type: str  # ITEM or OPTION
    target_id: uuid.UUID
    price_cents: int | None  # item: its price here; option: its price delta here; None: the tenant's
    available: bool
    updated_at: datetime
    version: int = 1

    def set(self, *, price_cents: int | None, available: bool, at: datetime) -> None:
        low = 0 if self.target_type == ITEM else -MAX_PRICE_CENTS
        self.price_cents = None if price_cents is None else _cents(price_cents, "price_cents", low)
        self.available = available
        self.version += 1
        self.updated_at = at


def new_override(tenant_id: uuid.UUID, location_id: uuid.UUID, target_type: str, target_id: uuid.UUID,
                 at: datetime) -> LocationOverride:
    """The implicit override (none): version 0, so the first real write makes it version 1."""
    return LocationOverride(tenant_id, location_id, target_type, target_id, None, True, at, version=0)


# ---- the menu at one location ------------------------------------------------------------------
@dataclass(frozen=True)
class ItemAtLocation:
    item: MenuItem
    price_cents: int
    price_overridden: bool
    available: bool  # active, its category active, not 86'd here


@dataclass(frozen=True)
class OptionAtLocation:
    option: ModifierOption
    price_delta_cents: int
    available: bool


@dataclass
class Overrides:
    """A location's overrides by target, for lookups while pricing or building a menu."""

    by_target: dict[tuple[str, uuid.UUID], LocationOverride] = field(default_factory=dict)

    @classmethod
    def of(cls, overrides: Iterable[LocationOverride]) -> Overrides:
        return cls({(o.target_type, o.target_id): o for o in overrides})

    def item(self, item: MenuItem, category_active: bool = True) -> ItemAtLocation:
        override = self.by_target.get((ITEM, item.item_id))
        price = override.price_cents if override and override.price_cents is not None else item.price_cents
        available = item.active and category_active and (override is None or override.available)
        return ItemAtLocation(item, price, override is not None and override.price_cents is not None, available)

    def option(self, option: ModifierOption) -> OptionAtLocation:
        override = self.by_target.get((OPTION, option.option_id))
        delta = override.price_cents if override and override.price_cents is not None else option.price_delta_cents
        return OptionAtLocation(option, delta, override is None or override.available)


# ---- pricing one item --------------------------------------------------------------------------
@dataclass(frozen=True)
class PricedModifier:
    option_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    name: str
    price_delta_cents: int
    defaulted: bool  # applied as the group's default, not chosen by the caller


@dataclass(frozen=True)
class PricedItem:
    """One unit of an item as ordered at a location: what the checks part stores on a line.

    `base_price_cents` is the item's price at the location (override applied); `unit_price_cents`
    adds the modifiers' deltas (never below 0)."""

    item_id: uuid.UUID
    name: str
    base_price_cents: int
    unit_price_cents: int
    tax_category: str
    kitchen_tags: tuple[str, ...]
    prep_time_seconds: int
    course: str
    allergens: tuple[str, ...]
    modifiers: tuple[PricedModifier, ...]
    available: bool = True
    category_id: uuid.UUID | None = None  # the menu category (pricing rules may target it)


@dataclass(frozen=True)
class ItemRequest:
    """One line to price: the item, the options chosen, where the line is in the request (errors name it)."""

    item_id: uuid.UUID | str
    modifier_ids: tuple[uuid.UUID | str, ...] = ()
    field_prefix: str = ""


def _prefixed(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def price(item: MenuItem, *, category_active: bool, groups: Mapping[uuid.UUID, ModifierGroup],
          overrides: Overrides, modifier_ids: list[uuid.UUID], field_prefix: str = "") -> PricedItem:
    """`item` with `modifier_ids` at the location `overrides` belong to. `groups` holds at least every
    group reachable from the item. Errors name `<field_prefix>.item_id` / `.modifier_ids[i]`."""
    item_field, ids_field = _prefixed(field_prefix, "item_id"), _prefixed(field_prefix, "modifier_ids")
    here = overrides.item(item, category_active)
    if not here.available:
        why = "is 86'd at this location" if item.active and category_active else "is not on the menu"
        raise Conflict(f"{item.name} {why}", field=item_field)
    if len(modifier_ids) > MAX_SELECTIONS:
        raise InvalidInput(f"at most {MAX_SELECTIONS} entries", field=ids_field)
    owner = {o.option_id: g for g in groups.values() for o in g.options}
    chosen: dict[uuid.UUID, list[uuid.UUID]] = {}  # group id -> option ids the caller chose, in order
    position: dict[uuid.UUID, int] = {}
    for index, option_id in enumerate(modifier_ids):
        where = f"{ids_field}[{index}]"
        if option_id in position:
            raise InvalidInput("the same option twice", field=where)
        position[option_id] = index
        group = owner.get(option_id)
        if group is None:
            raise InvalidInput("no such modifier option", field=where)
        chosen.setdefault(group.group_id, []).append(option_id)

    priced: list[PricedModifier] = []
    reached: set[uuid.UUID] = set()
    pending = [(group_id, 1) for group_id in item.modifier_group_ids]
    while pending:
        group_id, level = pending.pop(0)
        group = groups.get(group_id)
        if group is None or group_id in reached or level > MAX_NESTING:
            continue  # a dangling or too-deep reference is ignored, as on the menu the guest sees
        reached.add(group_id)
        picks = chosen.get(group_id)
        defaulted = picks is None
        if defaulted:
            picks = [o.option_id for o in group.options if o.is_default and overrides.option(o).available]
        if not group.min_selections <= len(picks) <= group.max_selections:
            raise InvalidInput(f"{group.name} takes {_selections(group)}, got {len(picks)}", field=ids_field)
        for option_id in picks:
            option = group.option(option_id)
            at_location = overrides.option(option)
            if not at_location.available:
                raise Conflict(f"{option.name} is 86'd at this location",
                               field=f"{ids_field}[{position[option_id]}]")
            priced.append(PricedModifier(option_id, group_id, group.name, option.name,
                                         at_location.price_delta_cents, defaulted))
            if option.opens_group_id is not None:
                pending.append((option.opens_group_id, level + 1))

    for group_id, option_ids in chosen.items():
        if group_id not in reached:
            raise InvalidInput(f"belongs to {groups[group_id].name}, which this item (with these choices) does "
                               "not offer", field=f"{ids_field}[{position[option_ids[0]]}]")
    unit = max(0, here.price_cents + sum(m.price_delta_cents for m in priced))
    return PricedItem(item.item_id, item.name, here.price_cents, unit, item.tax_category, item.kitchen_tags,
                      item.prep_time_seconds, item.course, item.allergens, tuple(priced),
                      category_id=item.category_id)


def _selections(group: ModifierGroup) -> str:
    if group.min_selections == group.max_selections:
        return f"exactly {group.min_selections}"
    return f"{group.min_selections} to {group.max_selections}"
