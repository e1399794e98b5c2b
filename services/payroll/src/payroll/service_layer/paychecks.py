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

from payroll.domain.pay import PayRequest, compute_pay
from payroll.domain.pay.money import ZERO
from payroll.domain.pay.paycheck import Paycheck
from payroll.domain.pay.result import PayResult
from payroll.domain.pay.taxes import TaxFacts, preview_field
from payroll.domain.pay.withholding_order import withhold_in_order
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
            pay = compute_pay(request)
            facts.check_deductions(pay.cash_wages)
        except InvalidInput as error:
            out[i] = error
            continue
        asked = [facts.withholding_request(pay.cash_wages, pay.reported_tips)]
        if pay.reported_tips:
            asked.append(facts.withholding_request(pay.cash_wages, ZERO))
        pending.append(_Pending(i, facts, pay, asked))
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
            out[p.index] = Paycheck(p.pay, p.facts, total, order)
        break
    return out  # type: ignore[return-value]
