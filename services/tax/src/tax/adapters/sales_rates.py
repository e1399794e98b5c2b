"""Sales-tax rate tables read from PostgreSQL into the engine's objects, cached per process.

Rates change a few times a year, and every order needs them: each process keeps the built
JurisdictionRate list for `ttl_seconds` and re-reads after that (or when told to, after an admin
change through this process).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tax.adapters.orm import SalesTaxRate, TaxAreaJurisdiction
from tax.domain.sales import JurisdictionRate, build_jurisdiction_rates

RATE_FIELDS = ("jurisdiction_id", "name", "level", "rate", "rate_prepared_food", "rate_alcohol",
               "rate_grocery", "effective_from", "effective_to", "rounding", "source")


@dataclass(frozen=True)
class RateTable:
    rates: list[JurisdictionRate]
    version: str  # hash of the rows: a result can say which rates produced it


def load_rate_table(session: Session) -> RateTable:
    rate_rows = []
    for row in session.scalars(select(SalesTaxRate).order_by(SalesTaxRate.id)):
        values = {field: getattr(row, field) for field in RATE_FIELDS}
        values["effective_from"] = row.effective_from.isoformat()
        values["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
        rate_rows.append(values)
    area_rows = [{"location_id": r.tax_area, "jurisdiction_id": r.jurisdiction_id, "source": r.source}
                 for r in session.scalars(select(TaxAreaJurisdiction).order_by(TaxAreaJurisdiction.id))]
    digest = hashlib.sha256(json.dumps([rate_rows, area_rows], sort_keys=True).encode()).hexdigest()[:12]
    return RateTable(build_jurisdiction_rates(rate_rows, area_rows), f"sales-{digest}")


class CachedRates:
    def __init__(self, sessions: sessionmaker[Session], ttl_seconds: float) -> None:
        self.sessions = sessions
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._table: RateTable | None = None
        self._loaded_at = 0.0

    def get(self) -> RateTable:
        with self._lock:
            if self._table is None or time.monotonic() - self._loaded_at > self.ttl_seconds:
                with self.sessions() as session:
                    self._table = load_rate_table(session)
                self._loaded_at = time.monotonic()
            return self._table

    def invalidate(self) -> None:
        with self._lock:
            self._table = None
