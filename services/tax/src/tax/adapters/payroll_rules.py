"""Payroll rule rows in PostgreSQL -> the engine's RuleBook, cached in Redis and in each process.

Three levels, each keyed by the rules revision (so a change never needs a cache to be "cleared"):
  1. in-process: the RuleBook itself, whose RuleSets memoise their parsed parameters per date window;
  2. Redis `tax:rules:payroll:rows:<revision>`: the rows as JSON, read by every replica instead of
     PostgreSQL (a replica starting cold, or all of them after a change, costs one query, not N);
  3. PostgreSQL: the truth.
Row dicts are exactly the engine's row shape, so the rules_version (a hash of the rows in force on a
date) is the same whether the rows came from the packaged JSON or from the database.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from tax.adapters.orm import PayrollTaxRule
from tax.adapters.revisions import RevisionWatch
from tax.domain.payroll import RuleBook

log = logging.getLogger(__name__)

ROWS_TTL_SECONDS = 24 * 3600


def rows_key(revision: int) -> str:
    return f"tax:rules:payroll:rows:{revision}"


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def row_dict(row: PayrollTaxRule) -> dict[str, Any]:
    """The engine's row shape (key order as in the JSON files; the hash sorts keys anyway)."""
    out: dict[str, Any] = {"jurisdiction": row.jurisdiction, "tax": row.tax, "key": row.key,
                           "effective_from": _iso(row.effective_from), "effective_to": _iso(row.effective_to)}
    out[row.kind] = row.data
    out["source"] = row.source
    return out


def in_force_at_revision(revision: int):
    """SQL condition: the rows that made up the tables as of `revision`."""
    return (PayrollTaxRule.revision_added <= revision) & or_(
        PayrollTaxRule.revision_retired.is_(None), PayrollTaxRule.revision_retired > revision)


def load_rule_rows(session: Session, revision: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(PayrollTaxRule).where(in_force_at_revision(revision))
                           .order_by(PayrollTaxRule.jurisdiction, PayrollTaxRule.tax, PayrollTaxRule.key,
                                     PayrollTaxRule.effective_from))
    return [row_dict(r) for r in rows]


class PayrollRules:
    """The current RuleBook for calculations; `book()` is cheap after the first call."""

    def __init__(self, sessions: sessionmaker[Session], redis, watch: RevisionWatch) -> None:
        self.sessions = sessions
        self.redis = redis
        self.watch = watch
        self._lock = threading.Lock()
        self._revision = -1
        self._book: RuleBook | None = None

    def book(self) -> RuleBook:
        revision = self.watch.current()
        if revision != self._revision or self._book is None:
            with self._lock:
                if revision != self._revision or self._book is None:
                    self._book = RuleBook(self._rows(revision))
                    self._revision = revision
                    log.info("payroll rules revision %s loaded", revision)
        return self._book

    @property
    def revision(self) -> int:
        return self._revision

    def _rows(self, revision: int) -> list[dict[str, Any]]:
        key = rows_key(revision)
        try:
            cached = self.redis.get(key)
            if cached is not None:
                return json.loads(cached)
        except Exception as error:  # noqa: BLE001 - Redis is a cache: read PostgreSQL
            log.warning("redis unavailable for %s: %r", key, error)
        with self.sessions() as session:
            rows = load_rule_rows(session, revision)
        try:
            self.redis.set(key, json.dumps(rows), ex=ROWS_TTL_SECONDS)
        except Exception as error:  # noqa: BLE001
            log.warning("could not cache %s in redis: %r", key, error)
        return rows
