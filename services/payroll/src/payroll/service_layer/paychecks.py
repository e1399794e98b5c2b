"""Paycheck preview: one paycheck from the given facts, with the engine pay runs use; nothing is stored
(so no unit of work). The taxes come from the tax service in one batch call: the wages + tips, and, when
there are tips, the wages alone, which the withholding order needs to tell the taxes on wages from those
on tips (domain/pay/withholding_order.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from chassis.errors import DependencyUnavailable, InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.validation import reject_nul

from payroll.domain.pay import PayRequest, compute_pay
from payroll.domain.pay.deductions import PosttaxDeduction, take_posttax
from payroll.domain.pay.money import ZERO
from payroll.domain.pay.paycheck import Paycheck
from payroll.domain.pay.taxes import TaxFacts, preview_field
from payroll.domain.pay.withholding_order import withhold_in_order
from payroll.domain.stubs import PayStub, StubEmployee, StubParty, build_stub
from payroll.service_layer.ports import WithholdingCalculator

# Like the tax service's withholding calculation: nothing private is read; a pay run (payroll:create)
# and a manager checking a figure (payroll:read) both need it.
PREVIEW = ("payroll:read", "payroll:create")


def preview_paycheck(payload: Mapping[str, Any], identity: Identity, *,
                     tax: WithholdingCalculator | None) -> Paycheck:
    """The paycheck for `payload` (the preview request JSON of issue 11). InvalidInput names the field as
    the request's JSON names it, including the fields the tax service refuses."""
    if not any(identity.has(p) for p in PREVIEW):
        raise PermissionDenied("missing permission payroll:read or payroll:create")
    if tax is None:
        raise DependencyUnavailable("tax service not configured (TAX_GRPC_ADDR)")
    request = PayRequest.from_dict(payload)
    facts = TaxFacts.from_dict(payload, request)
    posttax = PosttaxDeduction.list_from(payload)
    pay = compute_pay(request)
    facts.check_deductions(pay.cash_wages)
    asked = [facts.withholding_request(pay.cash_wages, pay.reported_tips)]
    if pay.reported_tips:
        asked.append(facts.withholding_request(pay.cash_wages, ZERO))
    try:
        results = tax.calculate(identity, asked)
    except InvalidInput as error:
        raise InvalidInput(error.message, field=preview_field(error.field)) from None
    total = results[0]
    on_wages = results[1] if pay.reported_tips else total
    order = withhold_in_order(pay.cash_wages - facts.pretax_total, on_wages.employee, total.employee)
    net_before_posttax = pay.cash_wages - facts.pretax_total - order.total_withheld
    return Paycheck(pay, facts, total, order, take_posttax(net_before_posttax, posttax))


# ---------------------------------------------------------------- preview stubs

STUB_KEYS = ("paycheck", "employer", "employee", "location", "period", "ytd_before", "paycheck_id")
PREVIEW_EMPLOYER = StubParty("Preview (no employer given)")
PREVIEW_EMPLOYEE = StubEmployee("Preview (no employee given)")
PREVIEW_LOCATION = StubParty("-")


def _text(raw: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise InvalidInput("is required", field=f"{path}.{key}")
        return ""
    if not isinstance(value, str) or len(value) > 500:
        raise InvalidInput("must be a string of at most 500 characters", field=f"{path}.{key}")
    return reject_nul(value, f"{path}.{key}")


def _object(raw: Any, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object", field=path)
    for key in raw:
        if key not in keys:
            raise InvalidInput("unknown field", field=f"{path}.{key}")
    return raw


def _party(raw: Any, path: str, default: StubParty) -> StubParty:
    if raw is None:
        return default
    raw = _object(raw, path, ("name", "address", "id"))
    return StubParty(_text(raw, "name", path, required=True), _text(raw, "address", path), _text(raw, "id", path))


def _day(raw: Mapping[str, Any], key: str, path: str) -> date | None:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=f"{path}.{key}") from None


def preview_stub(payload: Any, identity: Identity, *, tax: WithholdingCalculator | None) -> PayStub:
    """The stub of a previewed paycheck. `payload`: {"paycheck": <the preview request>, optional "employer"
    {name, address, id}, "employee" {name, ssn_last4, employee_id, address}, "location" {name, address, id},
    "period" {start, end}, "ytd_before" {line key: amount}, "paycheck_id"}; or the preview request itself
    (a stub headed "Preview"). Fields of the paycheck are named as in the preview request (`paycheck.` in
    front when it is nested)."""
    if not isinstance(payload, Mapping):
        raise InvalidInput("must be an object", field="request")
    nested = "paycheck" in payload
    if not nested:
        return build_stub(preview_paycheck(payload, identity, tax=tax), employer=PREVIEW_EMPLOYER,
                          employee=PREVIEW_EMPLOYEE, location=PREVIEW_LOCATION, preview=True)
    _object(payload, "request", STUB_KEYS)
    try:
        paycheck = preview_paycheck(payload["paycheck"], identity, tax=tax)
    except InvalidInput as error:
        raise InvalidInput(error.message, field=f"paycheck.{error.field}" if error.field else "paycheck") from None
    who = _object(payload.get("employee"), "employee", ("name", "ssn_last4", "employee_id", "address"))
    employee = (StubEmployee(_text(who, "name", "employee", required=True), _text(who, "ssn_last4", "employee")
                             or None, _text(who, "employee_id", "employee"), _text(who, "address", "employee"))
                if who else PREVIEW_EMPLOYEE)
    period = _object(payload.get("period"), "period", ("start", "end"))
    ytd_raw = payload.get("ytd_before")
    ytd = _object(ytd_raw, "ytd_before", tuple(ytd_raw) if isinstance(ytd_raw, Mapping) else ())
    paycheck_id = _text(payload, "paycheck_id", "request") if payload.get("paycheck_id") is not None else ""
    return build_stub(paycheck, employer=_party(payload.get("employer"), "employer", PREVIEW_EMPLOYER),
                      employee=employee, location=_party(payload.get("location"), "location", PREVIEW_LOCATION),
                      period_start=_day(period, "start", "period"), period_end=_day(period, "end", "period"),
                      ytd_before=ytd, paycheck_id=paycheck_id, preview=True)
