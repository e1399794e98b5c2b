"""Pay engine input: the facts of one paycheck. Field names mirror the preview request JSON (issue 11).

`PayRequest.from_dict(payload)` reads only the keys the pay engine owns (pay_date, work_state, pay, jobs,
workweeks, reported_tips, bonuses, policy) and ignores the tax keys (federal, state, ytd, locality,
pretax_deductions, pay_frequency) that another layer passes on to the tax service. Inside the objects
it owns, unknown keys are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import validation as v
from .errors import PayInputError
from .money import ZERO
from .rules import jurisdiction_for

PAY_TYPES = ("hourly", "tipped", "salary")
JOB_PAY_TYPES = ("hourly", "tipped")  # a second job is paid by the hour
FREQUENCIES = ("weekly", "biweekly", "semimonthly", "monthly")
BONUS_TYPES = ("nondiscretionary", "flat_sum", "discretionary")
MAX_DAYS = 7
MAX_WORKWEEKS = 6  # a monthly period touches at most 6 fixed workweeks


@dataclass(frozen=True, slots=True)
class Pay:
    """`hourly`: `rate`. `tipped`: `cash_wage_rate`, the employer claims a tip credit up to the minimum wage.
    `salary`: `annual_salary` paid in equal parts per pay period (`pay_frequency`), `exempt` (default true:
    FLSA/California executive, administrative or professional exemption, no overtime; salary.py checks the
    salary floor) or false (non-exempt salaried: overtime at the salary's regular rate)."""

    type: str
    rate: Decimal | None = None
    cash_wage_rate: Decimal | None = None
    annual_salary: Decimal | None = None
    exempt: bool = True

    @classmethod
    def from_dict(cls, raw: Any, path: str = "pay", extra_keys: tuple[str, ...] = (),
                  types: tuple[str, ...] = PAY_TYPES) -> Pay:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("type", "rate", "cash_wage_rate", "annual_salary", "exempt", *extra_keys), path)
        kind = v.choice(raw, "type", path, types)
        wanted = {"hourly": "rate", "tipped": "cash_wage_rate", "salary": "annual_salary"}[kind]
        for key in ("rate", "cash_wage_rate", "annual_salary", "exempt"):
            if key != wanted and raw.get(key) is not None and not (kind == "salary" and key == "exempt"):
                raise PayInputError(v.join(path, key), f"not for {path}.type {kind} (use {path}.{wanted})")
        if kind == "hourly":
            return cls(kind, rate=v.rate(raw, "rate", path))
        if kind == "tipped":
            return cls(kind, cash_wage_rate=v.rate(raw, "cash_wage_rate", path))
        salary = v.money(raw, "annual_salary", path, required=True)
        if salary <= 0:
            raise PayInputError(v.join(path, "annual_salary"), "must be greater than 0")
        exempt = raw.get("exempt", True)
        if not isinstance(exempt, bool):
            raise PayInputError(v.join(path, "exempt"), "must be true or false")
        return cls(kind, annual_salary=salary, exempt=exempt)


@dataclass(frozen=True, slots=True)
class Job:
    """A second (third..) job with its own pay, e.g. a server who also works the host stand (29 CFR 778.115)."""

    name: str
    pay: Pay

    @classmethod
    def from_dict(cls, raw: Any, path: str) -> Job:
        raw = v.obj(raw, path)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PayInputError(v.join(path, "name"), "is required (a job name such as \"host\")")
        return cls(name, Pay.from_dict(raw, path, extra_keys=("name",), types=JOB_PAY_TYPES))


def _daily(raw: Mapping[str, Any], path: str, *, required: bool = True) -> tuple[Decimal, ...]:
    days_path = v.join(path, "daily_hours")
    if raw.get("daily_hours") is None:
        if required:
            raise PayInputError(days_path, "is required")
        return ()
    days = v.array(raw["daily_hours"], days_path)
    if len(days) > MAX_DAYS:
        raise PayInputError(days_path, f"a workweek has at most {MAX_DAYS} days, got {len(days)}")
    return tuple(v.hours(h, v.join(days_path, i)) for i, h in enumerate(days))


@dataclass(frozen=True, slots=True)
class JobHours:
    """Hours worked in one of the request's `jobs` during a workweek, per day in workweek order."""

    job: str
    daily_hours: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class Workweek:
    """One fixed workweek: hours per day in workweek order (up to 7) in the main job (`pay`), hours in other
    jobs (`jobs`), optional tips and break premiums."""

    daily_hours: tuple[Decimal, ...]
    reported_tips: Decimal | None = None  # None: take a pro-rata share of the request's reported_tips
    break_premiums: int = 0  # missed or late meal/rest periods owed one hour's pay each (California)
    jobs: tuple[JobHours, ...] = ()

    @property
    def combined_daily_hours(self) -> tuple[Decimal, ...]:
        """Hours per day over all jobs: overtime is counted on these."""
        width = max([len(self.daily_hours), *(len(j.daily_hours) for j in self.jobs)])
        columns = [self.daily_hours, *(j.daily_hours for j in self.jobs)]
        return tuple(sum((c[d] for c in columns if d < len(c)), ZERO) for d in range(width))

    @property
    def total_hours(self) -> Decimal:
        return sum(self.combined_daily_hours, ZERO)

    @property
    def days_worked(self) -> int:
        return sum(1 for h in self.combined_daily_hours if h > 0)

    @classmethod
    def from_dict(cls, raw: Any, path: str, job_names: tuple[str, ...] = ()) -> Workweek:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("daily_hours", "reported_tips", "break_premiums", "jobs"), path)
        daily = _daily(raw, path)
        jobs: list[JobHours] = []
        if raw.get("jobs") is not None:
            for j, job_raw in enumerate(v.array(raw["jobs"], v.join(path, "jobs"))):
                job_path = v.join(v.join(path, "jobs"), j)
                job_raw = v.obj(job_raw, job_path)
                v.check_keys(job_raw, ("job", "daily_hours"), job_path)
                name = job_raw.get("job")
                if name not in job_names:
                    raise PayInputError(v.join(job_path, "job"), f"{name!r} is not one of the request's jobs"
                                        + (f" ({', '.join(job_names)})" if job_names else " (none defined)"))
                if any(h.job == name for h in jobs):
                    raise PayInputError(v.join(job_path, "job"), f"{name!r} is listed twice in this workweek")
                jobs.append(JobHours(name, _daily(job_raw, job_path)))
                # A day has 24 hours whatever the number of jobs.
                so_far = cls(daily, jobs=tuple(jobs)).combined_daily_hours
                for d, h in enumerate(so_far):
                    if h > 24:
                        raise PayInputError(v.join(v.join(job_path, "daily_hours"), d),
                                            f"{h} hours on day {d + 1} over all jobs; a day has at most 24")
        tips = v.money(raw, "reported_tips", path) if raw.get("reported_tips") is not None else None
        week = cls(daily, tips, v.count(raw, "break_premiums", path, maximum=2 * MAX_DAYS), tuple(jobs))
        # LC 226.7: at most one meal and one rest premium per workday.
        if week.break_premiums > 2 * week.days_worked:
            raise PayInputError(v.join(path, "break_premiums"),
                                f"at most 2 per day worked ({week.days_worked} days worked)")
        return week


@dataclass(frozen=True, slots=True)
class Bonus:
    """`nondiscretionary` (total-hours method), `flat_sum` (Alvarado in California, total-hours elsewhere),
    `discretionary` (outside the regular rate). `workweek` pins the bonus to one workweek (index from 0);
    without it the bonus is spread equally over the workweeks worked (29 CFR 778.209(b))."""

    type: str
    amount: Decimal
    workweek: int | None = None

    @classmethod
    def from_dict(cls, raw: Any, path: str, workweeks: int) -> Bonus:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("type", "amount", "workweek"), path)
        return cls(v.choice(raw, "type", path, BONUS_TYPES), v.money(raw, "amount", path, required=True),
                   v.optional_index(raw, "workweek", path, workweeks))


@dataclass(frozen=True, slots=True)
class PayPolicy:
    """Employer switches. California meal/rest premiums are paid only when the employer turned the rule on."""

    break_premiums: bool = True

    @classmethod
    def from_dict(cls, raw: Any, path: str = "policy") -> PayPolicy:
        if raw is None:
            return cls()
        raw = v.obj(raw, path)
        v.check_keys(raw, ("break_premiums",), path)
        value = raw.get("break_premiums", True)
        if not isinstance(value, bool):
            raise PayInputError(v.join(path, "break_premiums"), "must be true or false")
        return cls(value)


@dataclass(frozen=True, slots=True)
class PayRequest:
    pay_date: date
    work_state: str
    pay: Pay
    workweeks: tuple[Workweek, ...]
    reported_tips: Decimal | None = None  # for the whole pay period; None when given per workweek only
    bonuses: tuple[Bonus, ...] = ()
    policy: PayPolicy = field(default_factory=PayPolicy)
    jobs: tuple[Job, ...] = ()  # other jobs with their own rates; their hours are in workweeks[].jobs
    pay_frequency: str | None = None  # needed by a salary (its share per pay period); else a tax key

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PayRequest:
        raw = v.obj(raw, "")
        pay_date = v.iso_date(raw, "pay_date", "")
        state = raw.get("work_state")
        if state is None:
            raise PayInputError("work_state", "is required")
        if not isinstance(state, str):
            raise PayInputError("work_state", "must be a two-letter state code such as \"CA\"")
        jurisdiction_for(state)
        if raw.get("pay") is None:
            raise PayInputError("pay", "is required")
        pay = Pay.from_dict(raw["pay"])
        if raw.get("workweeks") is None:
            raise PayInputError("workweeks", "is required")
        weeks_raw = v.array(raw["workweeks"], "workweeks")
        if not 1 <= len(weeks_raw) <= MAX_WORKWEEKS:
            raise PayInputError("workweeks", f"must hold 1 to {MAX_WORKWEEKS} workweeks, got {len(weeks_raw)}")
        jobs_raw = v.array(raw["jobs"], "jobs") if raw.get("jobs") is not None else ()
        jobs = tuple(Job.from_dict(j, f"jobs[{i}]") for i, j in enumerate(jobs_raw))
        names = tuple(j.name for j in jobs)
        for i, name in enumerate(names):
            if name in names[:i]:
                raise PayInputError(f"jobs[{i}].name", f"{name!r} is defined twice")
        weeks = tuple(Workweek.from_dict(w, f"workweeks[{i}]", names) for i, w in enumerate(weeks_raw))
        tips = v.money(raw, "reported_tips", "") if raw.get("reported_tips") is not None else None
        bonuses_raw = v.array(raw["bonuses"], "bonuses") if raw.get("bonuses") is not None else ()
        bonuses = tuple(Bonus.from_dict(b, f"bonuses[{i}]", len(weeks)) for i, b in enumerate(bonuses_raw))
        frequency = v.choice(raw, "pay_frequency", "", FREQUENCIES) if pay.type == "salary" else None
        request = cls(pay_date, state, pay, weeks, tips, bonuses, PayPolicy.from_dict(raw.get("policy")), jobs,
                      frequency)
        request.validate()
        return request

    def validate(self) -> None:
        """Cross-field checks (also run by `compute_pay`, so hand-built requests get them too)."""
        jurisdiction = jurisdiction_for(self.work_state)
        if self.pay.type == "salary":
            if self.pay_frequency not in FREQUENCIES:
                raise PayInputError("pay_frequency", "is required for pay.type salary (its share per pay period)")
            if self.jobs:
                raise PayInputError("jobs", "a salaried employee's other jobs are not paid by this engine "
                                            "(pay them as a separate hourly record)")
        names = {j.name for j in self.jobs}
        for i, w in enumerate(self.workweeks):
            for j, hours in enumerate(w.jobs):
                if hours.job not in names:
                    raise PayInputError(f"workweeks[{i}].jobs[{j}].job", f"{hours.job!r} is not one of the request's jobs")
        per_week = [w.reported_tips for w in self.workweeks]
        if any(t is not None for t in per_week) and self.reported_tips is not None:
            given = sum((t or ZERO for t in per_week), ZERO)
            if given != self.reported_tips:
                raise PayInputError("reported_tips", f"{self.reported_tips} differs from the sum of "
                                                     f"workweeks[].reported_tips ({given}); send one or make them agree")
        for i, w in enumerate(self.workweeks):
            if w.break_premiums and not jurisdiction.break_premiums:
                raise PayInputError(f"workweeks[{i}].break_premiums",
                                    f"meal/rest break premiums are a California rule, not {self.work_state}'s")
            if w.break_premiums and not self.policy.break_premiums:
                raise PayInputError(f"workweeks[{i}].break_premiums", "break premiums are turned off for this employer")
