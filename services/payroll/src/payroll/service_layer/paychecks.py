"""Paychecks from facts: the preview endpoint (one paycheck, nothing stored) and pay runs (a chunk of
employees) run the same code, `compute_paychecks`. The taxes come from the tax service in ONE batch call
per chunk: for each paycheck the wages + tips, and, when there are tips, the wages alone, which the
withholding order needs to tell the taxes on wages from those on tips (domain/pay/withholding_order.py)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chassis.errors import DependencyUnavailable, InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.validation import reject_nul

from payroll.domain.pay import PayRequest, compute_pay
from payroll.domain.pay.deductions import PosttaxDeduction, resolve_posttax, take_posttax
from payroll.domain.pay.money import ZERO
from payroll.domain.pay.paycheck import Paycheck
from payroll.domain.pay.result import PayResult
from payroll.domain.pay.taxes import TaxFacts, preview_field
from payroll.domain.pay.validation import optional_iso_date
from payroll.domain.pay.withholding_order import withhold_in_order
from payroll.domain.stubs import PayStub, StubEmployee, StubParty, build_stub
from payroll.service_layer.ports import WithholdingCalculator

# Like the tax service's withholding calculation: nothing private is read; a pay run (payroll:create)
# and a manager checking a figure (payroll:read) both need it.
PREVIEW = ("payroll:read", "payroll:create")
_REQUEST_INDEX = re.compile(r"^requests\[(\d+)\]")


def preview_paycheck(payload: Mapping[str, Any], identity: Identity, *,
                     tax: WithholdingCalculator | None) -> Paycheck:
    """The paycheck for `payload` (the preview request JSON of issue 11). InvalidInput names the field as
    the request's JSON names it, including the fields the tax service refuses."""
    if not any(identity.has(p) for p in PREVIEW):
        raise PermissionDenied("missing permission payroll:read or payroll:create")
    outcome = compute_paychecks([payload], identity, tax=tax)[0]
    if isinstance(outcome, InvalidInput):
        raise outcome
    return outcome


@dataclass(slots=True)
class _Pending:
    index: int
    facts: TaxFacts
    pay: PayResult
    asked: list[dict[str, Any]]
    posttax: tuple[PosttaxDeduction, ...]


def compute_paychecks(payloads: Sequence[Mapping[str, Any]], identity: Identity, *,
                      tax: WithholdingCalculator | None) -> list[Paycheck | InvalidInput]:
    """One paycheck (or the InvalidInput naming the preview request's field) per payload, in order; the
    taxes of all of them in one CalculateWithholdingBatch call. A request the tax service refuses is
    answered with its error and the others are asked again (the batch is all-or-nothing over there)."""
    if tax is None:
        raise DependencyUnavailable("tax service not configured (TAX_GRPC_ADDR)")
    out: list[Paycheck | InvalidInput | None] = [None] * len(payloads)
    pending: list[_Pending] = []
    for i, payload in enumerate(payloads):
        try:
            request = PayRequest.from_dict(payload)
            facts = TaxFacts.from_dict(payload, request)
            posttax = PosttaxDeduction.list_from(payload)
            pay = compute_pay(request)
            facts = facts.resolved(pay.cash_wages)
            facts.check_deductions(pay.cash_wages)
        except InvalidInput as error:
            out[i] = error
            continue
        asked = [facts.withholding_request(pay.cash_wages, pay.reported_tips)]
        if pay.reported_tips:
            asked.append(facts.withholding_request(pay.cash_wages, ZERO))
        pending.append(_Pending(i, facts, pay, asked, posttax))
    while pending:
        flat = [r for p in pending for r in p.asked]
        owner = [p for p in pending for _ in p.asked]
        try:
            results = tax.calculate(identity, flat)
        except InvalidInput as error:
            match = _REQUEST_INDEX.match(error.field or "")
            refused = owner[int(match.group(1))] if match and int(match.group(1)) < len(owner) else None
            if refused is None:  # not one request's fault: every paycheck of the batch gets it
                for p in pending:
                    out[p.index] = InvalidInput(error.message, field=preview_field(error.field))
                break
            field = preview_field(error.field)
            out[refused.index] = InvalidInput(error.message, field=field)
            pending = [p for p in pending if p is not refused]
            continue
        at = 0
        for p in pending:
            total = results[at]
            on_wages = results[at + 1] if len(p.asked) == 2 else total
            at += len(p.asked)
            order = withhold_in_order(p.pay.cash_wages - p.facts.pretax_total, on_wages.employee, total.employee)
            net_before_posttax = p.pay.cash_wages - p.facts.pretax_total - order.total_withheld
            posttax = resolve_posttax(p.posttax, p.pay.cash_wages - order.total_withheld)
            out[p.index] = Paycheck(p.pay, p.facts, total, order, take_posttax(net_before_posttax, posttax))
        break
    return out  # type: ignore[return-value]


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
                      period_start=optional_iso_date(period, "start", "period"),
                      period_end=optional_iso_date(period, "end", "period"),
                      ytd_before=ytd, paycheck_id=paycheck_id, preview=True)
