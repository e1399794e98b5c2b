"""Build JurisdictionRate objects from flat rows (seed JSON today, PostgreSQL rows later).

Two row kinds, mirroring two future tables:
- rate rows (`sales_tax_rates`): one jurisdiction over one validity period, with nullable
  per-category override columns (rate_prepared_food, rate_alcohol, rate_grocery);
- location rows (`tax_area_jurisdictions`, keyed by tax_area): which jurisdictions a location
  (tax-area code) lies in. Kept apart so a rate change is one new row, not one per location.
Rates are decimal *strings* ("0.0625"): a float would already have lost the exact value.
Pure: takes already-loaded rows; reading the file is `tax.rules.sales_data.load_sales_rows`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from .errors import SalesTaxDataError
from .jurisdiction import OVERRIDABLE_CATEGORIES, JurisdictionRate

RATE_KEYS = {
    "jurisdiction_id", "name", "level", "rate", "effective_from", "effective_to", "rounding", "source",
    *(f"rate_{c}" for c in OVERRIDABLE_CATEGORIES),
}
LOCATION_KEYS = {"location_id", "jurisdiction_id", "source"}
_RATE_RE = re.compile(r"^\d+(\.\d+)?$")


def build_jurisdiction_rates(
    rate_rows: Iterable[Mapping[str, Any]], location_rows: Iterable[Mapping[str, Any]]
) -> list[JurisdictionRate]:
    """Validate and join rows; raise SalesTaxDataError naming e.g. "jurisdiction_rates[3].rate"."""
    rate_rows = list(rate_rows)
    locations: dict[str, set[str]] = {}
    for i, row in enumerate(location_rows):
        path = f"location_jurisdictions[{i}]"
        _check_keys(row, LOCATION_KEYS, {"location_id", "jurisdiction_id"}, path)
        for key in ("location_id", "jurisdiction_id"):
            if not isinstance(row[key], str) or not row[key]:
                raise SalesTaxDataError(f"{path}.{key}", "must be a non-empty string")
        locations.setdefault(row["jurisdiction_id"], set()).add(row["location_id"])

    known_ids = {row.get("jurisdiction_id") for row in rate_rows if isinstance(row, Mapping)}
    for jid in sorted(set(locations) - known_ids):
        raise SalesTaxDataError("location_jurisdictions", f"jurisdiction {jid!r} has no rate rows")

    result = [_rate_from_row(row, f"jurisdiction_rates[{i}]", locations) for i, row in enumerate(rate_rows)]
    _check_no_overlap(result)
    return result


def _rate_from_row(row: Any, path: str, locations: Mapping[str, set[str]]) -> JurisdictionRate:
    if not isinstance(row, Mapping):
        raise SalesTaxDataError(path, "must be an object")
    _check_keys(row, RATE_KEYS, {"jurisdiction_id", "name", "level", "rate", "effective_from", "rounding", "source"}, path)
    overrides = {}
    for category in OVERRIDABLE_CATEGORIES:
        value = row.get(f"rate_{category}")
        if value is not None:
            overrides[category] = _parse_rate(value, f"{path}.rate_{category}")
    effective_to = row.get("effective_to")
    try:
        return JurisdictionRate(
            jurisdiction_id=row["jurisdiction_id"],
            name=row["name"],
            level=row["level"],
            rate=_parse_rate(row["rate"], f"{path}.rate"),
            effective_from=_parse_date(row["effective_from"], f"{path}.effective_from"),
            effective_to=None if effective_to is None else _parse_date(effective_to, f"{path}.effective_to"),
            rounding=row["rounding"],
            location_ids=frozenset(locations.get(row["jurisdiction_id"], ())),
            category_rates=overrides,
            source=row["source"],
        )
    except SalesTaxDataError as exc:
        if exc.field.startswith(path):
            raise
        # Re-anchor object-level errors ("us-ca.level") on the row path for the data author.
        raise SalesTaxDataError(f"{path}.{exc.field.split('.', 1)[-1]}", exc.message) from exc


def _check_no_overlap(rates: list[JurisdictionRate]) -> None:
    by_id: dict[str, list[JurisdictionRate]] = {}
    for r in rates:
        by_id.setdefault(r.jurisdiction_id, []).append(r)
    for jid, periods in by_id.items():
        periods.sort(key=lambda r: r.effective_from)
        for earlier, later in pairwise(periods):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise SalesTaxDataError(
                    f"{jid}.effective_from",
                    f"period starting {later.effective_from} overlaps the one starting {earlier.effective_from}",
                )


def _check_keys(row: Mapping[str, Any], allowed: set[str], required: set[str], path: str) -> None:
    for key in row:
        if key not in allowed:
            raise SalesTaxDataError(f"{path}.{key}", "is not a known column")
    for key in sorted(required):
        if row.get(key) is None:
            raise SalesTaxDataError(f"{path}.{key}", "is required")


def _parse_rate(value: Any, path: str) -> Decimal:
    if not isinstance(value, str) or not _RATE_RE.match(value):
        raise SalesTaxDataError(path, 'must be a decimal string such as "0.0625" (not a number)')
    rate = Decimal(value)
    if rate >= 1:
        raise SalesTaxDataError(path, "must be a fraction below 1 (6.25 % is \"0.0625\")")
    return rate


def _parse_date(value: Any, path: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SalesTaxDataError(path, "must be a date string YYYY-MM-DD") from None
