"""The tax service's composition root: the one place that constructs its adapters.

Every entrypoint calls `bootstrap(config)`; tests pass fakes for any part (a FakeUnitOfWork factory,
rule sources, a fake Redis, a fixed clock).
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from tax.adapters.payroll_rules import PayrollRules
from tax.adapters.revisions import rule_revision
from tax.adapters.sales_rates import CachedRates
from tax.adapters.unit_of_work import TaxUnitOfWork
from tax.adapters.withholding_codec import FastParser
from tax.config import SOURCE, Settings
from tax.service_layer.ports import PayrollRuleSource, RevisionPublisher, SalesRateSource


@dataclass(kw_only=True)
class TaxContainer(Container):
    payroll_rules: PayrollRuleSource  # the current RuleBook (cached per revision)
    sales_rates: SalesRateSource  # the current RateTable (cached per revision)
    payroll_revisions: RevisionPublisher  # told after a payroll rule change commits
    sales_revisions: RevisionPublisher  # told after a sales rate change commits
    parser: FastParser  # the gRPC batch codec's caches of already-validated sub-messages


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, redis=None, payroll_rules: PayrollRuleSource | None = None,
              sales_rates: SalesRateSource | None = None, payroll_revisions: RevisionPublisher | None = None,
              sales_revisions: RevisionPublisher | None = None, pool_size: int = 5) -> TaxContainer:
    parts = base_parts(config, TaxUnitOfWork, SOURCE, uow, clock, new_id, pool_size)
    if redis is None and config.redis_url:
        import redis as redis_lib

        # Short timeouts: Redis is a cache here, and every use of it falls back to PostgreSQL.
        redis = redis_lib.Redis.from_url(config.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    # Without REDIS_URL (the consumer, relay and migrations never need the rule caches) the caches go
    # straight to PostgreSQL.
    payroll_watch = rule_revision(parts["uow"], redis, "payroll", config.rules_check_seconds)
    sales_watch = rule_revision(parts["uow"], redis, "sales", config.rules_check_seconds)
    return TaxContainer(
        **parts,
        payroll_rules=payroll_rules or PayrollRules(parts["uow"], redis, payroll_watch),
        sales_rates=sales_rates or CachedRates(parts["uow"], redis, sales_watch),
        payroll_revisions=payroll_revisions or payroll_watch,
        sales_revisions=sales_revisions or sales_watch,
        parser=FastParser(),
    )
