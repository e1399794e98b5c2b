"""orders tables (schema orders)."""
import uuid
from datetime import date, datetime

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

Base = make_base()


class OrderRow(TimestampedMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    server_staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(Text)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    tip_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency_code: Mapped[str] = mapped_column(Text)
    tax_rules_version: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime]
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    # checks (migration 0004)
    order_type: Mapped[str] = mapped_column(Text, default="dine_in")
    channel: Mapped[str] = mapped_column(Text, default="counter")
    table_label: Mapped[str] = mapped_column(Text, default="")
    guest_count: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str] = mapped_column(Text, default="")
    business_date: Mapped[date | None]
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    held_courses: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    lines: Mapped[list["OrderLineRow"]] = relationship(order_by="OrderLineRow.position", lazy="selectin")
    history: Mapped[list["OrderHistoryRow"]] = relationship(order_by="OrderHistoryRow.version", lazy="selectin")


class OrderLineRow(Base):
    __tablename__ = "order_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    modifiers: Mapped[list] = mapped_column(JSONB, default=list)
    seat: Mapped[int | None] = mapped_column(Integer)
    course: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    open_price: Mapped[bool] = mapped_column(Boolean, default=False)
    kitchen_tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    prep_time_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(Text, default="active")
    void_reason: Mapped[str] = mapped_column(Text, default="")
    addition: Mapped[bool] = mapped_column(Boolean, default=False)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # migration 0008: which rule gave how much; the item's menu category
    discounts: Mapped[list] = mapped_column(JSONB, default=list)
    menu_category_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # migration 0010: the POS's own line id (a POS order's lines), "" otherwise
    external_line_id: Mapped[str] = mapped_column(Text, default="")


class OrderHistoryRow(Base):
    """One step of a check (a status move, lines added, a line void, a course held or fired)."""

    __tablename__ = "order_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str | None] = mapped_column(Text)
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    course: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class IdempotencyKeyRow(Base):
    """The first response to a creating POST, replayed for a retry with the same key and body."""

    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime]
