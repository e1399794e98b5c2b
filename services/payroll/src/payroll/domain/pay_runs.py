"""Pay runs (pure): the life of a run, and the paycheck request of one employee in it.

A run covers one pay period for a group of locations:

    previewing --(worker: every employee's paycheck computed)--> previewed --approve--> approved
    approved --finalize--> finalizing --(worker: paychecks + events, exactly once each)--> completed
    previewing | finalizing --(worker gave up after MAX_ATTEMPTS)--> failed

The paycheck request of an employee is exactly the JSON `POST /paychecks:preview` takes (issue 11), so a
run's paycheck and the preview of the same facts are the same computation (`compute_paychecks`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chassis.errors import Conflict, InvalidInput

from payroll.domain.pay.money import fmt_money
from payroll.domain.standing_deductions import request_lines

PREVIEWING, PREVIEWED, APPROVED, FINALIZING, COMPLETED, FAILED = (
    "previewing", "previewed", "approved", "finalizing", "completed", "failed")
STATUSES = (PREVIEWING, PREVIEWED, APPROVED, FINALIZING, COMPLETED, FAILED)
ITEM_PREVIEWED, ITEM_ERROR, ITEM_FINALIZED = "previewed", "error", "finalized"
JOB_PREVIEW, JOB_FINALIZE = "preview", "finalize"
JOB_QUEUED, JOB_RUNNING, JOB_SUCCEEDED, JOB_FAILED = "queued", "running", "succeeded", "failed"
MAX_ATTEMPTS = 5  # a job that kills its worker 5 times is not going to succeed: the run fails


def check_approvable(status: str, errors: int) -> None:
    if status != PREVIEWED:
        raise Conflict(f"a run is approved once previewed; this one is {status}", field="status")
    if errors:
        raise Conflict(f"{errors} employee(s) could not be paid (see items[].error): fix them and create a new run",
                       field="items")


def check_finalizable(status: str) -> None:
    if status != APPROVED:
        raise Conflict(f"a run is finalized once approved; this one is {status}", field="status")


def phase_of(job_kind: str) -> tuple[str, str]:
    """(the run's status while the job runs, its status once the job succeeded)."""
    return (PREVIEWING, PREVIEWED) if job_kind == JOB_PREVIEW else (FINALIZING, COMPLETED)


def _pay(job: Mapping[str, Any]) -> dict[str, Any]:
    if job["pay_type"] == "tipped":
        return {"type": "tipped", "cash_wage_rate": job["cash_wage_rate"]}
    if job["pay_type"] == "hourly":
        return {"type": "hourly", "rate": job["rate"]}
    if job["pay_type"] == "salary":
        return {"type": "salary", "annual_salary": job["rate"], "exempt": bool(job.get("exempt", True))}
    raise InvalidInput(f"unknown pay type {job['pay_type']!r}", field=f"jobs.{job['job_code']}.pay_type")


def is_salaried(jobs: Sequence[Mapping[str, Any]]) -> bool:
    """Paid a salary (the main job): due every pay period, hours worked or not."""
    return bool(jobs) and jobs[0].get("pay_type") == "salary"


def workweek_of(moment: datetime, zone: str, period_start: date, weeks: int) -> int | None:
    """Index of the period's workweek holding `moment` in the location's zone; None outside the period."""
    day = moment.astimezone(ZoneInfo(zone)).date()
    index = (day - period_start).days // 7
    return index if 0 <= index < weeks and day >= period_start else None


def tips_per_workweek(tips: Iterable[tuple[datetime, int, str]], period_start: date, weeks: int) -> list[int]:
    """Tip cents per workweek of the period: `tips` are (earned_at UTC, cents, the location's zone)."""
    cents = [0] * weeks
    for earned_at, tip_cents, zone in tips:
        index = workweek_of(earned_at, zone, period_start, weeks)
        if index is not None:
            cents[index] += tip_cents
    return cents


def paycheck_request(*, jobs: Sequence[Mapping[str, Any]], workweeks: Sequence[Mapping[str, Any]],
                     tip_cents: Sequence[int], tax_forms: Mapping[str, Any], pay_date: date, pay_frequency: str,
                     work_state: str, employee_id: str, break_premiums: bool,
                     deductions: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The preview request (issue 11) of one employee: the main job's pay, other jobs worked in the
    period with their own rates, the timesheet's workweeks with each workweek's tips (the tip credit
    top-up is per workweek), the W-4 / DE 4 / locality on file, and `employee_id` so that the tax
    ledger supplies the year to date, and the standing deductions in force on the pay date
    (`pretax_deductions`, `posttax_deductions`). InvalidInput names what is missing on the staff record."""
    if not jobs:
        raise InvalidInput("the staff member has no job", field="jobs")
    if "federal" not in tax_forms:
        raise InvalidInput("no W-4 on file", field="tax_forms.federal")
    by_code = {j["job_code"]: j for j in jobs}
    main_pay = _pay(jobs[0])
    exempt = main_pay["type"] == "salary" and main_pay["exempt"]
    weeks = []
    others: list[str] = []
    for week, cents in zip(workweeks, tip_cents, strict=True):
        w = {"daily_hours": list(week["daily_hours"]), "reported_tips": fmt_money(Decimal(cents) / 100)}
        if week.get("jobs"):
            w["jobs"] = [dict(j) for j in week["jobs"]]
            others += [j["job"] for j in week["jobs"] if j["job"] not in others]
        if week.get("break_premiums") and not exempt:  # exempt staff are not owed meal/rest premiums
            w["break_premiums"] = week["break_premiums"]
        weeks.append(w)
    request: dict[str, Any] = {
        "pay_date": pay_date.isoformat(), "pay_frequency": pay_frequency, "work_state": work_state,
        "pay": main_pay, "workweeks": weeks, "employee_id": employee_id,
        "policy": {"break_premiums": break_premiums},
    }
    extra = []
    for code in others:
        if code not in by_code:  # a job removed from the record after it was worked
            raise InvalidInput(f"hours worked as {code!r}, a job no longer on the staff record", field="jobs")
        if by_code[code]["pay_type"] == "salary" or main_pay["type"] == "salary":
            raise InvalidInput(f"hours worked as {code!r}: a salaried employee's other jobs are not paid by runs",
                               field="jobs")
        extra.append({"name": code, **_pay(by_code[code])})
    if extra:
        request["jobs"] = extra
    for key in ("federal", "state", "locality"):
        if key in tax_forms:
            request[key] = dict(tax_forms[key])
    request.update(request_lines(deductions))
    return request


def cents(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def period_weeks(period_start: date, period_end: date) -> int:
    return (period_end - period_start).days // 7 + 1


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for every shift or tip of local days start..end in any US zone."""
    lo = datetime.combine(start - timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    hi = datetime.combine(end + timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    return lo, hi
