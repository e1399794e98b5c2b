"""In-memory stand-ins for payroll's adapters: the unit of work, its repositories and the directory.

They keep the real ones' contracts (tests/unit/test_fakes_match.py checks the method names)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chassis.errors import InvalidInput
from chassis.identity import Identity
from chassis.uow import FakeUnitOfWork
from payroll.adapters.orm import TipRecord


class FakeTipRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, TipRecord] = {}

    def add(self, record: TipRecord) -> None:
        if record.order_id is not None and self.for_order(record.order_id) is not None:
            raise AssertionError("unique order_id violated: the use case must check first")
        record.id = record.id or uuid.uuid4()
        record.deleted_at = None
        self.rows[record.id] = record

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        record = self.rows.get(tip_record_id)
        if record is None or record.tenant_id != tenant_id or record.deleted_at is not None:
            return None
        return record

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        return next((r for r in self.rows.values() if r.order_id == order_id), None)

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id == staff_id
                       and r.deleted_at is None), key=lambda r: (r.earned_at, r.id))


class FakePayrollUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/payroll")
        self.tips = FakeTipRepository()


class FakeDirectory:
    """A tenant's locations and staff, as auth would answer; records every question asked."""

    def __init__(self, locations: set[str] = frozenset(), staff: set[str] = frozenset()) -> None:
        self.locations, self.staff = set(locations), set(staff)
        self.asked: list[tuple[str, str]] = []

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
