"""payroll's unit of work: one transaction, its repositories and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from payroll.adapters.repositories import (
    EmployerSettingsRepository,
    PayRunRepository,
    ShiftRepository,
    StaffDeductionRepository,
    StaffRepository,
    TimesheetRepository,
    TipPoolRepository,
    TipRepository,
)


class PayrollUnitOfWork(SqlUnitOfWork):
    tips: TipRepository
    employers: EmployerSettingsRepository
    staff: StaffRepository
    shifts: ShiftRepository
    timesheets: TimesheetRepository
    pay_runs: PayRunRepository
    tip_pools: TipPoolRepository
    deductions: StaffDeductionRepository

    def _open(self, session: Session) -> None:
        self.tips = TipRepository(session)
        self.employers = EmployerSettingsRepository(session)
        self.staff = StaffRepository(session)
        self.shifts = ShiftRepository(session)
        self.timesheets = TimesheetRepository(session)
        self.pay_runs = PayRunRepository(session)
        self.tip_pools = TipPoolRepository(session)
        self.deductions = StaffDeductionRepository(session)
