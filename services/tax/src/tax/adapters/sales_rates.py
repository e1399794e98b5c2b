"""Sales-tax rate tables read from PostgreSQL into the engine's objects, cached per revision.

Rates change a few times a year, and every order needs them: each process keeps the built
JurisdictionRate list for the current sales revision (see revisions.py) and rebuilds it when an
admin change adds a revision. The rows of a revision are shared through Redis like the payroll rules.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from tax.adapters.orm import SalesTaxRate, TaxAreaJurisdiction
from tax.adapters.revisions import RevisionWatch
from tax.domain.sales import JurisdictionRate, build_jurisdiction_rates

log = logging.getLogger(__name__)

RATE_FIELDS = ("jurisdiction_id", "name", "level", "rate", "rate_prepared_food", "rate_alcohol",
               "rate_grocery", "effective_from", "effective_to", "rounding", "source")
ROWS_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RateTable:
    rates: list[JurisdictionRate]
    version: str  # hash of the rows: a result can say which rates produced it


def rate_row_dict(row: SalesTaxRate) -> dict[str, Any]:
    values = {field: getattr(row, field) for field in RATE_FIELDS}
    values["effective_from"] = row.effective_from.isoformat()
    values["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
    return values


def current_rates():
    """SQL condition: rate rows not retired by a later change."""
    return SalesTaxRate.revision_retired.is_(None)


def in_force_at_revision(revision: int):
    return (SalesTaxRate.revision_added <= revision) & or_(
        SalesTaxRate.revision_retired.is_(None), SalesTaxRate.revision_retired > revision)


def load_rate_rows(session: Session, revision: int | None = None) -> tuple[list[dict], list[dict]]:
    condition = current_rates() if revision is None else in_force_at_revision(revision)
    rate_rows = [rate_row_dict(row) for row in session.scalars(
        select(SalesTaxRate).where(condition).order_by(SalesTaxRate.jurisdiction_id, SalesTaxRate.effective_from))]
    area_rows = [{"location_id": r.tax_area, "jurisdiction_id": r.jurisdiction_id, "source": r.source}
                 for r in session.scalars(select(TaxAreaJurisdiction).order_by(TaxAreaJurisdiction.id))]
    return rate_rows, area_rows


def build_rate_table(rate_rows: list[dict], area_rows: list[dict]) -> RateTable:
    digest = hashlib.sha256(json.dumps([rate_rows, area_rows], sort_keys=True).encode()).hexdigest()[:12]
    return RateTable(build_jurisdiction_rates(rate_rows, area_rows), f"sales-{digest}")


def load_rate_table(session: Session) -> RateTable:
    return build_rate_table(*load_rate_rows(session))


class CachedRates:
    def __init__(self, sessions: sessionmaker[Session], redis, watch: RevisionWatch) -> None:
        self.sessions = sessions
        self.redis = redis
        self.watch = watch
        self._lock = threading.Lock()
        self._table: RateTable | None = None
        self._revision = -1

    def get(self) -> RateTable:
        revision = self.watch.current()
        with self._lock:
            if self._table is None or revision != self._revision:
                self._table = build_rate_table(*self._rows(revision))
                self._revision = revision
            return self._table

    def _rows(self, revision: int) -> tuple[list[dict], list[dict]]:
        key = f"tax:rules:sales:rows:{revision}"
        try:
            cached = self.redis.get(key)
            if cached is not None:
                rate_rows, area_rows = json.loads(cached)
                return rate_rows, area_rows
        except Exception as error:  # noqa: BLE001 - Redis is a cache: read PostgreSQL
            log.warning("redis unavailable for %s: %r", key, error)
        with self.sessions() as session:
            rows = load_rate_rows(session, revision)
        try:
            self.redis.set(key, json.dumps(rows), ex=ROWS_TTL_SECONDS)
        except Exception as error:  # noqa: BLE001
            log.warning("could not cache %s in redis: %r", key, error)
        return rows
