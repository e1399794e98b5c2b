"""In-memory stand-ins for payroll's adapters: the unit of work, its repositories and the directory.

They keep the real ones' contracts (tests/unit/test_fakes_match.py checks the method names)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chassis.errors import InvalidInput
from chassis.identity import Identity
from chassis.uow import FakeUnitOfWork
from payroll.adapters.orm import EmployerSettings, PunchEdit, Shift, StaffMember, Timesheet, TipRecord, TipRefund


class FakeTipRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, TipRecord] = {}
        self.refunds: dict[uuid.UUID, TipRefund] = {}

    def add(self, record: TipRecord) -> None:
        if record.source == "order" and record.order_id is not None and self.for_order(record.order_id) is not None:
            raise AssertionError("unique order tip violated: the use case must check first")
        if record.payment_id is not None and self.for_payment(record.payment_id) is not None:
            raise AssertionError("unique payment_id violated: the use case must check first")
        record.id = record.id or uuid.uuid4()
        record.deleted_at = None
        self.rows[record.id] = record

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        record = self.rows.get(tip_record_id)
        if record is None or record.tenant_id != tenant_id or record.deleted_at is not None:
            return None
        return record

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        return next((r for r in self.rows.values() if r.order_id == order_id and r.source in (None, "order")), None)

    def for_payment(self, payment_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        return next((r for r in self.rows.values() if r.payment_id == payment_id), None)

    def refund_applied(self, refund_id: uuid.UUID) -> bool:
        return refund_id in self.refunds

    def add_refund(self, refund: TipRefund) -> None:
        assert refund.refund_id not in self.refunds, "unique refund_id violated: the use case must check first"
        self.refunds[refund.refund_id] = refund

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id == staff_id
                       and r.deleted_at is None), key=lambda r: (r.earned_at, r.id))


class FakeEmployerSettingsRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, EmployerSettings] = {}

    def get(self, tenant_id: uuid.UUID) -> EmployerSettings | None:
        return self.rows.get(tenant_id)

    def add(self, row: EmployerSettings) -> None:
        self.rows[row.tenant_id] = row


class FakeStaffRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, StaffMember] = {}

    def add(self, member: StaffMember) -> None:
        member.deleted_at = None
        self.rows[member.id] = member

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        m = self.rows.get(staff_id)
        return m if m is not None and m.tenant_id == tenant_id and m.deleted_at is None else None

    def for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        return next((m for m in self.rows.values() if m.tenant_id == tenant_id and m.user_id == user_id), None)

    def list(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        return sorted((m for m in self.rows.values() if m.tenant_id == tenant_id and m.deleted_at is None),
                      key=lambda m: (m.display_name, m.id))


class FakeShiftRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Shift] = {}
        self.edit_rows: list[PunchEdit] = []

    def add(self, shift: Shift) -> None:
        if shift.clock_out_at is None and self.open_for(shift.tenant_id, shift.staff_id) is not None:
            raise AssertionError("one open shift per staff member: the use case must check first")
        shift.deleted_at = None
        self.rows[shift.id] = shift

    def get(self, tenant_id: uuid.UUID, shift_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        s = self.rows.get(shift_id)
        return s if s is not None and s.tenant_id == tenant_id and s.deleted_at is None else None

    def open_for(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        return next((s for s in self.rows.values() if s.tenant_id == tenant_id and s.staff_id == staff_id
                     and s.clock_out_at is None and s.deleted_at is None), None)

    def between(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        return sorted((s for s in self.rows.values() if s.tenant_id == tenant_id and s.staff_id == staff_id
                       and s.deleted_at is None and start <= s.clock_in_at < end), key=lambda s: (s.clock_in_at, s.id))

    def add_edit(self, edit: PunchEdit) -> None:
        self.edit_rows.append(edit)

    def edits(self, tenant_id: uuid.UUID, shift_ids: list[uuid.UUID]) -> list[PunchEdit]:
        return [e for e in self.edit_rows if e.tenant_id == tenant_id and e.shift_id in shift_ids]


class FakeTimesheetRepository:
    def __init__(self) -> None:
        self.rows: list[Timesheet] = []

    def add(self, sheet: Timesheet) -> None:
        self.rows.append(sheet)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, period_start, *, for_update: bool = False) -> Timesheet | None:
        return next((s for s in self.rows if s.tenant_id == tenant_id and s.staff_id == staff_id
                     and s.period_start == period_start), None)


class FakePayrollUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/payroll")
        self.tips = FakeTipRepository()
        self.employers = FakeEmployerSettingsRepository()
        self.staff = FakeStaffRepository()
        self.shifts = FakeShiftRepository()
        self.timesheets = FakeTimesheetRepository()


class FakeDirectory:
    """A tenant's locations and staff, as auth would answer; records every question asked."""

    def __init__(self, locations: set[str] = frozenset(), staff: set[str] = frozenset(),
                 time_zones: dict[str, str] | None = None) -> None:
        self.locations, self.staff = set(locations), set(staff)
        self.time_zones = dict(time_zones or {})  # location id -> IANA zone (default America/New_York)
        self.asked: list[tuple[str, str]] = []

    def time_zone(self, identity: Identity, location_id: str, field: str = "location_id") -> str:
        self.check_location(identity, location_id, field)
        return self.time_zones.get(location_id, "America/New_York")

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None:
        self.asked.append(("location", location_id))
        if location_id not in self.locations:
            raise InvalidInput("no such location in this tenant", field=field)

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None:
        self.asked.append(("staff", user_id))
        if user_id not in self.staff:
            raise InvalidInput("no such staff member in this tenant", field=field)


class FixedClock:
    def __init__(self, now: datetime = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakePinHasher:
    """Reversible on purpose (tests only): "hash:<pin>"."""

    def hash(self, pin: str) -> str:
        return f"hash:{pin}"

    def verify(self, pin_hash: str, pin: str) -> bool:
        return pin_hash == f"hash:{pin}"
