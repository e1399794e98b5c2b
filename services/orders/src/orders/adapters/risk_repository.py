"""RiskRepository: the tenant's rule settings, the observations the rules count, and the cases (the
review queue) as domain objects (orders.domain.risk_case.RiskCase)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from orders.adapters.orm import OrderRow
from orders.adapters.orm_risk import RiskCaseRow, RiskObservationRow, RiskSettingsRow
from orders.domain.risk import PAYMENT, REFUND, VOIDS, Hit, Observation, ShiftKey, Subject
from orders.domain.risk_case import RiskCase


class RiskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._tracked: dict[uuid.UUID, tuple[RiskCase, RiskCaseRow]] = {}

    # ---- settings ----
    def settings(self, tenant_id: uuid.UUID) -> tuple[dict, int]:
        """The tenant's overrides and their version ({} and 0 when it never set any)."""
        row = self.session.get(RiskSettingsRow, tenant_id)
        return (dict(row.document), row.version) if row else ({}, 0)

    def save_settings(self, tenant_id: uuid.UUID, document: dict, actor_id: str, at: datetime) -> int:
        row = self.session.get(RiskSettingsRow, tenant_id, with_for_update=True)
        if row is None:
            row = RiskSettingsRow(tenant_id=tenant_id, version=0)
            self.session.add(row)
        row.document, row.version, row.updated_by, row.updated_at = document, row.version + 1, actor_id, at
        return row.version

    # ---- observations ----
    def observe(self, observation_id: uuid.UUID, observation: Observation, shift: ShiftKey) -> None:
        self.session.add(RiskObservationRow(
            id=observation_id, tenant_id=observation.tenant_id, location_id=observation.location_id,
            order_id=observation.order_id, staff_id=observation.staff_id, kind=observation.kind,
            shift_key=str(shift), card_ref=observation.card_ref, amount_cents=observation.amount_cents,
            discounted_lines=observation.discounted_lines, at=observation.at))
        self.session.flush()

    def shift_counts(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, shift: ShiftKey) -> tuple[int, int]:
        """(voids, discounted lines) observed on the staff member's checks in the shift."""
        voids = func.count().filter(RiskObservationRow.kind.in_(VOIDS))
        discounted = func.coalesce(func.sum(RiskObservationRow.discounted_lines), 0)
        row = self.session.execute(select(voids, discounted).where(
            RiskObservationRow.tenant_id == tenant_id, RiskObservationRow.staff_id == staff_id,
            RiskObservationRow.shift_key == str(shift))).one()
        return int(row[0]), int(row[1])

    def order_money(self, tenant_id: uuid.UUID, order_id: uuid.UUID, before: uuid.UUID) -> tuple[int, int, bool]:
        """(paid, refunded, closed) of the order from what was observed, without observation `before`."""
        amount = RiskObservationRow.amount_cents
        kind = RiskObservationRow.kind
        row = self.session.execute(select(
            func.coalesce(func.sum(amount).filter(kind == PAYMENT), 0),
            func.coalesce(func.sum(amount).filter(kind == REFUND), 0),
            func.count().filter(kind == "close"),
        ).where(RiskObservationRow.tenant_id == tenant_id, RiskObservationRow.order_id == order_id,
                RiskObservationRow.id != before)).one()
        return int(row[0]), int(row[1]), bool(row[2])

    def card_uses(self, tenant_id: uuid.UUID, card_ref: str, since: datetime, until: datetime) -> int:
        return int(self.session.scalar(select(func.count()).where(
            RiskObservationRow.tenant_id == tenant_id, RiskObservationRow.card_ref == card_ref,
            RiskObservationRow.kind == PAYMENT, RiskObservationRow.at >= since, RiskObservationRow.at <= until)))

    def usual_total(self, tenant_id: uuid.UUID, location_id: uuid.UUID, before: datetime, days: int,
                    leaving_out: uuid.UUID) -> tuple[int | None, int]:
        """(mean total in cents, how many) of the location's closed orders placed in the `days` before."""
        row = self.session.execute(select(func.avg(OrderRow.total_cents), func.count()).where(
            OrderRow.tenant_id == tenant_id, OrderRow.location_id == location_id, OrderRow.status == "closed",
            OrderRow.placed_at >= before - timedelta(days=days), OrderRow.placed_at < before,
            OrderRow.id != leaving_out, OrderRow.deleted_at.is_(None))).one()
        return (None if row[0] is None else int(round(row[0])), int(row[1]))

    # ---- cases ----
    def case_for(self, tenant_id: uuid.UUID, subject: Subject) -> RiskCase | None:
        """The subject's case, row-locked until commit (two events of one subject are judged in turn)."""
        row = self.session.scalars(select(RiskCaseRow).where(
            RiskCaseRow.tenant_id == tenant_id, RiskCaseRow.subject_kind == subject.kind,
            RiskCaseRow.subject_key == subject.key).with_for_update()).first()
        return self._track(row)

    def get(self, tenant_id: uuid.UUID, case_id: uuid.UUID, *, for_update: bool = False) -> RiskCase | None:
        query = select(RiskCaseRow).where(RiskCaseRow.tenant_id == tenant_id, RiskCaseRow.id == case_id)
        if for_update:
            query = query.with_for_update()
        return self._track(self.session.scalars(query).first())

    def add(self, case: RiskCase) -> None:
        row = RiskCaseRow(id=case.case_id)
        _write(case, row)
        self.session.add(row)
        self.session.flush()  # a racing twin of this subject fails here (and its event is retried)
        self._tracked[case.case_id] = (case, row)

    def queue(self, tenant_id: uuid.UUID, statuses: tuple[str, ...], location_ids: list[uuid.UUID] | None,
              after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[RiskCase]:
        """Flagged cases, newest flag first, keyset on (flagged_at, id)."""
        query = select(RiskCaseRow).where(RiskCaseRow.tenant_id == tenant_id, RiskCaseRow.status.in_(statuses),
                                          RiskCaseRow.flagged_at.is_not(None))
        if location_ids is not None:
            query = query.where(RiskCaseRow.location_id.in_(location_ids))
        if after is not None:
            query = query.where(tuple_(RiskCaseRow.flagged_at, RiskCaseRow.id) < tuple_(*after))
        query = query.order_by(RiskCaseRow.flagged_at.desc(), RiskCaseRow.id.desc()).limit(limit)
        return [self._track(row) for row in self.session.scalars(query)]

    def held(self, tenant_id: uuid.UUID, order_id: uuid.UUID) -> bool:
        return self.session.scalar(select(func.count()).where(
            RiskCaseRow.tenant_id == tenant_id, RiskCaseRow.order_id == order_id, RiskCaseRow.held.is_(True))) > 0

    def write_changes(self) -> None:
        for case, row in self._tracked.values():
            _write(case, row)

    def _track(self, row: RiskCaseRow | None) -> RiskCase | None:
        if row is None:
            return None
        if row.id in self._tracked:
            return self._tracked[row.id][0]
        case = _to_case(row)
        self._tracked[row.id] = (case, row)
        return case


def _hit_to_data(hit: Hit) -> dict:
    return {"rule": hit.rule, "score": hit.score, "reason": hit.reason, "evidence": hit.evidence,
            "subject_kind": hit.subject.kind, "subject_key": hit.subject.key,
            "order_id": None if hit.order_id is None else str(hit.order_id),
            "at": None if hit.at is None else hit.at.isoformat()}


def _hit_from_data(data: dict) -> Hit:
    return Hit(data["rule"], int(data["score"]), data["reason"], Subject(data["subject_kind"], data["subject_key"]),
               data["evidence"], None if data.get("order_id") is None else uuid.UUID(data["order_id"]),
               None if data.get("at") is None else datetime.fromisoformat(data["at"]))


def _to_case(row: RiskCaseRow) -> RiskCase:
    return RiskCase(row.id, row.tenant_id, row.location_id, Subject(row.subject_kind, row.subject_key),
                    row.opened_at, order_id=row.order_id, staff_id=row.staff_id,
                    hits=[_hit_from_data(data) for data in row.hits or ()], status=row.status, held=row.held,
                    flagged_at=row.flagged_at, resolved_by=row.resolved_by, resolution_reason=row.resolution_reason,
                    resolved_at=row.resolved_at, version=row.version)


def _write(case: RiskCase, row: RiskCaseRow) -> None:
    row.tenant_id, row.location_id = case.tenant_id, case.location_id
    row.subject_kind, row.subject_key = case.subject.kind, case.subject.key
    row.order_id, row.staff_id, row.status, row.held = case.order_id, case.staff_id, case.status, case.held
    row.score, row.opened_at, row.flagged_at = case.score, case.opened_at, case.flagged_at
    hits = [_hit_to_data(hit) for hit in case.hits]
    if row.hits != hits:
        row.hits = hits
    row.resolved_by, row.resolution_reason, row.resolved_at = case.resolved_by, case.resolution_reason, case.resolved_at
    row.version = case.version
