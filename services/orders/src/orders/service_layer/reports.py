"""Reports: what each location sold over a span of whole UTC days (`sales_summary`), and one
location's business day in detail (`daily_report`: by category, server and tender; discounts, voids,
refunds, tips), its tenders equal to the payments recorded that business day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain.reports import DailySales, LocationSales, daily_sales


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, from the first day to the end of the last day (inclusive)."""

    first: date
    last: date
    start: datetime
    end: datetime


def parse_period(first_day: str, last_day: str) -> Period:
    """InvalidInput naming `from` or `to` for a date that is malformed, out of range or out of order."""
    first, last = _day(first_day, "from"), _day(last_day, "to")
    if last < first:
        raise InvalidInput("must not be before from", field="to")
    if last == date.max:  # its end (the next midnight) is past the calendar
        raise InvalidInput(f"must be before {date.max.isoformat()}", field="to")
    start = datetime.combine(first, time.min, tzinfo=UTC)
    return Period(first, last, start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC))


def sales_summary(uow: UnitOfWorkFactory, identity: Identity, first_day: str, last_day: str
                  ) -> tuple[Period, list[LocationSales]]:
    """Per location the caller may access: orders, subtotal, tax, tips and total placed over the
    days `first_day`..`last_day` (YYYY-MM-DD, UTC, inclusive), cancelled and voided orders left out."""
    period = parse_period(first_day, last_day)
    with uow() as u:
        rows = u.orders.sales_by_location(identity.tenant_uuid, period.start, period.end)
    return period, [row for row in rows if identity.may_access_location(str(row.location_id))]


def daily_report(uow: UnitOfWorkFactory, identity: Identity, location_id: str, business_date: str) -> DailySales:
    """The location's business day (its local date, as checks and payments carry it)."""
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise NotFound("no such location", field="location_id")
    day = _day(business_date, "business_date")
    with uow() as u:
        rows = u.reports.day_rows(identity.tenant_uuid, location, day)
    return daily_sales(location, day, rows)


def _day(value: str, field: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("must be a date YYYY-MM-DD", field=field) from None
