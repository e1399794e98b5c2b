"""SalesTaxResult and its parts. Money is int cents; rates are Decimal fractions.

`to_dict` renders rates as strings ("0.0975") so JSON never carries a float rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .money import rate_str


@dataclass(frozen=True)
class LineTax:
    line_id: str
    taxable_cents: int  # part of net_cents that is taxed (0 for exempt / non-taxable lines)
    tax_cents: int
    net_cents: int  # price net of tax, after discount
    rate: Decimal  # combined rate applied to this line's category (0 if exempt)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "taxable_cents": self.taxable_cents,
            "tax_cents": self.tax_cents,
            "net_cents": self.net_cents,
            "rate": rate_str(self.rate),
        }


@dataclass(frozen=True)
class JurisdictionTax:
    """One filing line: a jurisdiction at one rate.

    A jurisdiction that taxes categories at different rates appears once per rate (e.g.
    Illinois 6.25 % general merchandise and 1 % qualifying food), because returns report
    taxable receipts separately per rate.
    """

    jurisdiction_id: str
    name: str
    level: str
    taxable_cents: int
    tax_cents: int
    rate: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction_id": self.jurisdiction_id,
            "name": self.name,
            "level": self.level,
            "taxable_cents": self.taxable_cents,
            "tax_cents": self.tax_cents,
            "rate": rate_str(self.rate),
        }


@dataclass(frozen=True)
class SalesTaxResult:
    location_id: str
    as_of: date
    rounding: str  # the mode actually applied: "per_line" | "per_invoice"
    subtotal_cents: int  # sum of net_cents (net of tax)
    total_tax_cents: int
    total_cents: int  # subtotal + tax = what the customer pays
    lines: tuple[LineTax, ...]
    jurisdictions: tuple[JurisdictionTax, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "location_id": self.location_id,
            "as_of": self.as_of.isoformat(),
            "rounding": self.rounding,
            "subtotal_cents": self.subtotal_cents,
            "total_tax_cents": self.total_tax_cents,
            "total_cents": self.total_cents,
            "lines": [line.to_dict() for line in self.lines],
            "jurisdictions": [j.to_dict() for j in self.jurisdictions],
        }
