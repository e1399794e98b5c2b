"""A finalized paycheck as the tax ledger keeps it (pure: validation and normalisation only).

The input is the PaycheckFinalized event as plain JSON (field names as in
protos/auraconnect/payroll/v1/events.proto). Everything becomes one flat record: identifiers,
the earnings fields the forms need, and every amount as a Decimal under a flat name (`ee_*`
employee taxes, `er_*` employer taxes, `tw_*` taxable wages, `nec_*` contractor amounts), which is
also the ledger table's column layout.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tax.domain.payroll.model import FREQUENCIES, PAYMENT_TYPES, PRETAX_TYPES
from tax.domain.payroll.states import STATES
from tax.domain.payroll.validation import ValidationError, check_keys, choice, join, money, obj

EMPLOYEE_TAXES = ("federal_income_tax", "social_security", "medicare", "additional_medicare", "state_income_tax",
                  "state_disability", "state_unemployment", "local_income_tax")
EMPLOYER_TAXES = ("social_security", "medicare", "futa", "suta")
TAXABLE_WAGES = ("federal_income_tax", "social_security", "medicare", "state", "local", "futa", "suta")
PRETAX_FIELDS = {t: f"pretax_{t}" for t in PRETAX_TYPES}  # "401k" -> "pretax_401k"
NEC_FIELDS = ("nec_compensation", "nec_federal_withheld", "nec_state_income", "nec_state_withheld")
# Employee social security / Medicare on tips the paycheck could not withhold (W-2 box 12 A / B).
UNCOLLECTED = ("social_security", "medicare")
UNCOLLECTED_FIELDS = tuple(f"uc_{k}" for k in UNCOLLECTED)  # added by migration 0003
AMOUNT_FIELDS = ("wages", "tips", *PRETAX_FIELDS.values(), *(f"ee_{k}" for k in EMPLOYEE_TAXES),
                 *(f"er_{k}" for k in EMPLOYER_TAXES), *(f"tw_{k}" for k in TAXABLE_WAGES), *NEC_FIELDS,
                 *UNCOLLECTED_FIELDS)
WORKER_TYPES = ("employee", "contractor")
_STATE = re.compile(r"[A-Z]{2}")
_LAST4 = re.compile(r"\d{4}")
_PAYCHECK_ID = re.compile(r"[A-Za-z0-9._:/-]{1,128}")


@dataclass(frozen=True)
class PaycheckRecord:
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    paycheck_id: str
    pay_date: date
    tax_year: int
    worker_type: str
    employee_display_name: str
    ssn_last4: str
    rules_version: str
    amounts: Mapping[str, Decimal]  # every AMOUNT_FIELDS name; zero when not applicable
    pay_frequency: str | None = None
    payment_type: str | None = None
    work_state: str | None = None
    locality_code: str | None = None
    locality_resident: bool | None = None
    nec_state: str | None = None
    finalized_at: datetime | None = None

    def content_hash(self) -> str:
        """What identifies the paycheck's content: a re-sent paycheck must hash the same.

        finalized_at is left out: a retry of the same paycheck may carry a new timestamp."""
        content = {
            "tenant_id": str(self.tenant_id), "employee_id": str(self.employee_id), "paycheck_id": self.paycheck_id,
            "pay_date": self.pay_date.isoformat(), "tax_year": self.tax_year, "worker_type": self.worker_type,
            "employee_display_name": self.employee_display_name, "ssn_last4": self.ssn_last4,
            "rules_version": self.rules_version, "pay_frequency": self.pay_frequency,
            "payment_type": self.payment_type, "work_state": self.work_state, "locality_code": self.locality_code,
            "locality_resident": self.locality_resident, "nec_state": self.nec_state,
            # Uncollected tip taxes only when there are some: a paycheck recorded before they were
            # carried hashes as it did then.
            "amounts": {k: str(v.quantize(Decimal("0.01"))) for k, v in sorted(self.amounts.items())
                        if not (k in UNCOLLECTED_FIELDS and not v)},
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _uuid(d: Mapping[str, Any], key: str) -> uuid.UUID:
    raw = d.get(key)
    if not raw:
        raise ValidationError(key, "is required")
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationError(key, "must be a UUID") from None


def _text(d: Mapping[str, Any], key: str, path: str = "", max_len: int = 200) -> str:
    raw = d.get(key) or ""
    if not isinstance(raw, str) or len(raw) > max_len:
        raise ValidationError(join(path, key), f"must be a string of at most {max_len} characters")
    return raw.strip()


def paycheck_from_dict(d: Any) -> PaycheckRecord:
    """Validate a PaycheckFinalized (as JSON) into a record; ValidationError names the field."""
    d = obj(d, "")
    check_keys(d, ("tenant_id", "employee_id", "paycheck_id", "pay_date", "tax_year", "worker_type",
                   "employee_display_name", "ssn_last4", "earnings", "taxes", "contractor_payment",
                   "rules_version", "finalized_at"), "")
    tenant_id, employee_id = _uuid(d, "tenant_id"), _uuid(d, "employee_id")
    paycheck_id = d.get("paycheck_id")
    if not isinstance(paycheck_id, str) or not _PAYCHECK_ID.fullmatch(paycheck_id):
        raise ValidationError("paycheck_id", "is required: 1-128 letters, digits or . _ : / -")
    try:
        pay_date = date.fromisoformat(d.get("pay_date") or "")
    except (TypeError, ValueError):
        raise ValidationError("pay_date", "must be an ISO date (YYYY-MM-DD)") from None
    tax_year = d.get("tax_year") or pay_date.year
    if tax_year != pay_date.year:
        raise ValidationError("tax_year", f"must be the year of pay_date ({pay_date.year}): wages are taxed when paid")
    worker_type = choice(d, "worker_type", "", WORKER_TYPES)
    last4 = _text(d, "ssn_last4", max_len=4)
    if last4 and not _LAST4.fullmatch(last4):
        raise ValidationError("ssn_last4", "must be the last four digits of the SSN (never the full number)")
    common = {"tenant_id": tenant_id, "employee_id": employee_id, "paycheck_id": paycheck_id, "pay_date": pay_date,
              "tax_year": tax_year, "worker_type": worker_type,
              "employee_display_name": _text(d, "employee_display_name"), "ssn_last4": last4,
              "rules_version": _text(d, "rules_version", max_len=100),
              "finalized_at": _timestamp(d.get("finalized_at"))}
    amounts = dict.fromkeys(AMOUNT_FIELDS, Decimal("0.00"))
    if worker_type == "employee":
        if d.get("contractor_payment"):
            raise ValidationError("contractor_payment", "only for worker_type 'contractor'")
        return PaycheckRecord(**common, amounts=amounts, **_employee_fields(d, amounts))
    for key in ("earnings", "taxes"):
        if d.get(key):
            raise ValidationError(key, "only for worker_type 'employee'")
    return PaycheckRecord(**common, amounts=amounts, **_contractor_fields(d, amounts))


def _timestamp(raw: Any) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("finalized_at", "must be an RFC 3339 timestamp") from None


def _employee_fields(d: Mapping[str, Any], amounts: dict[str, Decimal]) -> dict[str, Any]:
    earnings = obj(d.get("earnings"), "earnings")
    check_keys(earnings, ("pay_frequency", "payment_type", "wages", "tips", "pretax_deductions", "work_state",
                          "locality_code", "locality_resident"), "earnings")
    work_state = earnings.get("work_state")
    if work_state not in STATES:
        raise ValidationError("earnings.work_state", f"unsupported state {work_state!r}")
    amounts["wages"] = money(earnings, "wages", "earnings")
    amounts["tips"] = money(earnings, "tips", "earnings", required=False)
    for i, item in enumerate(earnings.get("pretax_deductions") or ()):
        path = f"earnings.pretax_deductions[{i}]"
        item = obj(item, path)
        column = PRETAX_FIELDS[choice(item, "type", path, PRETAX_TYPES)]
        amounts[column] += money(item, "amount", path)
    taxes = obj(d.get("taxes"), "taxes")
    check_keys(taxes, ("employee", "employer", "taxable_wages", "uncollected"), "taxes")
    for group, names, prefix in (("employee", EMPLOYEE_TAXES, "ee_"), ("employer", EMPLOYER_TAXES, "er_"),
                                 ("taxable_wages", TAXABLE_WAGES, "tw_")):
        path = f"taxes.{group}"
        values = obj(taxes.get(group), path)
        check_keys(values, names, path)
        for name in names:
            amounts[prefix + name] = money(values, name, path)
    if taxes.get("uncollected"):
        path = "taxes.uncollected"
        values = obj(taxes["uncollected"], path)
        check_keys(values, UNCOLLECTED, path)
        for name in UNCOLLECTED:
            amounts[f"uc_{name}"] = money(values, name, path, required=False)
    locality = _text(earnings, "locality_code", "earnings", max_len=40).upper() or None
    return {"pay_frequency": choice(earnings, "pay_frequency", "earnings", FREQUENCIES),
            "payment_type": choice(earnings, "payment_type", "earnings", PAYMENT_TYPES),
            "work_state": work_state, "locality_code": locality,
            "locality_resident": bool(earnings.get("locality_resident")) if locality else None}


def _contractor_fields(d: Mapping[str, Any], amounts: dict[str, Decimal]) -> dict[str, Any]:
    path = "contractor_payment"
    pay = obj(d.get(path), path)
    check_keys(pay, ("nonemployee_compensation", "federal_income_tax_withheld", "state", "state_income",
                     "state_tax_withheld"), path)
    amounts["nec_compensation"] = money(pay, "nonemployee_compensation", path)
    amounts["nec_federal_withheld"] = money(pay, "federal_income_tax_withheld", path, required=False)
    amounts["nec_state_income"] = money(pay, "state_income", path, required=False)
    amounts["nec_state_withheld"] = money(pay, "state_tax_withheld", path, required=False)
    state = pay.get("state") or None
    if state is not None and not (isinstance(state, str) and _STATE.fullmatch(state)):
        raise ValidationError(f"{path}.state", "must be a two-letter state code")
    if state is None and (amounts["nec_state_income"] or amounts["nec_state_withheld"]):
        raise ValidationError(f"{path}.state", "is required with state_income or state_tax_withheld")
    return {"nec_state": state}
