"""tax tables (schema tax). Rates and payroll rules are effective-dated rows, loaded by migration from the
packaged seed; employer settings and the paycheck ledger are per tenant."""
import uuid
from datetime import date, datetime
from typing import Any

from chassis.db import TimestampedMixin, make_base, utcnow
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tax.domain.ledger import AMOUNT_FIELDS

Base = make_base()

# The columns of a sales-tax rate row, as the seed JSON and the engine's rate rows name them.
RATE_FIELDS = ("jurisdiction_id", "name", "level", "rate", "rate_prepared_food", "rate_alcohol",
               "rate_grocery", "effective_from", "effective_to", "rounding", "source")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


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
    # Rows are never edited once in use: see RuleRevision.
    revision_added: Mapped[int | None] = mapped_column(BigInteger)
    revision_retired: Mapped[int | None] = mapped_column(BigInteger)

    def as_row(self) -> dict[str, Any]:
        """The engine's rate row (dates as ISO strings)."""
        values = {field: getattr(self, field) for field in RATE_FIELDS}
        values["effective_from"], values["effective_to"] = _iso(self.effective_from), _iso(self.effective_to)
        return values

    @classmethod
    def from_row(cls, row: dict[str, Any], revision: int) -> "SalesTaxRate":
        values = {field: row.get(field) for field in RATE_FIELDS}
        values["effective_from"], values["effective_to"] = _date(row["effective_from"]), _date(row.get("effective_to"))
        return cls(**values, revision_added=revision)


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


# ---------------------------------------------------------------- rule revisions (payroll and sales)


class RuleRevision(Base):
    """One change to a rule domain's tables ("payroll" or "sales"). The newest id of a domain is its
    current revision: caches are keyed by it, and rows name the revision that added or retired them,
    so the tables as of any revision can be rebuilt (an audit can replay an old calculation)."""

    __tablename__ = "rule_revisions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    domain: Mapped[str] = mapped_column(Text, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)


class PayrollTaxRule(Base):
    """One effective-dated payroll rule row (the engine's row shape). Rows are never edited: a change
    retires a row (revision_retired) and adds its replacement."""

    __tablename__ = "payroll_tax_rules"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(Text)
    tax: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(Text)  # "value" or "brackets": which key the row dict carries
    data: Mapped[Any] = mapped_column(JSONB(none_as_null=False))  # JSON null is a real value (no ceiling)
    source: Mapped[str] = mapped_column(Text)
    revision_added: Mapped[int] = mapped_column(BigInteger, ForeignKey("rule_revisions.id"))
    revision_retired: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("rule_revisions.id"))

    @property
    def rule(self) -> tuple[str, str, str]:
        return self.jurisdiction, self.tax, self.key

    def as_row(self) -> dict[str, Any]:
        """The engine's row shape (key order as in the JSON files; the hash sorts keys anyway)."""
        out: dict[str, Any] = {"jurisdiction": self.jurisdiction, "tax": self.tax, "key": self.key,
                               "effective_from": _iso(self.effective_from), "effective_to": _iso(self.effective_to)}
        out[self.kind] = self.data
        out["source"] = self.source
        return out

    @classmethod
    def from_row(cls, row: dict[str, Any], revision: int) -> "PayrollTaxRule":
        kind = "brackets" if "brackets" in row else "value"
        return cls(jurisdiction=row["jurisdiction"], tax=row["tax"], key=row["key"],
                   effective_from=_date(row["effective_from"]), effective_to=_date(row["effective_to"]),
                   kind=kind, data=row[kind], source=row["source"], revision_added=revision)


# ---------------------------------------------------------------- employer settings (per tenant)


class EmployerTaxSettings(TimestampedMixin, Base):
    """What a tenant's withholding requests default to, and what its forms print as the employer."""

    __tablename__ = "employer_tax_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    round_federal_to_whole_dollars: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_name: Mapped[str | None] = mapped_column(Text)
    ein: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    state_employer_ids: Mapped[dict] = mapped_column(JSONB, default=dict)  # {"CA": "123-4567-8"}


class EmployerSutaRate(Base):
    """A tenant's state unemployment (SUTA) experience rate and wage base, from a date on."""

    __tablename__ = "employer_suta_rates"
    __table_args__ = (UniqueConstraint("tenant_id", "state", "effective_from"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    state: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    rate: Mapped[str] = mapped_column(Text)  # decimal string fraction, "0.034"
    wage_base: Mapped[str] = mapped_column(Text)  # decimal string, "7000.00"


# ---------------------------------------------------------------- tax ledger

# Money columns of a ledger entry (NUMERIC(14,2)), one per amount of a record: see domain/ledger/records.py.
AMOUNT_COLUMNS = AMOUNT_FIELDS


class PaycheckLedgerEntry(Base):
    """One finalized paycheck (or contractor payment), recorded once per (tenant, paycheck_id)."""

    __tablename__ = "paycheck_ledger"
    __table_args__ = (UniqueConstraint("tenant_id", "paycheck_id"),
                      Index("ix_paycheck_ledger_employee_year", "tenant_id", "employee_id", "tax_year"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    employee_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    paycheck_id: Mapped[str] = mapped_column(Text)
    tax_year: Mapped[int] = mapped_column(Integer)
    pay_date: Mapped[date] = mapped_column(Date)
    worker_type: Mapped[str] = mapped_column(Text)  # employee | contractor
    employee_display_name: Mapped[str] = mapped_column(Text)
    ssn_last4: Mapped[str] = mapped_column(Text)
    pay_frequency: Mapped[str | None] = mapped_column(Text)
    payment_type: Mapped[str | None] = mapped_column(Text)
    work_state: Mapped[str | None] = mapped_column(Text)
    locality_code: Mapped[str | None] = mapped_column(Text)
    locality_resident: Mapped[bool | None] = mapped_column(Boolean)
    nec_state: Mapped[str | None] = mapped_column(Text)
    rules_version: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)  # what a re-sent paycheck is compared by
    source: Mapped[str] = mapped_column(Text)  # event | rpc
    event_id: Mapped[str | None] = mapped_column(Text)
    finalized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


for _column in AMOUNT_COLUMNS:
    setattr(PaycheckLedgerEntry, _column, mapped_column(_column, Numeric(14, 2), nullable=False, default=0))
