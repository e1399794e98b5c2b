"""Withholding use cases: one employee-period (REST, gRPC) or a whole pay run (gRPC batch).

A request may leave out two things the service then supplies from its own data:
  * `ytd`, when it names `employee_id`: the tax ledger's sums for that employee, tax year (the pay
    date's year) and work state, over paychecks paid on or before the pay date;
  * `employer`: the tenant's employer tax settings (SUTA for the work state, whole-dollar rounding).
Requests arrive as JSON dicts (REST) or protobuf messages (gRPC); `Requests` hides which, so both
go through exactly this code. Every bad input becomes InvalidInput naming the field (422 /
INVALID_ARGUMENT), prefixed "requests[i]." in a batch; never an unhandled error.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chassis.errors import InvalidInput
from chassis.validation import parse_uuid

from tax.domain.ledger import year_to_date
from tax.domain.payroll import (
    EmployerOptions,
    RuleBook,
    RuleDataError,
    ValidationError,
    WithholdingRequest,
    WithholdingResult,
    YearToDate,
    calculate_withholding,
    calculate_withholding_batch,
)
from tax.domain.payroll.request_list import BuildError, Missing, Requests
from tax.domain.request_json import with_context
from tax.service_layer.employer_settings import employer_options, settings_of
from tax.service_layer.ports import PayrollRuleSource, TaxUnitOfWork, TaxUnitOfWorkFactory

YTD_HINT = " (or give employee_id: the tax ledger then supplies it)"


class JsonRequests:
    """REST JSON bodies: the engine's request shape plus an optional employee_id."""

    def __init__(self, bodies: Sequence[Any]) -> None:
        self.bodies, self.employee_ids = [], []
        for body in bodies:
            body = dict(body) if isinstance(body, dict) else body
            employee_id = body.pop("employee_id", None) if isinstance(body, dict) else None
            self.bodies.append(body)
            self.employee_ids.append(employee_id if isinstance(employee_id, str) else str(employee_id or ""))

    def __len__(self) -> int:
        return len(self.bodies)

    def missing(self) -> dict[int, Missing]:
        out = {}
        for i, (body, employee_id) in enumerate(zip(self.bodies, self.employee_ids)):
            if not isinstance(body, dict):
                continue  # build() reports it
            needs_ytd, needs_employer = body.get("ytd") is None, body.get("employer") is None
            if needs_ytd or needs_employer:
                out[i] = Missing(employee_id, needs_ytd, needs_employer, body.get("pay_date"), body.get("work_state"))
        return out

    def build(self, supplied) -> list[WithholdingRequest]:
        out = []
        for i, body in enumerate(self.bodies):
            try:
                out.append(WithholdingRequest.from_dict(with_context(body, *supplied.get(i, (None, None)))))
            except ValidationError as error:
                raise BuildError(i, error) from None
        return out


@dataclass(frozen=True)
class Calculated:
    results: list[WithholdingResult]
    ytd_from_ledger: list[bool]  # per request: YTD came from the ledger


def _parse_date(raw: Any) -> date | None:
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


def calculate(uow: TaxUnitOfWorkFactory, rules: PayrollRuleSource, tenant_id: uuid.UUID, requests: Requests,
              batch: bool = False) -> Calculated:
    prefix = (lambda i: f"requests[{i}].") if batch else (lambda i: "")
    book = rules.book()
    # Only requests missing ytd or employer are looked at here: a pay run that sends both (as payroll
    # does) goes straight to the engine, without opening a unit of work.
    missing = requests.missing()
    ytds: dict[int, YearToDate] = {}
    supplied: dict[int, tuple[YearToDate | None, EmployerOptions | None]] = {}
    if missing:
        with uow() as work:
            ytds = _ledger_ytd(work, tenant_id, missing, prefix)
            supplied = {i: (y, None) for i, y in ytds.items()}
            if any(m.needs_employer for m in missing.values()):
                settings = settings_of(work, tenant_id)
                for i, m in missing.items():
                    pay_date = _parse_date(m.pay_date)
                    if m.needs_employer and pay_date is not None and isinstance(m.work_state, str):
                        supplied[i] = (ytds.get(i), employer_options(settings, m.work_state, pay_date))
    try:
        engine_requests = requests.build(supplied)
    except BuildError as failed:
        error = failed.error
        needed_ytd = failed.index in missing and missing[failed.index].needs_ytd
        hint = YTD_HINT if error.field == "ytd" and needed_ytd else ""
        raise InvalidInput(error.message + hint, field=prefix(failed.index) + error.field) from None
    return Calculated(_run(engine_requests, book, prefix), [i in ytds for i in range(len(engine_requests))])


def _ledger_ytd(work: TaxUnitOfWork, tenant_id: uuid.UUID, missing: dict[int, Missing],
                prefix) -> dict[int, YearToDate]:
    """YTD from the ledger for every request that has employee_id and no ytd: one query per pay date."""
    ytds: dict[int, YearToDate] = {}
    wanted: dict[date, dict[int, uuid.UUID]] = {}
    for i, m in missing.items():
        if not m.needs_ytd or not m.employee_id:
            continue
        employee = parse_uuid(m.employee_id, prefix(i) + "employee_id")
        pay_date = _parse_date(m.pay_date)
        if pay_date is not None:  # else build() reports the bad pay_date
            wanted.setdefault(pay_date, {})[i] = employee
    for pay_date, by_index in wanted.items():
        sums = work.ledger.ytd_sums(tenant_id, pay_date.year, set(by_index.values()), pay_date)
        for i, employee in by_index.items():
            work_state = missing[i].work_state if isinstance(missing[i].work_state, str) else None
            ytds[i] = year_to_date(sums.get(employee, {}), work_state)
    return ytds


def _run(requests: list[WithholdingRequest], book: RuleBook, prefix) -> list[WithholdingResult]:
    try:
        return calculate_withholding_batch(requests, book)
    except (ValidationError, RuleDataError, ValueError):
        pass
    # Rare: a request valid on its own that the rules cannot serve (no rules in force on its pay date,
    # or a supplemental payment needing ytd.supplemental_wages). Find which one, one by one.
    results = []
    for i, request in enumerate(requests):
        try:
            results.append(calculate_withholding(request, book.for_date(request.pay_date)))
        except ValidationError as error:
            raise InvalidInput(error.message, field=prefix(i) + error.field) from None
        except (RuleDataError, ValueError) as error:
            raise InvalidInput(f"no complete payroll rules in force on {request.pay_date}: {error}",
                               field=prefix(i) + "pay_date") from None
    return results
