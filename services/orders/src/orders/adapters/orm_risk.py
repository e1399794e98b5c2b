"""Risk review tables (schema orders, migration 0007): the tenant's rule settings, what the consumer
observed (the facts the rules count), and the cases (review items) with their hits (JSONB: a case is
read and written whole)."""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from orders.adapters.orm import Base


class RiskSettingsRow(Base):
    """A tenant's overrides of the default risk rules (a partial document of their shape)."""

    __tablename__ = "risk_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document: Mapped[dict] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class RiskObservationRow(Base):
    """One step of a check the rules count: a void, discounted lines, a payment, a refund, a close."""

    __tablename__ = "risk_observations"
    __table_args__ = (
        Index("ix_risk_observations_staff_shift", "tenant_id", "staff_id", "shift_key", "kind"),
        Index("ix_risk_observations_order", "tenant_id", "order_id"),
        Index("ix_risk_observations_card", "tenant_id", "card_ref", "at", postgresql_where="card_ref <> ''"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(Text)
    shift_key: Mapped[str] = mapped_column(Text)
    card_ref: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    discounted_lines: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime]


class RiskCaseRow(Base):
    """A review item: one subject's hits, score, status and the manager's decision."""

    __tablename__ = "risk_cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subject_kind", "subject_key", name="uq_risk_cases_subject"),
        Index("ix_risk_cases_queue", "tenant_id", "status", "flagged_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    subject_kind: Mapped[str] = mapped_column(Text)
    subject_key: Mapped[str] = mapped_column(Text)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(Text)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int] = mapped_column(Integer)
    hits: Mapped[list] = mapped_column(JSONB)
    opened_at: Mapped[datetime]
    flagged_at: Mapped[datetime | None]
    resolved_by: Mapped[str] = mapped_column(Text, default="")
    resolution_reason: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(BigInteger)
