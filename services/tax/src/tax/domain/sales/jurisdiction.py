"""JurisdictionRate: one effective-dated rate of one taxing jurisdiction, as a plain object.

The engine never reads files or databases; the service hands it these objects (built from
rows by `rows.build_jurisdiction_rates`, or from the future PostgreSQL table). One
jurisdiction (e.g. "us-il-rta") has one object per validity period; a rate change is a new
object with a later `effective_from`, never an edit, so past orders re-compute identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, get_args

from .errors import SalesTaxDataError

Level = Literal["state", "county", "city", "special"]
Rounding = Literal["per_line", "per_invoice"]
Category = Literal["prepared_food", "alcohol", "grocery", "non_taxable", "general"]

LEVELS: tuple[str, ...] = get_args(Level)
ROUNDINGS: tuple[str, ...] = get_args(Rounding)
CATEGORIES: tuple[str, ...] = get_args(Category)
# Categories a jurisdiction may rate differently from its base rate. "general" *is* the base
# rate and "non_taxable" is never taxed anywhere, so neither can be overridden.
OVERRIDABLE_CATEGORIES: tuple[str, ...] = ("prepared_food", "alcohol", "grocery")
# Canonical output order (filing reports read state first); also the tie-break order.
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}


def _check_rate(value: object, path: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise SalesTaxDataError(path, "must be a finite Decimal")
    if value < 0 or value >= 1:
        raise SalesTaxDataError(path, "must be a fraction in [0, 1), e.g. Decimal('0.0625')")


@dataclass(frozen=True)
class JurisdictionRate:
    jurisdiction_id: str
    name: str
    level: Level
    rate: Decimal  # base ("general") rate as a fraction: Decimal("0.0625") is 6.25 %
    effective_from: date  # inclusive
    effective_to: date | None  # inclusive; None = still in force
    rounding: Rounding
    # location ids (tax-area codes) this jurisdiction covers; the engine matches
    # SalesTaxRequest.location_id against it.
    location_ids: frozenset[str]
    # category -> rate replacing `rate` for that category (0 means exempt here).
    category_rates: Mapping[str, Decimal] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        jid = self.jurisdiction_id or "<missing>"
        if not isinstance(self.jurisdiction_id, str) or not self.jurisdiction_id:
            raise SalesTaxDataError("jurisdiction_id", "must be a non-empty string")
        if not isinstance(self.name, str) or not self.name:
            raise SalesTaxDataError(f"{jid}.name", "must be a non-empty string")
        if self.level not in LEVELS:
            raise SalesTaxDataError(f"{jid}.level", f"must be one of {', '.join(LEVELS)}")
        if self.rounding not in ROUNDINGS:
            raise SalesTaxDataError(f"{jid}.rounding", f"must be one of {', '.join(ROUNDINGS)}")
        _check_rate(self.rate, f"{jid}.rate")
        if not isinstance(self.effective_from, date):
            raise SalesTaxDataError(f"{jid}.effective_from", "must be a date")
        if self.effective_to is not None:
            if not isinstance(self.effective_to, date):
                raise SalesTaxDataError(f"{jid}.effective_to", "must be a date or None")
            if self.effective_to < self.effective_from:
                raise SalesTaxDataError(f"{jid}.effective_to", "is before effective_from")
        if not isinstance(self.location_ids, frozenset) or not all(
            isinstance(x, str) and x for x in self.location_ids
        ):
            raise SalesTaxDataError(f"{jid}.location_ids", "must be a frozenset of non-empty strings")
        for category, value in self.category_rates.items():
            if category not in OVERRIDABLE_CATEGORIES:
                raise SalesTaxDataError(
                    f"{jid}.category_rates.{category}",
                    f"only {', '.join(OVERRIDABLE_CATEGORIES)} can be overridden",
                )
            _check_rate(value, f"{jid}.category_rates.{category}")
        # Freeze the mapping so a shared object cannot be mutated between calculations.
        object.__setattr__(self, "category_rates", MappingProxyType(dict(self.category_rates)))

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def rate_for(self, category: str) -> Decimal:
        """Rate this jurisdiction charges on a line of `category`."""
        if category == "non_taxable":
            return Decimal(0)
        return self.category_rates.get(category, self.rate)
