"""Form W-2 and Form 1099-NEC boxes from one worker's ledger records for one tax year (pure).

W-2 boxes the ledger supports:
  1  wages, tips, other compensation  = sum of taxable_wages.federal_income_tax
  2  federal income tax withheld      = sum of employee.federal_income_tax
  3  social security wages            = social security wages other than tips (see 7)
  4  social security tax withheld     = sum of employee.social_security
  5  medicare wages and tips          = sum of taxable_wages.medicare
  6  medicare tax withheld            = employee.medicare + employee.additional_medicare
  7  social security tips             = the tip part of taxable_wages.social_security: per paycheck,
                                        wages fill the social security base first, tips the rest
                                        (so 3 + 7 never exceed the year's wage base)
  12 A uncollected social security tax on tips, B uncollected Medicare tax on tips (including
     Additional Medicare): what payroll could not withhold from the cash wages (PaycheckFinalized
     taxes.uncollected); D 401(k), E 403(b), W HSA through a cafeteria plan (employee pre-tax
     contributions the ledger saw; employer HSA contributions are not in it); Section 125 premiums are
     not reported
  13 retirement plan: checked when 401(k)/403(b) deferrals exist
  14 state employee taxes reported for information: "<ST> SDI" (e.g. California SDI), "<ST> SUI"
     (employee unemployment, e.g. Pennsylvania)
  15-17 per work state with state wages or tax; 18-20 per locality
Not in the ledger (left out, not guessed): 8 allocated tips, 10 dependent care, 11 nonqualified
plans and the 2026 OBBBA codes for qualified tips/overtime.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tax.domain.payroll.money import fmt_money

from .records import PaycheckRecord

ZERO = Decimal("0.00")
W2_LABELS = {
    "1": "Wages, tips, other compensation", "2": "Federal income tax withheld", "3": "Social security wages",
    "4": "Social security tax withheld", "5": "Medicare wages and tips", "6": "Medicare tax withheld",
    "7": "Social security tips", "12": "See instructions for box 12", "13": "Retirement plan", "14": "Other",
    "15": "State, employer's state ID number", "16": "State wages, tips, etc.", "17": "State income tax",
    "18": "Local wages, tips, etc.", "19": "Local income tax", "20": "Locality name",
}
NEC_LABELS = {"1": "Nonemployee compensation", "4": "Federal income tax withheld", "5": "State tax withheld",
              "6": "State/Payer's state no.", "7": "State income"}
BOX12_CODES = (("A", "uc_social_security"), ("B", "uc_medicare"), ("D", "pretax_401k"), ("E", "pretax_403b"),
               ("W", "pretax_hsa"))


def masked_ssn(last4: str) -> str:
    """Employee copies may show a truncated SSN; the full number never reaches this service."""
    return f"XXX-XX-{last4}" if last4 else ""


def _latest(records: list[PaycheckRecord]) -> PaycheckRecord:
    return max(records, key=lambda r: (r.pay_date, r.paycheck_id))


def _party(employer: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": employer.get("legal_name") or "", "ein": employer.get("ein") or "",
            "address": employer.get("address") or ""}


def build_w2(records: Iterable[PaycheckRecord], tax_year: int, employer: Mapping[str, Any]) -> dict[str, Any] | None:
    """The W-2 as JSON, or None when the worker had no wages as an employee that year."""
    records = [r for r in records if r.worker_type == "employee" and r.tax_year == tax_year]
    if not records:
        return None
    box = dict.fromkeys(("1", "2", "3", "4", "5", "6", "7"), ZERO)
    box12 = dict.fromkeys((code for code, _ in BOX12_CODES), ZERO)
    box14: dict[str, Decimal] = {}
    states: dict[str, list[Decimal]] = {}
    locals_: dict[str, list[Decimal]] = {}
    for r in records:
        a = r.amounts
        ss_total = a["tw_social_security"]
        non_tip = max(a["tw_medicare"] - a["tips"], ZERO)
        ss_wages = min(ss_total, non_tip)
        box["1"] += a["tw_federal_income_tax"]
        box["2"] += a["ee_federal_income_tax"]
        box["3"] += ss_wages
        box["4"] += a["ee_social_security"]
        box["5"] += a["tw_medicare"]
        box["6"] += a["ee_medicare"] + a["ee_additional_medicare"]
        box["7"] += ss_total - ss_wages
        for code, field in BOX12_CODES:
            box12[code] += a[field]
        for label, field in ((f"{r.work_state} SDI", "ee_state_disability"),
                             (f"{r.work_state} SUI", "ee_state_unemployment")):
            if a[field]:
                box14[label] = box14.get(label, ZERO) + a[field]
        if a["tw_state"] or a["ee_state_income_tax"]:
            st = states.setdefault(r.work_state, [ZERO, ZERO])
            st[0] += a["tw_state"]
            st[1] += a["ee_state_income_tax"]
        if r.locality_code and (a["tw_local"] or a["ee_local_income_tax"]):
            lo = locals_.setdefault(r.locality_code, [ZERO, ZERO])
            lo[0] += a["tw_local"]
            lo[1] += a["ee_local_income_tax"]
    latest = _latest(records)
    state_ids = employer.get("state_employer_ids") or {}
    boxes: dict[str, Any] = {k: fmt_money(v) for k, v in box.items()}
    boxes["12"] = [{"code": code, "amount": fmt_money(v)} for code, v in box12.items() if v]
    boxes["13"] = {"statutory_employee": False, "retirement_plan": bool(box12["D"] or box12["E"]),
                   "third_party_sick_pay": False}
    boxes["14"] = [{"label": label, "amount": fmt_money(v)} for label, v in sorted(box14.items())]
    boxes["15_17"] = [{"state": st, "employer_state_id": state_ids.get(st, ""), "state_wages": fmt_money(w),
                       "state_income_tax": fmt_money(t)} for st, (w, t) in sorted(states.items())]
    boxes["18_20"] = [{"local_wages": fmt_money(w), "local_income_tax": fmt_money(t), "locality_name": code}
                      for code, (w, t) in sorted(locals_.items())]
    return {
        "form": "W-2", "tax_year": tax_year, "employee_id": str(latest.employee_id),
        "employee": {"name": latest.employee_display_name, "ssn": masked_ssn(latest.ssn_last4), "address": ""},
        "employer": _party(employer),
        "boxes": boxes, "box_labels": W2_LABELS,
        "paychecks": len(records), "rules_versions": sorted({r.rules_version for r in records if r.rules_version}),
    }


def build_1099_nec(records: Iterable[PaycheckRecord], tax_year: int,
                   payer: Mapping[str, Any]) -> dict[str, Any] | None:
    """The 1099-NEC as JSON, or None when the worker had no contractor payments that year."""
    records = [r for r in records if r.worker_type == "contractor" and r.tax_year == tax_year]
    if not records:
        return None
    compensation = sum((r.amounts["nec_compensation"] for r in records), ZERO)
    withheld = sum((r.amounts["nec_federal_withheld"] for r in records), ZERO)
    states: dict[str, list[Decimal]] = {}
    for r in records:
        if r.nec_state:
            st = states.setdefault(r.nec_state, [ZERO, ZERO])
            st[0] += r.amounts["nec_state_withheld"]
            st[1] += r.amounts["nec_state_income"]
    latest = _latest(records)
    state_ids = payer.get("state_employer_ids") or {}
    return {
        "form": "1099-NEC", "tax_year": tax_year, "recipient_id": str(latest.employee_id),
        "recipient": {"name": latest.employee_display_name, "tin": masked_ssn(latest.ssn_last4), "address": ""},
        "payer": _party(payer),
        "boxes": {"1": fmt_money(compensation), "2": False, "4": fmt_money(withheld),
                  "5_7": [{"state_tax_withheld": fmt_money(w), "state": st, "payer_state_id": state_ids.get(st, ""),
                           "state_income": fmt_money(i)} for st, (w, i) in sorted(states.items())]},
        "box_labels": NEC_LABELS, "payments": len(records),
    }
