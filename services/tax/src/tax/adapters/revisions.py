"""Which revision of a rule domain ("payroll", "sales") is current: PostgreSQL is the truth (the newest
rule_revisions id of the domain), shared between replicas through Redis (chassis.revision_cache)."""
from __future__ import annotations

from collections.abc import Callable

from chassis.revision_cache import SharedRevision

from tax.adapters.unit_of_work import TaxUnitOfWork


def revision_key(domain: str) -> str:
    return f"tax:rules:{domain}:revision"


def rule_revision(uow: Callable[[], TaxUnitOfWork], redis, domain: str, check_seconds: float) -> SharedRevision:
    """The current revision of `domain`, asked at most once per `check_seconds`."""

    def read() -> int:
        with uow() as work:
            return work.revisions.current(domain)

    return SharedRevision(read, redis, revision_key(domain), check_seconds)
