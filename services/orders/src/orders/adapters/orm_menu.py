"""Menu tables (schema orders), on the orders declarative base."""
import uuid
from datetime import datetime

from chassis.db import TimestampedMixin
from sqlalchemy import ARRAY, BigInteger, Boolean, ForeignKey, Integer, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders.adapters.orm import Base


class MenuCategoryRow(TimestampedMixin, Base):
    __tablename__ = "menu_categories"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class MenuItemRow(TimestampedMixin, Base):
    __tablename__ = "menu_items"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("menu_categories.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    tax_category: Mapped[str] = mapped_column(Text)
    kitchen_tags: Mapped[list[str]] = mapped_column(ARRAY(Text))
    prep_time_seconds: Mapped[int] = mapped_column(Integer)
    allergens: Mapped[list[str]] = mapped_column(ARRAY(Text))
    course: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    modifier_group_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    version: Mapped[int] = mapped_column(Integer)


class ModifierGroupRow(TimestampedMixin, Base):
    __tablename__ = "menu_modifier_groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(Text)
    min_selections: Mapped[int] = mapped_column(Integer)
    max_selections: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    options: Mapped[list["ModifierOptionRow"]] = relationship(
        order_by="ModifierOptionRow.position", lazy="selectin", cascade="all, delete-orphan")


class ModifierOptionRow(Base):
    __tablename__ = "menu_modifier_options"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("menu_modifier_groups.id"), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    price_delta_cents: Mapped[int] = mapped_column(BigInteger)
    is_default: Mapped[bool] = mapped_column(Boolean)
    opens_group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class MenuOverrideRow(Base):
    """A location's price/availability for an item or an option; no row: the tenant's, available."""

    __tablename__ = "menu_overrides"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    target_type: Mapped[str] = mapped_column(Text, primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    price_cents: Mapped[int | None] = mapped_column(BigInteger)
    available: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class MenuExternalRefRow(Base):
    """An item's reference in another system (a POS catalog item): UpsertMenuItems finds items by it.
    One item per (tenant, source, reference); a source is e.g. "pos:square:<connection id>"."""

    __tablename__ = "menu_external_refs"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(Text, primary_key=True)
    external_ref: Mapped[str] = mapped_column(Text, primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("menu_items.id"), index=True)
    updated_at: Mapped[datetime]
