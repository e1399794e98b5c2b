"""Seed sales-tax rows (jurisdictions, effective-dated rates, location membership).

This is the only sales-tax module that touches a file; the engine in tax.domain.sales stays
pure. The same rows are what a migration will insert into PostgreSQL, so the JSON keeps the
flat column shape (see sales_tax_rates.json "about").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

SEED_FILE = "sales_tax_rates.json"


@dataclass(frozen=True)
class SalesRows:
    jurisdiction_rates: list[dict[str, Any]]  # -> table sales_tax_rates
    location_jurisdictions: list[dict[str, Any]]  # -> table tax_area_jurisdictions (location_id -> tax_area)


def load_sales_rows() -> SalesRows:
    """Read the packaged seed file (importlib.resources, so it works from a wheel too)."""
    text = resources.files(__name__).joinpath(SEED_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    return SalesRows(
        jurisdiction_rates=list(data["jurisdiction_rates"]),
        location_jurisdictions=list(data["location_jurisdictions"]),
    )


def load_seed_jurisdictions():
    """Convenience for tests and local runs: rows -> list[JurisdictionRate]."""
    from tax.domain.sales import build_jurisdiction_rates

    rows = load_sales_rows()
    return build_jurisdiction_rates(rows.jurisdiction_rates, rows.location_jurisdictions)
