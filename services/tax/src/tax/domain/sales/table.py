"""The rate tables one sales-tax calculation uses, and a version naming them."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .jurisdiction import JurisdictionRate
from .rows import build_jurisdiction_rates


@dataclass(frozen=True)
class RateTable:
    rates: list[JurisdictionRate]
    version: str  # hash of the rows: a result can say which rates produced it


def build_rate_table(rate_rows: list[dict[str, Any]], area_rows: list[dict[str, Any]]) -> RateTable:
    digest = hashlib.sha256(json.dumps([rate_rows, area_rows], sort_keys=True).encode()).hexdigest()[:12]
    return RateTable(build_jurisdiction_rates(rate_rows, area_rows), f"sales-{digest}")
