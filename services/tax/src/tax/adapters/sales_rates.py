"""Sales-tax rate tables read from PostgreSQL into the engine's objects, cached per sales revision.

Rates change a few times a year and every order needs them: chassis.revision_cache keeps the built
RateTable of the current revision in each process and the rows in Redis
(`tax:rules:sales:rows:<revision>`), like the payroll rules.
"""
from __future__ import annotations

from collections.abc import Callable

from chassis.revision_cache import RevisionCache, SharedRevision

from tax.adapters.unit_of_work import TaxUnitOfWork
from tax.domain.sales import RateTable, build_rate_table

ROWS_PREFIX = "tax:rules:sales:rows"


class CachedRates:
    """The current RateTable (service_layer.ports.SalesRateSource)."""

    def __init__(self, uow: Callable[[], TaxUnitOfWork], redis, watch: SharedRevision) -> None:
        self.uow = uow
        self.watch = watch
        self._cache: RevisionCache[RateTable] = RevisionCache(
            watch.current, self._load, lambda rows: build_rate_table(*rows), redis, ROWS_PREFIX)

    def get(self) -> RateTable:
        return self._cache.get()

    @property
    def revision(self) -> int:
        return self._cache.revision

    def _load(self, revision: int) -> tuple[list[dict], list[dict]]:
        with self.uow() as work:
            return work.sales_rates.rows_at(revision)
