"""Payments tables (schema orders, migration 0006): payments, splits, refunds, settlement imports."""
import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from orders.adapters.orm import Base


class PaymentRow(Base):
    """One payment against a check. A card is its brand, last four and processor reference only."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tender: Mapped[str] = mapped_column(Text)  # cash | card | gift_card | external
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    tip_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    tendered_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    change_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    card_brand: Mapped[str] = mapped_column(Text, default="")
    card_last4: Mapped[str] = mapped_column(Text, default="")
    processor_reference: Mapped[str] = mapped_column(Text, default="")
    external_reference: Mapped[str] = mapped_column(Text, default="")
    split_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat: Mapped[int | None] = mapped_column(Integer)
    server_staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    business_date: Mapped[date]
    paid_at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(Text)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_tip_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderSplitRow(Base):
    """One part (sub-balance) of a split check: by seat, by amount or evenly."""

    __tablename__ = "order_splits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)  # seat | amount | even
    label: Mapped[str] = mapped_column(Text)
    seat: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # The check's total when it was split: a check changed since (a line added) must be split again.
    order_total_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class RefundRow(Base):
    """Money given back on one payment (amount and tip), by line or by amount."""

    __tablename__ = "refunds"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    tip_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    line_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(Text)
    business_date: Mapped[date]
    refunded_at: Mapped[datetime]


class SettlementImportRow(Base):
    """One settlement file imported for a location and business day (by its SHA-256: once)."""

    __tablename__ = "settlement_imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    business_date: Mapped[date]
    file_sha256: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="processor")  # processor | pos
    row_count: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime]


class SettlementRowRow(Base):
    """One line of a settlement file: what the processor (or POS) says it settled."""

    __tablename__ = "settlement_rows"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("settlement_imports.id"), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    processor_reference: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    tip_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_at: Mapped[datetime | None]
