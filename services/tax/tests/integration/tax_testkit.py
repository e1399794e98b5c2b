"""Helpers for the tax service-layer tests: withholding requests and the paychecks payroll would record."""
from __future__ import annotations

import copy
import uuid
from typing import Any

from tax.domain.payroll import WithholdingRequest, calculate_withholding
from tax.rules import load_rulebook

REQUEST = {
    "pay_date": "2026-03-06", "pay_frequency": "biweekly", "payment_type": "regular",
    "wages": "2000.00", "tips": "0.00", "pretax_deductions": [],
    "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"},
}


def request(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(REQUEST)
    body.update(copy.deepcopy(changes))
    return body


def engine_result(body: dict[str, Any]) -> dict[str, Any]:
    """The pure engine's answer (a first paycheck when the body has no ytd)."""
    body = {"ytd": {"wages": "0.00"}} | {k: v for k, v in body.items() if k != "employee_id"}
    req = WithholdingRequest.from_dict(body)
    return calculate_withholding(req, load_rulebook().for_date(req.pay_date)).to_dict()


def paycheck(tenant: uuid.UUID, employee: uuid.UUID, body: dict[str, Any], result: dict[str, Any],
             paycheck_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """The PaycheckFinalized JSON payroll publishes for a calculated paycheck."""
    locality = body.get("locality") or {}
    return {
        "tenant_id": str(tenant), "employee_id": str(employee), "paycheck_id": paycheck_id or f"pc-{uuid.uuid4()}",
        "pay_date": body["pay_date"], "tax_year": int(body["pay_date"][:4]), "worker_type": "employee",
        "employee_display_name": "Rosa Diaz", "ssn_last4": "6789", "rules_version": result["rules_version"],
        "earnings": {"pay_frequency": body["pay_frequency"], "payment_type": body["payment_type"],
                     "wages": body["wages"], "tips": body.get("tips", "0.00"),
                     "pretax_deductions": body.get("pretax_deductions", []), "work_state": body["work_state"],
                     "locality_code": locality.get("code", ""), "locality_resident": locality.get("resident", False)},
        "taxes": {"employee": result["employee"], "employer": result["employer"],
                  "taxable_wages": result["taxable_wages"]},
    } | extra
