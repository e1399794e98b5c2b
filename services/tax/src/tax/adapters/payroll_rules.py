"""Payroll rule rows in PostgreSQL -> the engine's RuleBook, cached per rules revision.

chassis.revision_cache does the caching: the RuleBook in each process (its RuleSets memoise their
parsed parameters per date window), the rows as JSON in Redis `tax:rules:payroll:rows:<revision>`
for every replica, PostgreSQL as the truth. Row dicts are exactly the engine's row shape, so the
rules_version (a hash of the rows in force on a date) is the same whether the rows came from the
packaged JSON or from the database.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chassis.revision_cache import RevisionCache, SharedRevision

from tax.adapters.unit_of_work import TaxUnitOfWork
from tax.domain.payroll import RuleBook

ROWS_PREFIX = "tax:rules:payroll:rows"


def rows_key(revision: int) -> str:
    return f"{ROWS_PREFIX}:{revision}"


class PayrollRules:
    """The current RuleBook for calculations (service_layer.ports.PayrollRuleSource); `book()` is cheap
    after the first call of a revision."""

    def __init__(self, uow: Callable[[], TaxUnitOfWork], redis, watch: SharedRevision) -> None:
        self.uow = uow
        self.watch = watch
        self._cache: RevisionCache[RuleBook] = RevisionCache(watch.current, self._load, RuleBook, redis, ROWS_PREFIX)

    def book(self) -> RuleBook:
        return self._cache.get()

    @property
    def revision(self) -> int:
        return self._cache.revision

    def _load(self, revision: int) -> list[dict[str, Any]]:
        with self.uow() as work:
            return work.payroll_rules.rows_at(revision)
