"""Tax ledger use cases: record a finalized paycheck (once), report YTD, produce W-2 / 1099-NEC."""
from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity

from tax.domain.ledger import (
    EMPLOYEE_TAXES,
    EMPLOYER_TAXES,
    TAXABLE_WAGES,
    PaycheckRecord,
    build_1099_nec,
    build_w2,
    paycheck_from_dict,
    year_to_date,
    ytd_dict,
)
from tax.domain.payroll import ValidationError
from tax.domain.payroll.money import fmt_money
from tax.service_layer.employer_settings import settings_of
from tax.service_layer.ports import TaxUnitOfWork, TaxUnitOfWorkFactory

log = logging.getLogger(__name__)


def parse_paycheck(paycheck: dict[str, Any]) -> PaycheckRecord:
    try:
        return paycheck_from_dict(paycheck)
    except ValidationError as error:
        raise InvalidInput(error.message, field=error.field) from None


def record_paycheck(uow: TaxUnitOfWorkFactory, record: PaycheckRecord, source: str) -> bool:
    """True when recorded now; False when this exact paycheck was recorded before (a retry).

    The same paycheck_id with different content is refused (Conflict): a finalized paycheck is never
    edited, a correction is a new paycheck."""
    with uow() as work:
        recorded = record_paycheck_in(work, record, source)
        work.commit()
    return recorded


def record_paycheck_in(work: TaxUnitOfWork, record: PaycheckRecord, source: str, event_id: str | None = None) -> bool:
    """record_paycheck in a unit of work the caller commits (the event consumer's, which also records
    the event id in the same transaction)."""
    stored_hash = work.ledger.insert_paycheck(record, source, event_id)
    if stored_hash is None:
        return True
    if stored_hash != record.content_hash():
        raise Conflict(f"paycheck {record.paycheck_id} was already recorded with different amounts",
                       field="paycheck_id")
    return False


def check_tax_year(tax_year: int) -> int:
    if not 2000 <= tax_year <= 2100:
        raise InvalidInput("must be a year such as 2026", field="tax_year")
    return tax_year


def ytd_report(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int,
               through: date | None = None, work_state: str | None = None) -> dict[str, Any]:
    """YTD figures: `ytd` is exactly what a withholding request's "ytd" takes (for `work_state`'s
    unemployment bases when given), plus the year's totals per tax and per state."""
    if through is not None and through.year != tax_year:
        raise InvalidInput(f"must be a date in {tax_year}", field="through")
    with uow() as work:
        if not work.ledger.knows_worker(tenant_id, employee_id):
            # Unknown here (never paid, or another tenant's id): nothing to report, and no hint which.
            raise NotFound("no paychecks recorded for this employee", field="employee_id")
        by_state = work.ledger.ytd_sums(tenant_id, tax_year, [employee_id], through).get(employee_id, {})
        sums = work.ledger.totals(tenant_id, employee_id, tax_year, through)
    return {
        "employee_id": str(employee_id), "tax_year": tax_year,
        "through": through.isoformat() if through else None, "work_state": work_state,
        "paychecks": sum(s["paychecks"] for s in by_state.values()),
        "ytd": ytd_dict(year_to_date(by_state, work_state)),
        "totals": {
            "wages": fmt_money(sums["wages"]), "tips": fmt_money(sums["tips"]),
            "pretax_deductions": {k.removeprefix("pretax_"): fmt_money(v) for k, v in sums.items()
                                  if k.startswith("pretax_")},
            "employee": {k: fmt_money(sums[f"ee_{k}"]) for k in EMPLOYEE_TAXES},
            "employer": {k: fmt_money(sums[f"er_{k}"]) for k in EMPLOYER_TAXES},
            "taxable_wages": {k: fmt_money(sums[f"tw_{k}"]) for k in TAXABLE_WAGES},
            "uncollected": {k: fmt_money(sums[f"uc_{k}"]) for k in ("social_security", "medicare")},
        },
        "by_state": [{"state": state, "paychecks": s["paychecks"], "state_wages": fmt_money(s["state_wages"]),
                      "suta_wages": fmt_money(s["suta_wages"])} for state, s in sorted(by_state.items())],
    }


def _records_and_settings(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, employee_id: uuid.UUID,
                          tax_year: int) -> tuple[list[PaycheckRecord], dict[str, Any]]:
    with uow() as work:
        return work.ledger.records_for(tenant_id, employee_id, tax_year), settings_of(work, tenant_id)


def w2(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int) -> dict[str, Any]:
    records, settings = _records_and_settings(uow, tenant_id, employee_id, tax_year)
    form = build_w2(records, tax_year, settings)
    if form is None:
        raise NotFound(f"no wages recorded for this employee in {tax_year}", field="employee_id")
    return form


def form_1099_nec(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, employee_id: uuid.UUID,
                  tax_year: int) -> dict[str, Any]:
    records, settings = _records_and_settings(uow, tenant_id, employee_id, tax_year)
    form = build_1099_nec(records, tax_year, settings)
    if form is None:
        raise NotFound(f"no nonemployee compensation recorded for this worker in {tax_year}", field="employee_id")
    return form


def same_tenant(record: PaycheckRecord, identity: Identity) -> None:
    """A caller records paychecks of its own tenant only."""
    if record.tenant_id != identity.tenant_uuid:
        raise PermissionDenied("paycheck belongs to another tenant")
