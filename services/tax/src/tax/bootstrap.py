"""The one place that wires the tax service's real adapters (each entrypoint builds one of these)."""
from __future__ import annotations

from dataclasses import dataclass

import redis as redis_lib
from chassis.db import make_engine, make_session_factory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tax.adapters.payroll_rules import PayrollRules
from tax.adapters.revisions import RevisionWatch
from tax.adapters.sales_rates import CachedRates
from tax.adapters.withholding_codec import FastParser
from tax.config import Settings


@dataclass
class Services:
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis_lib.Redis
    payroll_watch: RevisionWatch
    sales_watch: RevisionWatch
    payroll_rules: PayrollRules
    sales_rates: CachedRates
    parser: FastParser
    rules_admin_tenants: frozenset[str]


def build(config: Settings, pool_size: int = 5) -> Services:
    engine = make_engine(config.database_url, config.db_schema, pool_size=pool_size)
    sessions = make_session_factory(engine)
    # Short timeouts: Redis is a cache here, and every use of it falls back to PostgreSQL.
    redis = redis_lib.Redis.from_url(config.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    payroll_watch = RevisionWatch(sessions, redis, "payroll", config.rules_check_seconds)
    sales_watch = RevisionWatch(sessions, redis, "sales", config.rules_check_seconds)
    return Services(engine, sessions, redis, payroll_watch, sales_watch,
                    PayrollRules(sessions, redis, payroll_watch), CachedRates(sessions, redis, sales_watch),
                    FastParser(), config.rules_admin_tenants)
