"""Queries of payroll's aggregates, one repository each, working inside a unit of work's session.

Reads of live records leave soft-deleted rows out; a repository never commits."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from payroll.adapters.orm import EmployerSettings, PunchEdit, Shift, StaffMember, Timesheet, TipRecord, TipRefund


class TipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: TipRecord) -> None:
        self.session.add(record)

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        """A live tip record of the tenant; `for_update` locks it until the unit of work ends."""
        query = select(TipRecord).where(TipRecord.id == tip_record_id, TipRecord.tenant_id == tenant_id,
                                        TipRecord.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        """The order's own tip (given when it was opened), voided or not (credited once, ever)."""
        return self.session.scalars(select(TipRecord).where(TipRecord.order_id == order_id,
                                                            TipRecord.source == "order")).first()

    def for_payment(self, payment_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        """The tip given with a payment, voided or not (credited once, ever)."""
        query = select(TipRecord).where(TipRecord.payment_id == payment_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def refund_applied(self, refund_id: uuid.UUID) -> bool:
        return self.session.get(TipRefund, refund_id) is not None

    def add_refund(self, refund: TipRefund) -> None:
        self.session.add(refund)

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        """A staff member's live tips, oldest first."""
        return list(self.session.scalars(select(TipRecord).where(
            TipRecord.tenant_id == tenant_id, TipRecord.staff_id == staff_id,
            TipRecord.deleted_at.is_(None)).order_by(TipRecord.earned_at, TipRecord.id)))


class EmployerSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: uuid.UUID) -> EmployerSettings | None:
        return self.session.get(EmployerSettings, tenant_id)

    def add(self, row: EmployerSettings) -> None:
        self.session.add(row)


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, member: StaffMember) -> None:
        self.session.add(member)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        """A live staff member; `for_update` locks the row (punches of one person run one at a time)."""
        query = select(StaffMember).where(StaffMember.id == staff_id, StaffMember.tenant_id == tenant_id,
                                          StaffMember.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        """The staff record of an auth user (soft-deleted ones included: the user id stays taken)."""
        query = select(StaffMember).where(StaffMember.user_id == user_id, StaffMember.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def list(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        return list(self.session.scalars(select(StaffMember).where(
            StaffMember.tenant_id == tenant_id, StaffMember.deleted_at.is_(None)).order_by(
            StaffMember.display_name, StaffMember.id)))


class ShiftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shift: Shift) -> None:
        self.session.add(shift)

    def get(self, tenant_id: uuid.UUID, shift_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        query = select(Shift).where(Shift.id == shift_id, Shift.tenant_id == tenant_id, Shift.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def open_for(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        query = select(Shift).where(Shift.tenant_id == tenant_id, Shift.staff_id == staff_id,
                                    Shift.clock_out_at.is_(None), Shift.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def between(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        """Live shifts clocked in within [start, end), oldest first."""
        return list(self.session.scalars(select(Shift).where(
            Shift.tenant_id == tenant_id, Shift.staff_id == staff_id, Shift.deleted_at.is_(None),
            Shift.clock_in_at >= start, Shift.clock_in_at < end).order_by(Shift.clock_in_at, Shift.id)))

    def add_edit(self, edit: PunchEdit) -> None:
        self.session.add(edit)

    def edits(self, tenant_id: uuid.UUID, shift_ids: list[uuid.UUID]) -> list[PunchEdit]:
        if not shift_ids:
            return []
        return list(self.session.scalars(select(PunchEdit).where(
            PunchEdit.tenant_id == tenant_id, PunchEdit.shift_id.in_(shift_ids)).order_by(PunchEdit.edited_at)))


class TimesheetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, sheet: Timesheet) -> None:
        self.session.add(sheet)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, period_start, *, for_update: bool = False) -> Timesheet | None:
        query = select(Timesheet).where(Timesheet.tenant_id == tenant_id, Timesheet.staff_id == staff_id,
                                        Timesheet.period_start == period_start)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()
