"""An in-memory risk repository (the same answers as adapters/risk_repository.py) and a fake orders
unit of work that has it, for the risk use cases and the consumer's handlers."""
from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta

from orders.domain.risk import PAYMENT, REFUND, VOIDS, Observation, ShiftKey, Subject
from orders.domain.risk_case import RiskCase

from services.orders.tests.unit.fakes import FakeOrdersUnitOfWork


class FakeRiskRepository:
    def __init__(self) -> None:
        self.overrides: dict[uuid.UUID, tuple[dict, int]] = {}
        self.observations: list[tuple[uuid.UUID, Observation, str]] = []
        self.cases: dict[uuid.UUID, RiskCase] = {}
        self.closed_totals: list[tuple[uuid.UUID, uuid.UUID, datetime, int]] = []  # (tenant, location, at, total)

    def settings(self, tenant_id):
        document, version = self.overrides.get(tenant_id, ({}, 0))
        return copy.deepcopy(document), version

    def save_settings(self, tenant_id, document, actor_id, at) -> int:
        version = self.overrides.get(tenant_id, ({}, 0))[1] + 1
        self.overrides[tenant_id] = (copy.deepcopy(document), version)
        return version

    def observe(self, observation_id, observation: Observation, shift: ShiftKey) -> None:
        self.observations.append((observation_id, observation, str(shift)))

    def shift_counts(self, tenant_id, staff_id, shift):
        mine = [o for _, o, key in self.observations
                if o.tenant_id == tenant_id and o.staff_id == staff_id and key == str(shift)]
        return sum(1 for o in mine if o.kind in VOIDS), sum(o.discounted_lines for o in mine)

    def order_money(self, tenant_id, order_id, before):
        mine = [o for oid, o, _ in self.observations
                if o.tenant_id == tenant_id and o.order_id == order_id and oid != before]
        return (sum(o.amount_cents for o in mine if o.kind == PAYMENT),
                sum(o.amount_cents for o in mine if o.kind == REFUND), any(o.kind == "close" for o in mine))

    def card_uses(self, tenant_id, card_ref, since, until) -> int:
        return sum(1 for _, o, _ in self.observations if o.tenant_id == tenant_id and o.card_ref == card_ref
                   and o.kind == PAYMENT and since <= o.at <= until)

    def usual_total(self, tenant_id, location_id, before, days, leaving_out):
        totals = [t for tenant, location, at, t in self.closed_totals
                  if tenant == tenant_id and location == location_id and before - timedelta(days=days) <= at < before]
        return (round(sum(totals) / len(totals)) if totals else None, len(totals))

    def case_for(self, tenant_id, subject: Subject):
        for case in self.cases.values():
            if case.tenant_id == tenant_id and case.subject == subject:
                return case
        return None

    def get(self, tenant_id, case_id, *, for_update=False):
        case = self.cases.get(case_id)
        return case if case is not None and case.tenant_id == tenant_id else None

    def add(self, case: RiskCase) -> None:
        if self.case_for(case.tenant_id, case.subject) is not None:
            raise AssertionError("a second case for one subject")
        self.cases[case.case_id] = case

    def queue(self, tenant_id, statuses, location_ids, after, limit):
        found = [c for c in self.cases.values() if c.tenant_id == tenant_id and c.status in statuses
                 and c.flagged_at is not None and (location_ids is None or c.location_id in location_ids)]
        found.sort(key=lambda c: (c.flagged_at, c.case_id), reverse=True)
        if after is not None:
            found = [c for c in found if (c.flagged_at, c.case_id) < after]
        return found[:limit]

    def held(self, tenant_id, order_id) -> bool:
        return any(c.tenant_id == tenant_id and c.order_id == order_id and c.held for c in self.cases.values())

    def write_changes(self) -> None:
        """Cases are the objects themselves here."""


class FakeRiskUnitOfWork(FakeOrdersUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.risk = FakeRiskRepository()
        self.reports = FakeReportsRepository()

    def __call__(self) -> FakeRiskUnitOfWork:
        """Its own factory: `with uow() as u` in a use case and in a test alike."""
        return self


class FakeReportsRepository:
    """The day's raw rows a test sets (`days[(tenant, location, date)]`)."""

    def __init__(self) -> None:
        self.days: dict = {}

    def day_rows(self, tenant_id, location_id, business_date):
        from orders.domain.reports import DayRows

        return self.days.get((tenant_id, location_id, business_date), DayRows([], [], [], []))
