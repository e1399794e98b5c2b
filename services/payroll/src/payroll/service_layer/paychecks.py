"""Paycheck preview: one paycheck from the given facts, with the engine pay runs use; nothing is stored
(so no unit of work). The taxes come from the tax service in one batch call: the wages + tips, and, when
there are tips, the wages alone, which the withholding order needs to tell the taxes on wages from those
on tips (domain/pay/withholding_order.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chassis.errors import DependencyUnavailable, InvalidInput, PermissionDenied
from chassis.identity import Identity

from payroll.domain.pay import PayRequest, compute_pay
from payroll.domain.pay.deductions import PosttaxDeduction, take_posttax
from payroll.domain.pay.money import ZERO
from payroll.domain.pay.paycheck import Paycheck
from payroll.domain.pay.taxes import TaxFacts, preview_field
from payroll.domain.pay.withholding_order import withhold_in_order
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
