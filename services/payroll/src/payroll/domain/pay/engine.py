"""Hours and pay engine: worked hours, rates, bonuses and tips of one paycheck -> earnings lines.

    result = compute_pay(PayRequest.from_dict(payload))   # PayInputError(field, message) on bad input
    result.to_dict()

Per workweek, each alone (29 CFR 778.104): split the hours (hours.py), work out the regular rate
(rates.py + bonuses.py), the bonus overtime premium, break premiums, and the tip-credit top-up (tips.py).
Earnings lines of the same kind and rate are then merged over the pay period, each line rounded once,
half-up to the cent (rules file section 6); cash wages are the sum of the rounded lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from .bonuses import HALF, WeekBonus, allocate, bonus_rates, method_of
from .errors import PayInputError
from .hours import WeekHours, california, flsa_weekly
from .model import PayRequest
from .money import PAY_CONTEXT, ZERO, fmt_money, fmt_num, to_cents
from .rates import DT_MULTIPLIER, OT_MULTIPLIER, BaseRates, base_rates
from .result import EarningsLine, ExplanationLine, HoursSummary, PayResult, WorkweekResult
from .rules import CALIFORNIA, Jurisdiction, WageRules, jurisdiction_for, wage_rules_for
from .salary import SalaryTerms, all_regular, salary_terms
from .tips import tips_per_week, top_up

KIND_ORDER = ("salary", "regular", "overtime", "double_time", "bonus", "overtime_bonus_adjustment", "break_premium",
              "tip_credit_top_up")


def compute_pay(request: PayRequest) -> PayResult:
    request.validate()
    with localcontext(PAY_CONTEXT):
        return _Computation(request).run()


@dataclass
class _Line:
    kind: str
    rate: Decimal | None
    rule: str = ""
    hours: Decimal = ZERO
    weeks: list[int] = field(default_factory=list)
    exact: Decimal = ZERO  # for lines without a single rate (top-up)


@dataclass(frozen=True, slots=True)
class _JobWeek:
    """One job's share of a workweek."""

    label: str  # "" for the main job (`pay`), else the job's name
    rates: BaseRates
    hours: Decimal


def _weeks_label(weeks: Sequence[int], count: int) -> str:
    if count == 1:
        return ""
    return (" (workweeks " if len(weeks) > 1 else " (workweek ") + ", ".join(str(i + 1) for i in weeks) + ")"


class _Computation:
    def __init__(self, request: PayRequest):
        self.request = request
        self.jurisdiction: Jurisdiction = jurisdiction_for(request.work_state)
        self.rules: WageRules = wage_rules_for(request.work_state, request.pay_date)
        self.salary: SalaryTerms | None = None
        if request.pay.type == "salary":
            assert request.pay_frequency is not None  # PayRequest.validate
            self.salary = salary_terms(request.pay, request.pay_frequency, request.work_state, request.pay_date,
                                       self.rules)
            self.rates = BaseRates(self.salary.regular_rate, ZERO, ())
        else:
            self.rates = base_rates(request.pay, self.rules)
        self.job_rates: dict[str, BaseRates] = {
            job.name: base_rates(job.pay, self.rules, f"jobs[{i}]") for i, job in enumerate(request.jobs)}
        self.explanation: list[ExplanationLine] = []
        self.lines: dict[tuple[object, ...], _Line] = {}  # (kind, rate, job, rule) -> line
        self.california = self.jurisdiction.overtime == CALIFORNIA

    # -- worksheet helpers -------------------------------------------------------------------------
    def explain(self, line: str, text: str, amount: Decimal | None = None, *, money: bool = True) -> None:
        self.explanation.append(ExplanationLine(line, text, amount, money))

    def add(self, kind: str, hours: Decimal, rate: Decimal, week: int, rule: str, label: str = "") -> None:
        if hours == 0 or rate == 0:
            return
        line = self.lines.setdefault((kind, rate, label, rule), _Line(kind, rate, rule))
        line.hours += hours
        if week not in line.weeks:
            line.weeks.append(week)

    # -- the computation ---------------------------------------------------------------------------
    def run(self) -> PayResult:
        req, rules, rates = self.request, self.rules, self.rates
        self.explain("rules", f"Work state {self.jurisdiction.code} ({self.jurisdiction.name}), pay date "
                              f"{req.pay_date.isoformat()}: minimum wage {fmt_num(rules.minimum_wage)}, maximum tip "
                              f"credit {fmt_num(rules.max_tip_credit)}; overtime "
                              + ("daily and weekly (California Labor Code 510)" if self.california
                                 else "weekly over 40 (FLSA 29 U.S.C. 207)"), rules.minimum_wage, money=False)
        if self.salary is not None:
            for note in self.salary.notes(req.pay.exempt, self.jurisdiction.code):
                self.explain("pay", note, None)
        else:
            pay_text = (f"Hourly rate {fmt_num(rates.straight)}" if req.pay.type == "hourly"
                        else f"Tipped: cash wage {fmt_num(rates.straight)} per hour")
            self.explain("pay", pay_text, rates.straight, money=False)
        for note in rates.notes:
            self.explain("pay", note, None)
        for i, job in enumerate(req.jobs):
            jr = self.job_rates[job.name]
            self.explain(f"jobs[{i}]", f"Job {job.name}: " + (f"hourly rate {fmt_num(jr.straight)}" if job.pay.type ==
                         "hourly" else f"tipped, cash wage {fmt_num(jr.straight)} per hour"), jr.straight, money=False)
            for note in jr.notes:
                self.explain(f"jobs[{i}]", note, None)

        split = california if self.california else flsa_weekly
        if self.salary is not None and self.salary.exempt:
            split = all_regular
            for i, w in enumerate(req.workweeks):
                if w.break_premiums:
                    raise PayInputError(f"workweeks[{i}].break_premiums", "an exempt salaried employee is not owed "
                                                                          "meal/rest break premiums")
        weeks = [split(w.combined_daily_hours) for w in req.workweeks]
        tips, tips_how = tips_per_week(req, weeks)
        shares = allocate(req.bonuses, weeks, self.jurisdiction)
        results = [self.workweek(i, hours, tips[i], tips_how, shares[i])
                   for i, hours in enumerate(weeks)]
        regular_rate = self.period_regular_rate(results)

        if self.salary is not None:
            hours = sum((w.total for w in weeks), ZERO)
            self.lines[("salary",)] = _Line("salary", None, rule="exempt: no overtime (29 CFR 541)" if self.salary.exempt
                                            else "non-exempt: straight time of every workweek; overtime paid on top",
                                            hours=hours, exact=self.salary.period_amount)
        self.bonus_lines()
        earnings = self.earnings(len(weeks))
        cash = sum((e.amount for e in earnings), ZERO)
        reported = sum(tips, ZERO) if any(w.reported_tips is not None for w in req.workweeks) else (
            req.reported_tips or ZERO)
        reported = to_cents(reported)
        top = sum((e.amount for e in earnings if e.kind == "tip_credit_top_up"), ZERO)
        for n, e in enumerate(earnings):
            self.explain(f"earnings[{n}]", f"{e.kind}: {e.text}", e.amount)
        self.explain("cash_wages", "Cash wages = sum of the earnings lines (tip top-up included, tips excluded)", cash)
        self.explain("reported_tips", "Reported tips (wages for taxes, not paid by the employer)", reported)
        self.explain("gross_wages", f"Gross wages = cash wages {fmt_money(cash)} + reported tips {fmt_money(reported)}",
                     cash + reported)

        totals = HoursSummary(sum((w.total for w in weeks), ZERO), sum((w.regular for w in weeks), ZERO),
                              sum((w.overtime for w in weeks), ZERO), sum((w.double_time for w in weeks), ZERO))
        return PayResult(totals, regular_rate, tuple(earnings), cash, reported, top,
                         cash + reported, tuple(self.explanation), tuple(results),
                         tuple(dict.fromkeys((*rules.sources, *self.jurisdiction.sources))))

    def job_weeks(self, i: int) -> list[_JobWeek]:
        wk = self.request.workweeks[i]
        out = [_JobWeek("", self.rates, sum(wk.daily_hours, ZERO))]
        out += [_JobWeek(h.job, self.job_rates[h.job], sum(h.daily_hours, ZERO)) for h in wk.jobs]
        return [j for j in out if j.hours > 0] or out[:1]

    def workweek(self, i: int, hours: WeekHours, tips: Decimal, tips_how: str, share: WeekBonus) -> WorkweekResult:
        p = f"workweeks[{i}]"
        wk = self.request.workweeks[i]
        days = ", ".join(fmt_num(h) for h in wk.combined_daily_hours)
        self.explain(f"{p}.hours", f"Workweek {i + 1}: daily hours {days} = {fmt_num(hours.total)} h"
                     + (" (all jobs)" if wk.jobs else ""), hours.total, money=False)
        self.explain(f"{p}.split", f"exempt: all {fmt_num(hours.total)} h are paid by the salary, none is overtime"
                     if self.salary is not None and self.salary.exempt else self.split_text(hours),
                     hours.overtime + hours.double_time, money=False)

        jobs = self.job_weeks(i)
        if self.salary is not None:
            base_rate, tip_credit_claimed = self.salaried(i, hours)
        elif len(jobs) == 1:
            base_rate, tip_credit_claimed = self.single_job(i, jobs[0], hours)
        else:
            base_rate, tip_credit_claimed = self.blended(i, jobs, hours)

        br = bonus_rates(share, hours)
        regular_rate = base_rate + br.per_hour
        if br.per_hour:
            how = []
            if share.total_hours:
                how.append(f"non-discretionary bonus {fmt_num(share.total_hours)} / {fmt_num(hours.total)} h "
                           f"(29 CFR 778.110(b))")
            if share.alvarado:
                how.append(f"flat-sum bonus {fmt_num(share.alvarado)} / {fmt_num(hours.regular)} non-overtime h "
                           f"(Alvarado v. Dart Container)")
            self.explain(f"{p}.regular_rate", f"Regular rate = {fmt_num(base_rate)} + "
                                              + " + ".join(how) + f" = {fmt_num(regular_rate)}",
                         regular_rate, money=False)
            rule = ("overtime premium on the bonus: "
                    + ("0.5 x (bonus / all hours) per OT hour, 1 x per DT hour (29 CFR 778.110(b))"
                       if br.method == "total_hours" else
                       "1.5 x (bonus / non-OT hours) per OT hour, 2 x per DT hour (Alvarado v. Dart Container)"
                       if br.method == "alvarado" else "total-hours and Alvarado premiums on the bonuses"))
            self.add("overtime_bonus_adjustment", hours.overtime, br.overtime_premium, i, rule + " - overtime hours")
            self.add("overtime_bonus_adjustment", hours.double_time, br.double_time_premium, i,
                     rule + " - double-time hours")
        else:
            self.explain(f"{p}.regular_rate", f"Regular rate = {fmt_num(regular_rate)}"
                         + (" (cash wage + tip credit; tips excluded, 29 CFR 531.60)" if tip_credit_claimed else ""),
                         regular_rate, money=False)
        if wk.break_premiums:
            self.explain(f"{p}.break_premiums", f"{wk.break_premiums} missed or late meal/rest period(s) x 1 h at the "
                                                f"regular rate {fmt_num(regular_rate)} (LC 226.7; Ferra v. Loews)",
                         wk.break_premiums * regular_rate)
            self.add("break_premium", Decimal(wk.break_premiums), regular_rate, i,
                     "one hour at the regular rate per missed or late meal/rest period (LC 226.7)")

        week_top_up = top_up(tip_credit_claimed, tips)
        if any(j.rates.tip_credit for j in jobs) or tips:
            self.explain(f"{p}.reported_tips", f"Reported tips for workweek {i + 1}: {fmt_num(tips)} ({tips_how})",
                         tips, money=False)
        if tip_credit_claimed:
            self.explain(f"{p}.tip_credit_top_up",
                         "Tip credit claimed " + " + ".join(f"{fmt_num(j.rates.tip_credit)} x {fmt_num(j.hours)} h"
                                                            for j in jobs if j.rates.tip_credit)
                         + f" = {fmt_num(tip_credit_claimed)}; tips {fmt_num(tips)}; top-up = "
                         f"max(0, {fmt_num(tip_credit_claimed)} - {fmt_num(tips)}) = {fmt_num(week_top_up)}"
                         " (29 U.S.C. 203(m)(2), per workweek)", week_top_up, money=False)
            if week_top_up:
                line = self.lines.setdefault(("tip_credit_top_up",), _Line("tip_credit_top_up", None))
                line.hours += sum((j.hours for j in jobs if j.rates.tip_credit), ZERO)
                line.exact += week_top_up
                line.weeks.append(i)
        return WorkweekResult(HoursSummary(hours.total, hours.regular, hours.overtime, hours.double_time),
                              regular_rate, tips, week_top_up, share.total)

    def single_job(self, i: int, job: _JobWeek, hours: WeekHours) -> tuple[Decimal, Decimal]:
        """All hours in one job: regular, overtime and double-time lines at that job's rates.
        Returns (regular rate before bonuses, tip credit claimed for the week)."""
        rates, label = job.rates, job.label
        tipped = rates.tip_credit > 0
        where = f"{label}: " if label else ""
        self.add("regular", hours.regular, rates.straight, i, where + (
            "straight time at the cash wage; the tip credit covers the rest of the minimum wage" if tipped
            else "straight time at the hourly rate"), label)
        ot_rule = ("hours over 8 in a workday, over 40 regular hours in the workweek, or the first 8 on the seventh "
                   "day, at 1.5x (LC 510)" if self.california else "hours over 40 in the workweek at 1.5x (FLSA 207)")
        if tipped:
            ot_rule += f"; 1.5 x {fmt_num(rates.regular_rate)} minimum wage - {fmt_num(rates.tip_credit)} tip credit"
        self.add("overtime", hours.overtime, rates.overtime, i, where + ot_rule, label)
        self.add("double_time", hours.double_time, rates.double_time, i,
                 where + "hours over 12 in a workday or over 8 on the seventh day, at 2x (LC 510)", label)
        return rates.regular_rate, rates.tip_credit * hours.total

    def salaried(self, i: int, hours: WeekHours) -> tuple[Decimal, Decimal]:
        """The salary pays the straight time (its line is per pay period); a non-exempt salaried employee is
        paid overtime on top at the salary's regular rate (salary.py). Returns (regular rate, no tip credit)."""
        assert self.salary is not None
        rate = self.salary.regular_rate
        if self.salary.exempt:
            return rate, ZERO
        ot_rule = ("salaried non-exempt: hours over 8 in a workday, over 40 in the workweek, or the first 8 on the "
                   "seventh day at 1.5 x weekly salary / 40 (LC 510, 515(d))" if self.california else
                   "salaried non-exempt: hours over 40 in the workweek at 1.5 x weekly salary / 40 "
                   "(FLSA 207; 29 CFR 778.113)")
        self.add("overtime", hours.overtime, OT_MULTIPLIER * rate, i, ot_rule)
        self.add("double_time", hours.double_time, DT_MULTIPLIER * rate, i,
                 "salaried non-exempt: hours over 12 in a workday or over 8 on the seventh day at 2 x weekly "
                 "salary / 40 (LC 510, 515(d))")
        return rate, ZERO

    def blended(self, i: int, jobs: list[_JobWeek], hours: WeekHours) -> tuple[Decimal, Decimal]:
        """Hours in two or more jobs at different rates (29 CFR 778.115): straight time for every hour at its
        job's rate, and the overtime premium at half the weighted-average ("blended") regular rate per
        overtime hour (the full blended rate per double-time hour, California)."""
        p = f"workweeks[{i}]"
        straight_time = sum((j.hours * j.rates.regular_rate for j in jobs), ZERO)
        blended = straight_time / hours.total
        self.explain(f"{p}.blended_rate", "Blended regular rate = (" + " + ".join(
            f"{fmt_num(j.hours)} h x {fmt_num(j.rates.regular_rate)} {j.label or 'main job'}" for j in jobs)
                     + f") / {fmt_num(hours.total)} h = {fmt_num(blended)} (29 CFR 778.115)", blended, money=False)
        for j in jobs:
            tipped = j.rates.tip_credit > 0
            self.add("regular", j.hours, j.rates.straight, i,
                     f"{j.label or 'main job'}: straight time for all hours in this job"
                     + (" at the cash wage (tip credit covers the rest of the minimum wage)" if tipped else ""),
                     j.label)
        self.add("overtime", hours.overtime, HALF * blended, i,
                 "overtime premium: 0.5 x blended regular rate per overtime hour, straight time already paid "
                 "(29 CFR 778.115)")
        self.add("double_time", hours.double_time, blended, i,
                 "double-time premium: 1 x blended regular rate per double-time hour, straight time already paid "
                 "(LC 510)")
        return blended, sum((j.rates.tip_credit * j.hours for j in jobs), ZERO)

    def split_text(self, h: WeekHours) -> str:
        parts = [f"regular {fmt_num(h.regular)} h"]
        if self.california:
            ot = [f"daily over 8: {fmt_num(h.daily_overtime)} h", f"weekly over 40: {fmt_num(h.weekly_overtime)} h"]
            if h.seventh_day:
                ot.append(f"seventh day first 8: {fmt_num(h.seventh_day_overtime)} h")
            parts.append(f"overtime {fmt_num(h.overtime)} h (" + "; ".join(ot) + ")")
            parts.append(f"double time {fmt_num(h.double_time)} h (over 12 in a day"
                         + (" or over 8 on the seventh day)" if h.seventh_day else ")"))
            if h.seventh_day:
                parts.append("all seven days of the workweek worked: seventh-day rule applies")
        else:
            parts.append(f"overtime {fmt_num(h.overtime)} h (over 40 in the workweek)")
        return "; ".join(parts)

    def bonus_lines(self) -> None:
        for n, bonus in enumerate(self.request.bonuses):
            if bonus.amount == 0:
                continue
            method = method_of(bonus, self.jurisdiction)
            text = f"{bonus.type.replace('_', '-')} bonus" + (
                " (outside the regular rate)" if method is None else " (in the regular rate)")
            self.lines[("bonus", n)] = _Line("bonus", None, rule=text, exact=bonus.amount)  # one line per bonus
            where = ("" if bonus.workweek is None or len(self.request.workweeks) == 1
                     else f", workweek {bonus.workweek + 1}")
            self.explain(f"bonuses[{n}]", f"{bonus.type.replace('_', '-')} bonus{where}: "
                         + {None: "discretionary, outside the regular rate (29 U.S.C. 207(e)(3))",
                            "total_hours": "in the regular rate, total-hours method (29 CFR 778.110(b), 778.209)",
                            "alvarado": "in the regular rate, divided by non-overtime hours (Alvarado v. Dart Container)",
                            }[method], bonus.amount)

    def earnings(self, week_count: int) -> list[EarningsLine]:
        out: list[EarningsLine] = []
        ordered = sorted(self.lines.values(), key=lambda ln: KIND_ORDER.index(ln.kind))  # stable: keeps week order
        for ln in ordered:
            weeks = _weeks_label(ln.weeks, week_count)
            if ln.kind == "bonus":
                out.append(EarningsLine("bonus", None, None, to_cents(ln.exact), ln.rule))
                continue
            if ln.kind == "salary":
                assert self.salary is not None
                out.append(EarningsLine("salary", ln.hours, None, to_cents(ln.exact),
                                        f"salary {fmt_money(self.salary.annual)} a year / {self.salary.periods} "
                                        f"{self.salary.frequency} pay periods = {fmt_money(ln.exact)}; "
                                        f"{fmt_num(ln.hours)} h worked; " + ln.rule))
                continue
            if ln.kind == "tip_credit_top_up":
                out.append(EarningsLine(ln.kind, ln.hours, None, to_cents(ln.exact),
                                        f"tips fell short of the tip credit claimed for {fmt_num(ln.hours)} h{weeks}: "
                                        f"employer pays the difference up to the minimum wage"))
                continue
            assert ln.rate is not None
            amount = to_cents(ln.hours * ln.rate)
            out.append(EarningsLine(ln.kind, ln.hours, ln.rate, amount,
                                    f"{fmt_num(ln.hours)} h x {fmt_num(ln.rate)} = {fmt_money(amount)}{weeks}; "
                                    + ln.rule))
        return out

    def period_regular_rate(self, weeks: Sequence[WorkweekResult]) -> Decimal:
        """One workweek: its regular rate. Several: the same if they agree, else the hours-weighted average."""
        worked = [w for w in weeks if w.hours.total > 0] or list(weeks)
        rates = {w.regular_rate for w in worked}
        if len(rates) == 1:
            return rates.pop()
        total = sum((w.hours.total for w in worked), ZERO)
        rate = sum((w.regular_rate * w.hours.total for w in worked), ZERO) / total
        self.explain("regular_rate", "Regular rates differ by workweek (" + ", ".join(
            fmt_num(w.regular_rate) for w in weeks) + "); shown: their hours-weighted average; each workweek's "
                     "overtime used its own", rate, money=False)
        return rate
