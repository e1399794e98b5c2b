"""Withholding use cases: one employee-period (REST, gRPC) or a whole pay run (gRPC batch).

A request may leave out two things the service then supplies from its own data:
  * `ytd`, when it names `employee_id`: the tax ledger's sums for that employee, tax year (the pay
    date's year) and work state, over paychecks paid on or before the pay date;
  * `employer`: the tenant's employer tax settings (SUTA for the work state, whole-dollar rounding).
Requests arrive as JSON dicts (REST) or protobuf messages (gRPC); a `Source` hides which, so both
go through exactly this code. Every bad input becomes InvalidInput naming the field (422 /
INVALID_ARGUMENT), prefixed "requests[i]." in a batch; never an unhandled error.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from chassis.errors import InvalidInput
from sqlalchemy.orm import Session

from tax.adapters import ledger_repo
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
from tax.domain.request_json import with_context
from tax.service_layer.employer_settings import employer_options, get_settings

YTD_HINT = " (or give employee_id: the tax ledger then supplies it)"


class Source(Protocol):
    """One withholding request, whatever its wire format."""

    employee_id: str  # "" when not given
    has_ytd: bool
    has_employer: bool

    def peek(self) -> tuple[Any, Any]:
        """The raw pay_date and work_state (possibly invalid: build() reports that)."""

    def build(self, ytd: YearToDate | None, employer: EmployerOptions | None) -> WithholdingRequest:
        """The validated engine request; `ytd`/`employer` replace absent ones. Raises ValidationError."""


class DictSource:
    """A REST JSON body: the engine's request shape plus an optional employee_id."""

    def __init__(self, body: Any) -> None:
        self.body = dict(body) if isinstance(body, dict) else body
        self.employee_id = ""
        if isinstance(self.body, dict):
            employee_id = self.body.pop("employee_id", None)
            self.employee_id = employee_id if isinstance(employee_id, str) else str(employee_id or "")
        self.has_ytd = isinstance(self.body, dict) and self.body.get("ytd") is not None
        self.has_employer = isinstance(self.body, dict) and self.body.get("employer") is not None

    def peek(self) -> tuple[Any, Any]:
        return (self.body.get("pay_date"), self.body.get("work_state")) if isinstance(self.body, dict) else (None, None)

    def build(self, ytd: YearToDate | None, employer: EmployerOptions | None) -> WithholdingRequest:
        return WithholdingRequest.from_dict(with_context(self.body, ytd, employer))


@dataclass(frozen=True)
class Calculated:
    results: list[WithholdingResult]
    ytd_from_ledger: list[bool]  # per request: YTD came from the ledger


def _parse_date(raw: Any) -> date | None:
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


def calculate(session: Session, book: RuleBook, tenant_id: uuid.UUID, sources: Sequence[Source],
              batch: bool = False) -> Calculated:
    prefix = (lambda i: f"requests[{i}].") if batch else (lambda i: "")
    ytds: list[YearToDate | None] = [None] * len(sources)
    employer: list[EmployerOptions | None] = [None] * len(sources)
    # Only requests missing ytd or employer need their pay date and state looked at here (a pay run
    # that sends both, as payroll does, skips this entirely).
    needs = {i: (_parse_date(pay_date), work_state) for i, source in enumerate(sources)
             if not (source.has_ytd and source.has_employer) for pay_date, work_state in (source.peek(),)}
    if needs:
        _ledger_ytd(session, tenant_id, sources, needs, ytds, prefix)
        if any(not sources[i].has_employer for i in needs):
            settings = get_settings(session, tenant_id)
            for i, (pay_date, work_state) in needs.items():
                if not sources[i].has_employer and pay_date is not None and isinstance(work_state, str):
                    employer[i] = employer_options(settings, work_state, pay_date)
    requests = []
    for i, source in enumerate(sources):
        try:
            requests.append(source.build(ytds[i], employer[i]))
        except ValidationError as error:
            hint = YTD_HINT if error.field == "ytd" and not source.has_ytd else ""
            raise InvalidInput(error.message + hint, field=prefix(i) + error.field) from None
    return Calculated(_run(requests, book, prefix), [y is not None for y in ytds])


def _ledger_ytd(session: Session, tenant_id: uuid.UUID, sources: Sequence[Source], needs: dict, ytds: list,
                prefix) -> None:
    """YTD from the ledger for every request that has employee_id and no ytd: one query per pay date."""
    wanted: dict[date, dict[int, uuid.UUID]] = {}
    for i, (pay_date, _) in needs.items():
        source = sources[i]
        if source.has_ytd or not source.employee_id:
            continue
        try:
            employee = uuid.UUID(source.employee_id)
        except ValueError:
            raise InvalidInput("must be a UUID", field=prefix(i) + "employee_id") from None
        if pay_date is not None:  # else build() reports the bad pay_date
            wanted.setdefault(pay_date, {})[i] = employee
    for pay_date, by_index in wanted.items():
        sums = ledger_repo.ytd_sums(session, tenant_id, pay_date.year, set(by_index.values()), pay_date)
        for i, employee in by_index.items():
            work_state = needs[i][1] if isinstance(needs[i][1], str) else None
            ytds[i] = year_to_date(sums.get(employee, {}), work_state)


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
