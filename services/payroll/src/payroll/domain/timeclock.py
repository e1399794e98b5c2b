"""Punches -> hours per local day and job, in the shape the pay engine takes (pure).

Punches are kept in UTC; hours are worked out in the time zone of the location where the shift was
worked. Rules:
* time worked = clock-in to clock-out, less unpaid breaks; paid breaks are time worked;
* a shift that crosses local midnight counts its hours on each local day it touches (split at the
  location's midnight), so a 22:00-06:00 shift is 2 h on the first day and 6 h on the next;
* hours are elapsed real time: the night clocks fall back is one hour longer, the night they spring
  forward one hour shorter;
* a shift still open (no clock-out) counts nothing: it is a missed punch until a manager closes it;
* workweeks are fixed 7-day periods starting on the employer's workweek start day (FLSA 29 CFR
  778.105); a pay period is one (weekly) or two (biweekly) of them.

`workweeks_for_period` returns `workweeks[]` exactly as `PayRequest.from_dict` reads them: the main job's
hours in `daily_hours` (7 days, workweek order), every other job worked in the period under `jobs[]`
(named by job code, which is the pay request's `jobs[].name`).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from chassis.errors import InvalidInput

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PERIOD_WEEKS = {"weekly": 1, "biweekly": 2}
# A shift open this long has surely missed its clock-out; a break this long its end.
MISSED_CLOCK_OUT_AFTER = timedelta(hours=16)
MISSED_BREAK_END_AFTER = timedelta(hours=3)
HOURS_PLACES = Decimal("0.000001")  # the pay engine takes hours to 6 decimals (7 h 20 min = 7.333333)
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)

MISSED_CLOCK_OUT, BREAK_NOT_ENDED, LONG_SHIFT = "missed_clock_out", "break_not_ended", "long_shift"


@dataclass(frozen=True, slots=True)
class Break:
    started_at: datetime
    ended_at: datetime | None
    paid: bool


@dataclass(frozen=True, slots=True)
class Shift:
    """One clock-in to clock-out at a location, in one job. Times are aware (UTC when stored)."""

    job_code: str
    clock_in: datetime
    clock_out: datetime | None
    time_zone: str
    breaks: tuple[Break, ...] = ()
    shift_id: str = ""

    def local_start_date(self) -> date:
        return self.clock_in.astimezone(ZoneInfo(self.time_zone)).date()


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str  # missed_clock_out | break_not_ended | long_shift
    shift_id: str
    detail: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "shift_id": self.shift_id, "detail": self.detail}


def weekday_number(name: str, field: str = "workweek_start_day") -> int:
    if name not in WEEKDAYS:
        raise InvalidInput(f"must be one of {', '.join(WEEKDAYS)}", field=field)
    return WEEKDAYS.index(name)


def to_hours(duration: timedelta) -> Decimal:
    micro = duration // timedelta(microseconds=1)
    return (Decimal(micro) / _MICROSECONDS_PER_HOUR).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def _minus(interval: tuple[datetime, datetime], cut: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    start, end = interval
    cut_start, cut_end = max(cut[0], start), min(cut[1], end)
    if cut_start >= cut_end:
        return [interval]
    return [(a, b) for a, b in ((start, cut_start), (cut_end, end)) if a < b]


def worked_intervals(shift: Shift) -> list[tuple[datetime, datetime]]:
    """The shift's time worked: clock-in to clock-out less its unpaid breaks. A break never ended counts
    as lasting to the clock-out (the shift is flagged). An open shift has none yet."""
    if shift.clock_out is None:
        return []
    intervals = [(shift.clock_in, shift.clock_out)]
    for b in shift.breaks:
        if b.paid:
            continue
        cut = (b.started_at, b.ended_at or shift.clock_out)
        intervals = [piece for interval in intervals for piece in _minus(interval, cut)]
    return intervals


def split_by_local_day(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[date, timedelta]]:
    """Elapsed time of [start, end) per local calendar day in `zone` (DST-aware: days of 23 or 25 hours)."""
    pieces: list[tuple[date, timedelta]] = []
    cursor = start
    while cursor < end:
        day = cursor.astimezone(zone).date()
        # Midnight exists every day in US zones (their DST changes are at 02:00).
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        stop = min(end, next_midnight)
        pieces.append((day, stop - cursor))  # aware subtraction across zones is real elapsed time
        cursor = stop
    return pieces


def hours_by_day_and_job(shifts: Iterable[Shift]) -> dict[tuple[date, str], Decimal]:
    """Hours per (local day, job code) over closed shifts; each day/job total rounded once, to 6 places."""
    totals: dict[tuple[date, str], timedelta] = defaultdict(timedelta)
    for shift in shifts:
        zone = ZoneInfo(shift.time_zone)
        for start, end in worked_intervals(shift):
            for day, duration in split_by_local_day(start, end, zone):
                totals[(day, shift.job_code)] += duration
    return {key: to_hours(duration) for key, duration in totals.items() if duration}


def workweek_start(day: date, start_weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - start_weekday) % 7)


def pay_period(day: date, frequency: str, start_weekday: int, anchor: date) -> tuple[date, date]:
    """The pay period holding `day`: (first day, last day). Biweekly periods run in step with `anchor`
    (any day of a period's first workweek)."""
    if frequency not in PERIOD_WEEKS:
        raise InvalidInput(f"timesheets cover weekly or biweekly periods, not {frequency!r}", field="pay_frequency")
    start = workweek_start(day, start_weekday)
    if frequency == "biweekly":
        first = workweek_start(anchor, start_weekday)
        if ((start - first).days // 7) % 2:
            start -= timedelta(days=7)
    return start, start + timedelta(days=7 * PERIOD_WEEKS[frequency] - 1)


def _fmt(hours: Decimal) -> str:
    text = format(hours.normalize(), "f")
    return text if text != "-0" else "0"


def workweeks_for_period(shifts: Sequence[Shift], period_start: date, weeks: int, main_job: str) -> list[dict]:
    """`workweeks[]` for the pay request of the period starting at `period_start` (a workweek start):
    `{"daily_hours": [7 strings], "jobs": [{"job": code, "daily_hours": [...]}]}` per workweek, the main
    job's hours in `daily_hours`, other jobs worked in the period in `jobs` (same jobs, same order, in
    every workweek; `jobs` left out when only the main job was worked)."""
    hours = hours_by_day_and_job(shifts)
    days = [period_start + timedelta(days=i) for i in range(7 * weeks)]
    in_period = set(days)
    others = sorted({job for (day, job) in hours if day in in_period and job != main_job})
    result = []
    for w in range(weeks):
        week_days = days[7 * w: 7 * w + 7]
        week: dict = {"daily_hours": [_fmt(hours.get((d, main_job), Decimal(0))) for d in week_days]}
        if others:
            week["jobs"] = [{"job": job, "daily_hours": [_fmt(hours.get((d, job), Decimal(0))) for d in week_days]}
                            for job in others]
        result.append(week)
    return result


def flags(shifts: Iterable[Shift], now: datetime) -> list[Flag]:
    """Missed punches and suspicious shifts, for the manager to fix on the timesheet."""
    found: list[Flag] = []
    for shift in shifts:
        if shift.clock_out is None and now - shift.clock_in > MISSED_CLOCK_OUT_AFTER:
            found.append(Flag(MISSED_CLOCK_OUT, shift.shift_id,
                              f"clocked in {shift.clock_in.isoformat()} and never out"))
        if shift.clock_out is not None and shift.clock_out - shift.clock_in > MISSED_CLOCK_OUT_AFTER:
            found.append(Flag(LONG_SHIFT, shift.shift_id, "a shift of more than 16 hours: check the punches"))
        for b in shift.breaks:
            if b.ended_at is None and (shift.clock_out is not None or now - b.started_at > MISSED_BREAK_END_AFTER):
                found.append(Flag(BREAK_NOT_ENDED, shift.shift_id,
                                  f"break started {b.started_at.isoformat()} was never ended"))
    return found


# ---- California meal periods (LC 512, 226.7), an employer switch ------------------------------------------
MEAL_AFTER = (timedelta(hours=5), timedelta(hours=10))  # a meal period must start by the end of the 5th / 10th hour
MEAL_LENGTH = timedelta(minutes=30)


def _worked_at(intervals: list[tuple[datetime, datetime]], worked: timedelta) -> datetime | None:
    """The instant the time worked (over `intervals`, in order) reaches `worked`; None if it never does."""
    for start, end in intervals:
        if end - start >= worked:
            return start + worked
        worked -= end - start
    return None


def missed_meal_days(shifts: Iterable[Shift]) -> set[date]:
    """Workdays (local date of the clock-in) owed a meal-period premium: more than 5 hours worked without an
    unpaid break of 30 minutes or more started by the end of the 5th hour (a second by the end of the 10th
    when more than 10 hours were worked). Waivers (LC 512(a): 6 h / 12 h) are not modelled; rest breaks are
    not punched, so their premiums are not derived here. One premium per workday at most."""
    by_day: dict[date, list[Shift]] = defaultdict(list)
    for shift in shifts:
        if shift.clock_out is not None:
            by_day[shift.local_start_date()].append(shift)
    missed = set()
    for day, day_shifts in by_day.items():
        day_shifts.sort(key=lambda s: s.clock_in)
        intervals = [i for s in day_shifts for i in worked_intervals(s)]
        total = sum((end - start for start, end in intervals), timedelta())
        meals = sorted(b.started_at for s in day_shifts for b in s.breaks
                       if not b.paid and b.ended_at is not None and b.ended_at - b.started_at >= MEAL_LENGTH)
        # Time off the clock between two shifts of the day counts as a meal period too.
        meals += [a.clock_out for a, b in zip(day_shifts, day_shifts[1:], strict=False)
                  if a.clock_out is not None and b.clock_in - a.clock_out >= MEAL_LENGTH]
        meals.sort()
        for n, after in enumerate(MEAL_AFTER):
            if total <= after:
                break
            deadline = _worked_at(intervals, after)
            if len([m for m in meals if m <= deadline]) < n + 1:
                missed.add(day)
                break
    return missed


def meal_premiums_per_workweek(shifts: Sequence[Shift], period_start: date, weeks: int) -> list[int]:
    missed = missed_meal_days(shifts)
    return [sum(1 for d in missed if 0 <= (d - period_start).days - 7 * w < 7) for w in range(weeks)]
