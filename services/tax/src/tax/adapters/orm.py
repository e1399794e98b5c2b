"""tax tables (schema tax). Rates are effective-dated rows, loaded by migration from the packaged seed."""
import uuid
from datetime import date

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import Date, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()


class SalesTaxRate(Base):
    """One jurisdiction's rates over one validity period (columns mirror the seed rows)."""

    __tablename__ = "sales_tax_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    rate: Mapped[str] = mapped_column(Text)  # decimal string: exact, never float
    rate_prepared_food: Mapped[str | None] = mapped_column(Text)
    rate_alcohol: Mapped[str | None] = mapped_column(Text)
    rate_grocery: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    rounding: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class TaxAreaJurisdiction(Base):
    """Which jurisdictions a tax area (e.g. us-pa-philadelphia) lies in."""

    __tablename__ = "tax_area_jurisdictions"
    __table_args__ = (UniqueConstraint("tax_area", "jurisdiction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tax_area: Mapped[str] = mapped_column(Text, index=True)
    jurisdiction_id: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class LocationTaxArea(TimestampedMixin, Base):
    """A tenant's location and the tax area its sales are taxed in."""

    __tablename__ = "location_tax_areas"
    __table_args__ = (UniqueConstraint("tenant_id", "location_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tax_area: Mapped[str] = mapped_column(Text)
