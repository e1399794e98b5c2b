"""Pricing-rule tables (schema orders). Targets are arrays, the effect and the time windows JSONB:
a rule is read and written whole, never queried by its parts."""
import uuid
from datetime import date

from chassis.db import TimestampedMixin
from sqlalchemy import Boolean, Date, Index, Integer, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from orders.adapters.orm import Base


class PricingRuleRow(TimestampedMixin, Base):
    __tablename__ = "pricing_rules"
    __table_args__ = (Index("ix_pricing_rules_tenant_id_location_id", "tenant_id", "location_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # NULL: every location of the tenant
    name: Mapped[str] = mapped_column(Text)
    effect: Mapped[dict] = mapped_column(JSONB)  # {"type": "percent_off", "percent": "20"}
    item_ids: Mapped[list[str]] = mapped_column(ARRAY(Text))
    categories: Mapped[list[str]] = mapped_column(ARRAY(Text))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text))
    windows: Mapped[list[dict]] = mapped_column(JSONB)  # [{"days": ["mon"], "start": "16:00", "end": "18:00"}]
    min_quantity: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer)
    exclusive: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
