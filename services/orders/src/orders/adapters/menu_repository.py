"""MenuRepository: the menu's queries, rows <-> domain objects (orders.domain.menu).

Unlike orders, menu records are saved explicitly (`save_*`): a use case that changed a record
says so, and a read never writes. Soft-deleted records (deleted_at set) are never handed out.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from orders.adapters.menu_cache import PricingReads
from orders.adapters.orm_menu import (
    MenuCategoryRow,
    MenuExternalRefRow,
    MenuItemRow,
    MenuOverrideRow,
    ModifierGroupRow,
    ModifierOptionRow,
)
from orders.domain.menu import Category, LocationOverride, MenuItem, ModifierGroup, ModifierOption


class MenuRepository:
    def __init__(self, session: Session, cache: PricingReads | None = None) -> None:
        self.session, self.cache = session, cache

    # ---- categories
    def add_category(self, category: Category) -> None:
        self.session.add(_category_row(category, MenuCategoryRow(id=category.category_id)))

    def get_category(self, tenant_id: uuid.UUID, category_id: uuid.UUID, *, for_update: bool = False
                     ) -> Category | None:
        row = self._live(MenuCategoryRow, tenant_id, category_id, for_update)
        return _category(row) if row else None

    def list_categories(self, tenant_id: uuid.UUID) -> list[Category]:
        query = (select(MenuCategoryRow).where(MenuCategoryRow.tenant_id == tenant_id,
                                               MenuCategoryRow.deleted_at.is_(None))
                 .order_by(MenuCategoryRow.position, MenuCategoryRow.name, MenuCategoryRow.id))
        return [_category(row) for row in self.session.scalars(query)]

    def save_category(self, category: Category) -> None:
        _category_row(category, self.session.get_one(MenuCategoryRow, category.category_id))

    def delete_category(self, category: Category, at: datetime) -> None:
        self.session.get_one(MenuCategoryRow, category.category_id).deleted_at = at

    # ---- items
    def add_item(self, item: MenuItem) -> None:
        self.session.add(_item_row(item, MenuItemRow(id=item.item_id)))

    def get_item(self, tenant_id: uuid.UUID, item_id: uuid.UUID, *, for_update: bool = False) -> MenuItem | None:
        row = self._live(MenuItemRow, tenant_id, item_id, for_update)
        return _item(row) if row else None

    # ---- pricing an order's lines: plain column selects on the session's connection (no ORM objects,
    # no ORM execution), the hottest reads there are
    def items_for_pricing(self, tenant_id: uuid.UUID, item_ids: Iterable[uuid.UUID]
                          ) -> dict[uuid.UUID, tuple[MenuItem, bool]]:
        """The live items among `item_ids` with whether their category is active, in ONE query
        (pricing every line of an order at once); from the cache for this menu generation."""
        item_ids = frozenset(item_ids)
        if self.cache is not None:
            return dict(self.cache.cached(self.session, ("items", tenant_id, item_ids),
                                          lambda: self._items_for_pricing(tenant_id, item_ids)))
        return self._items_for_pricing(tenant_id, item_ids)

    def _items_for_pricing(self, tenant_id: uuid.UUID, item_ids: frozenset[uuid.UUID]
                           ) -> dict[uuid.UUID, tuple[MenuItem, bool]]:
        item, category = MenuItemRow.__table__.c, MenuCategoryRow.__table__.c
        active = (select(category.active).where(category.id == item.category_id, category.tenant_id == tenant_id,
                                                 category.deleted_at.is_(None)).scalar_subquery())
        query = select(item.id, item.tenant_id, item.category_id, item.name, item.price_cents, item.tax_category,
                       item.kitchen_tags, item.prep_time_seconds, item.allergens, item.course, item.description,
                       item.active, item.modifier_group_ids, item.updated_at, item.version, active.label("shown")
                       ).where(item.id.in_(list(item_ids)), item.tenant_id == tenant_id, item.deleted_at.is_(None))
        return {row.id: (MenuItem(row.id, row.tenant_id, row.category_id, row.name, row.price_cents, row.tax_category,
                                  tuple(row.kitchen_tags), row.prep_time_seconds, tuple(row.allergens), row.course,
                                  row.description, row.active, tuple(row.modifier_group_ids), row.updated_at,
                                  row.version), bool(row.shown))
                for row in self.session.connection().execute(query)}

    def groups_for_pricing(self, tenant_id: uuid.UUID, group_ids: Iterable[uuid.UUID]) -> list[ModifierGroup]:
        """The live groups among `group_ids` with their options, in ONE query (list_groups takes two);
        from the cache for this menu generation."""
        group_ids = frozenset(group_ids)
        if self.cache is not None:
            return list(self.cache.cached(self.session, ("groups", tenant_id, group_ids),
                                          lambda: self._groups_for_pricing(tenant_id, group_ids)))
        return self._groups_for_pricing(tenant_id, group_ids)

    def _groups_for_pricing(self, tenant_id: uuid.UUID, group_ids: frozenset[uuid.UUID]) -> list[ModifierGroup]:
        group, option = ModifierGroupRow.__table__.c, ModifierOptionRow.__table__.c
        query = (select(group.id, group.tenant_id, group.name, group.min_selections, group.max_selections,
                        group.updated_at, group.version, option.id.label("option_id"), option.name.label("option_name"),
                        option.price_delta_cents, option.is_default, option.opens_group_id)
                 .select_from(ModifierGroupRow.__table__.outerjoin(ModifierOptionRow.__table__,
                                                                    option.group_id == group.id))
                 .where(group.id.in_(list(group_ids)), group.tenant_id == tenant_id, group.deleted_at.is_(None))
                 .order_by(group.id, option.position))
        found: dict[uuid.UUID, ModifierGroup] = {}
        for row in self.session.connection().execute(query):
            loaded = found.get(row.id)
            if loaded is None:
                loaded = found[row.id] = ModifierGroup(row.id, row.tenant_id, row.name, row.min_selections,
                                                       row.max_selections, [], row.updated_at, row.version)
            if row.option_id is not None:
                loaded.options.append(ModifierOption(row.option_id, row.option_name, row.price_delta_cents,
                                                     row.is_default, row.opens_group_id))
        return list(found.values())

    def overrides_for_pricing(self, tenant_id: uuid.UUID, location_id: uuid.UUID,
                              target_ids: Iterable[uuid.UUID]) -> list[LocationOverride]:
        """overrides_at for pricing: the same rows, without ORM objects; from the cache for this
        menu generation."""
        target_ids = frozenset(target_ids)
        if self.cache is not None:
            return list(self.cache.cached(self.session, ("overrides", tenant_id, location_id, target_ids),
                                          lambda: self._overrides_for_pricing(tenant_id, location_id, target_ids)))
        return self._overrides_for_pricing(tenant_id, location_id, target_ids)

    def _overrides_for_pricing(self, tenant_id: uuid.UUID, location_id: uuid.UUID,
                               target_ids: frozenset[uuid.UUID]) -> list[LocationOverride]:
        override = MenuOverrideRow.__table__.c
        query = select(override.tenant_id, override.location_id, override.target_type, override.target_id,
                       override.price_cents, override.available, override.updated_at, override.version).where(
            override.tenant_id == tenant_id, override.location_id == location_id,
            override.target_id.in_(list(target_ids)))
        return [LocationOverride(*row) for row in self.session.connection().execute(query)]

    def list_items(self, tenant_id: uuid.UUID, *, category_id: uuid.UUID | None = None,
                   updated_since: datetime | None = None, group_id: uuid.UUID | None = None) -> list[MenuItem]:
        """The tenant's items by name; filtered by category, by last change, by a group they offer."""
        query = select(MenuItemRow).where(MenuItemRow.tenant_id == tenant_id, MenuItemRow.deleted_at.is_(None))
        if category_id is not None:
            query = query.where(MenuItemRow.category_id == category_id)
        if updated_since is not None:
            query = query.where(MenuItemRow.updated_at >= updated_since)
        if group_id is not None:
            query = query.where(MenuItemRow.modifier_group_ids.any(group_id))
        return [_item(row) for row in self.session.scalars(query.order_by(MenuItemRow.name, MenuItemRow.id))]

    def save_item(self, item: MenuItem) -> None:
        _item_row(item, self.session.get_one(MenuItemRow, item.item_id))

    def delete_item(self, item: MenuItem, at: datetime) -> None:
        self.session.get_one(MenuItemRow, item.item_id).deleted_at = at

    # ---- modifier groups
    def add_group(self, group: ModifierGroup) -> None:
        self.session.add(_group_row(group, ModifierGroupRow(id=group.group_id, options=[])))

    def get_group(self, tenant_id: uuid.UUID, group_id: uuid.UUID, *, for_update: bool = False
                  ) -> ModifierGroup | None:
        row = self._live(ModifierGroupRow, tenant_id, group_id, for_update)
        return _group(row) if row else None

    def list_groups(self, tenant_id: uuid.UUID, group_ids: Iterable[uuid.UUID] | None = None) -> list[ModifierGroup]:
        """The tenant's groups by name (only `group_ids` when given)."""
        query = select(ModifierGroupRow).where(ModifierGroupRow.tenant_id == tenant_id,
                                               ModifierGroupRow.deleted_at.is_(None))
        if group_ids is not None:
            query = query.where(ModifierGroupRow.id.in_(list(group_ids)))
        return [_group(row) for row in self.session.scalars(query.order_by(ModifierGroupRow.name,
                                                                           ModifierGroupRow.id))]

    def group_of_option(self, tenant_id: uuid.UUID, option_id: uuid.UUID) -> ModifierGroup | None:
        query = (select(ModifierGroupRow).join(ModifierOptionRow, ModifierOptionRow.group_id == ModifierGroupRow.id)
                 .where(ModifierOptionRow.id == option_id, ModifierGroupRow.tenant_id == tenant_id,
                        ModifierGroupRow.deleted_at.is_(None)))
        row = self.session.scalars(query).first()
        return _group(row) if row else None

    def save_group(self, group: ModifierGroup) -> None:
        _group_row(group, self.session.get_one(ModifierGroupRow, group.group_id))

    def delete_group(self, group: ModifierGroup, at: datetime) -> None:
        self.session.get_one(ModifierGroupRow, group.group_id).deleted_at = at

    # ---- per-location overrides
    def get_override(self, tenant_id: uuid.UUID, location_id: uuid.UUID, target_type: str, target_id: uuid.UUID,
                     *, for_update: bool = False) -> LocationOverride | None:
        query = select(MenuOverrideRow).where(
            MenuOverrideRow.tenant_id == tenant_id, MenuOverrideRow.location_id == location_id,
            MenuOverrideRow.target_type == target_type, MenuOverrideRow.target_id == target_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return _override(row) if row else None

    def overrides_at(self, tenant_id: uuid.UUID, location_id: uuid.UUID,
                     target_ids: Iterable[uuid.UUID] | None = None) -> list[LocationOverride]:
        query = select(MenuOverrideRow).where(MenuOverrideRow.tenant_id == tenant_id,
                                              MenuOverrideRow.location_id == location_id)
        if target_ids is not None:
            query = query.where(MenuOverrideRow.target_id.in_(list(target_ids)))
        return [_override(row) for row in self.session.scalars(query)]

    def save_override(self, override: LocationOverride) -> None:
        """Inserts or updates in one statement: two first writes of the same override at once (no row
        to lock yet) end as the later one, never as a duplicate-key error."""
        values = {"tenant_id": override.tenant_id, "location_id": override.location_id,
                  "target_type": override.target_type, "target_id": override.target_id,
                  "price_cents": override.price_cents, "available": override.available,
                  "version": override.version, "updated_at": override.updated_at}
        statement = insert(MenuOverrideRow).values(values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["tenant_id", "location_id", "target_type", "target_id"],
            set_={key: statement.excluded[key] for key in ("price_cents", "available", "version", "updated_at")}))

    # ---- external references (a POS catalog item -> our item)
    def lock_source(self, tenant_id: uuid.UUID, source: str) -> None:
        """Serializes upserts of one source until the transaction ends: two first syncs of the same
        catalog at once would otherwise both create the items they do not find."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                             {"key": f"menu-source:{tenant_id}:{source}"})

    def lock_peer_items(self, tenant_id: uuid.UUID) -> None:
        """Serializes peer upserts of one tenant (whatever their source) until the transaction ends: two
        POS connections (or a deleted one's last pull and its successor's first) each finding no item
        of a name would otherwise both create it."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                             {"key": f"menu-peer-items:{tenant_id}"})

    def item_named(self, tenant_id: uuid.UUID, name: str) -> MenuItem | None:
        """The tenant's live item of that name (case and surrounding blanks ignored), the first in the
        menu's order (list_items) when it holds several."""
        query = (select(MenuItemRow).where(MenuItemRow.tenant_id == tenant_id, MenuItemRow.deleted_at.is_(None),
                                           func.lower(func.btrim(MenuItemRow.name)) == name.strip().lower())
                 .order_by(MenuItemRow.name, MenuItemRow.id).limit(1))
        row = self.session.scalars(query).first()
        return _item(row) if row is not None else None

    def external_refs(self, tenant_id: uuid.UUID, source: str, refs: Iterable[str], *, for_update: bool = False
                      ) -> dict[str, uuid.UUID]:
        """The items linked to `refs` of `source`, by reference (locked when asked: two upserts of the
        same references queue up instead of both creating an item)."""
        query = select(MenuExternalRefRow).where(MenuExternalRefRow.tenant_id == tenant_id,
                                                 MenuExternalRefRow.source == source,
                                                 MenuExternalRefRow.external_ref.in_(list(refs)))
        if for_update:
            query = query.with_for_update()
        return {row.external_ref: row.item_id for row in self.session.scalars(query)}

    def link_external_ref(self, tenant_id: uuid.UUID, source: str, ref: str, item_id: uuid.UUID,
                          at: datetime) -> None:
        """Points the reference at the item (inserted, or moved from another item)."""
        values = {"tenant_id": tenant_id, "source": source, "external_ref": ref, "item_id": item_id,
                  "updated_at": at}
        statement = insert(MenuExternalRefRow).values(values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["tenant_id", "source", "external_ref"],
            set_={"item_id": statement.excluded.item_id, "updated_at": statement.excluded.updated_at}))

    def _live(self, row_class, tenant_id: uuid.UUID, record_id: uuid.UUID, for_update: bool):
        query = select(row_class).where(row_class.id == record_id, row_class.tenant_id == tenant_id,
                                        row_class.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()


def _category(row: MenuCategoryRow) -> Category:
    return Category(row.id, row.tenant_id, row.name, row.position, row.active, row.updated_at, row.version)


def _category_row(category: Category, row: MenuCategoryRow) -> MenuCategoryRow:
    row.tenant_id, row.name, row.position = category.tenant_id, category.name, category.position
    row.active, row.version, row.updated_at = category.active, category.version, category.updated_at
    return row


def _item(row: MenuItemRow) -> MenuItem:
    return MenuItem(row.id, row.tenant_id, row.category_id, row.name, row.price_cents, row.tax_category,
                    tuple(row.kitchen_tags), row.prep_time_seconds, tuple(row.allergens), row.course,
                    row.description, row.active, tuple(row.modifier_group_ids), row.updated_at, row.version)


def _item_row(item: MenuItem, row: MenuItemRow) -> MenuItemRow:
    row.tenant_id, row.category_id, row.name, row.description = item.tenant_id, item.category_id, item.name, \
        item.description
    row.price_cents, row.tax_category, row.course, row.active = item.price_cents, item.tax_category, item.course, \
        item.active
    row.kitchen_tags, row.allergens = list(item.kitchen_tags), list(item.allergens)
    row.prep_time_seconds, row.modifier_group_ids = item.prep_time_seconds, list(item.modifier_group_ids)
    row.version, row.updated_at = item.version, item.updated_at
    return row


def _group(row: ModifierGroupRow) -> ModifierGroup:
    options = [ModifierOption(o.id, o.name, o.price_delta_cents, o.is_default, o.opens_group_id) for o in row.options]
    return ModifierGroup(row.id, row.tenant_id, row.name, row.min_selections, row.max_selections, options,
                         row.updated_at, row.version)


def _group_row(group: ModifierGroup, row: ModifierGroupRow) -> ModifierGroupRow:
    row.tenant_id, row.name = group.tenant_id, group.name
    row.min_selections, row.max_selections = group.min_selections, group.max_selections
    row.version, row.updated_at = group.version, group.updated_at
    existing = {o.id: o for o in row.options}
    options = []
    for position, option in enumerate(group.options):
        option_row = existing.get(option.option_id) or ModifierOptionRow(id=option.option_id, tenant_id=group.tenant_id)
        option_row.position, option_row.name = position, option.name
        option_row.price_delta_cents, option_row.is_default = option.price_delta_cents, option.is_default
        option_row.opens_group_id = option.opens_group_id
        options.append(option_row)
    row.options = options  # options left out are deleted (delete-orphan)
    return row


def _override(row: MenuOverrideRow) -> LocationOverride:
    return LocationOverride(row.tenant_id, row.location_id, row.target_type, row.target_id, row.price_cents,
                            row.available, row.updated_at, row.version)
