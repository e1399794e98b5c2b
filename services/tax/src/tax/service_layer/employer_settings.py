"""A tenant's employer tax settings: SUTA rate and wage base per state (from a date on), the
whole-dollar federal rounding switch (default off), and what its forms print as the employer.

Withholding requests without an `employer` object use these; a request's own object wins.
"""
from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from chassis.errors import InvalidInput

from tax.adapters.orm import EmployerSutaRate, EmployerTaxSettings
from tax.domain.payroll import EmployerOptions, ValidationError
from tax.domain.payroll.validation import boolean, check_keys, money, obj, rate
from tax.service_layer.ports import TaxUnitOfWork, TaxUnitOfWorkFactory

_EIN = re.compile(r"\d{2}-\d{7}")
_STATE = re.compile(r"[A-Z]{2}")
KEYS = ("round_federal_to_whole_dollars", "legal_name", "ein", "address", "state_employer_ids", "suta")


def get_settings(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID) -> dict[str, Any]:
    with uow() as work:
        return settings_of(work, tenant_id)


def settings_of(work: TaxUnitOfWork, tenant_id: uuid.UUID) -> dict[str, Any]:
    """The tenant's settings, read in an open unit of work (withholding and the forms use them)."""
    row = work.employer_settings.get(tenant_id)
    suta = work.employer_settings.suta_rates(tenant_id)
    return {
        "round_federal_to_whole_dollars": bool(row and row.round_federal_to_whole_dollars),
        "legal_name": (row and row.legal_name) or "", "ein": (row and row.ein) or "",
        "address": (row and row.address) or "", "state_employer_ids": dict((row and row.state_employer_ids) or {}),
        "suta": [{"state": s.state, "effective_from": s.effective_from.isoformat(), "rate": s.rate,
                  "wage_base": s.wage_base} for s in suta],
    }


def put_settings(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, body: Any) -> dict[str, Any]:
    """Replace the tenant's settings with `body` (the shape get_settings returns)."""
    try:
        values, suta = _validate(body)
    except ValidationError as error:
        raise InvalidInput(error.message, field=error.field) from None
    with uow() as work:
        row = work.employer_settings.get(tenant_id)
        if row is None:
            row = EmployerTaxSettings(tenant_id=tenant_id)
            work.employer_settings.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        work.employer_settings.replace_suta_rates(tenant_id, [EmployerSutaRate(tenant_id=tenant_id, **s)
                                                              for s in suta])
        work.flush()
        saved = settings_of(work, tenant_id)
        work.commit()
    return saved


def _validate(body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    body = obj(body, "")
    check_keys(body, KEYS, "")
    values: dict[str, Any] = {"round_federal_to_whole_dollars": boolean(body, "round_federal_to_whole_dollars", "")}
    for key in ("legal_name", "address"):
        text = body.get(key) or ""
        if not isinstance(text, str) or len(text) > 300:
            raise ValidationError(key, "must be a string of at most 300 characters")
        values[key] = text.strip() or None
    ein = body.get("ein") or ""
    if ein and not (isinstance(ein, str) and _EIN.fullmatch(ein)):
        raise ValidationError("ein", "must look like 12-3456789")
    values["ein"] = ein or None
    ids = obj(body.get("state_employer_ids") or {}, "state_employer_ids")
    for state, number in ids.items():
        if not _STATE.fullmatch(str(state)) or not isinstance(number, str) or len(number) > 40:
            raise ValidationError(f"state_employer_ids.{state}", "two-letter state -> id string (at most 40 characters)")
    values["state_employer_ids"] = dict(ids)
    suta_rows = body.get("suta") or []
    if not isinstance(suta_rows, list):
        raise ValidationError("suta", "must be a list")
    suta, seen = [], set()
    for i, item in enumerate(suta_rows):
        path = f"suta[{i}]"
        item = obj(item, path)
        check_keys(item, ("state", "effective_from", "rate", "wage_base"), path)
        state = item.get("state")
        if not isinstance(state, str) or not _STATE.fullmatch(state):
            raise ValidationError(f"{path}.state", "must be a two-letter state code")
        try:
            start = date.fromisoformat(item.get("effective_from") or "")
        except (TypeError, ValueError):
            raise ValidationError(f"{path}.effective_from", "must be an ISO date (YYYY-MM-DD)") from None
        suta_rate = rate(item, "rate", path)
        if suta_rate is None:
            raise ValidationError(f"{path}.rate", "is required")
        base = money(item, "wage_base", path)
        if (state, start) in seen:
            raise ValidationError(f"{path}.effective_from", f"{state} already has a rate from {start}")
        seen.add((state, start))
        suta.append({"state": state, "effective_from": start, "rate": str(suta_rate), "wage_base": str(base)})
    return values, suta


def employer_options(settings: dict[str, Any], work_state: str, pay_date: date) -> EmployerOptions:
    """The options a request in `work_state` paid on `pay_date` gets from the tenant's settings."""
    rate_row = None
    for row in settings["suta"]:  # sorted by state, then date: the last one started is in force
        if row["state"] == work_state and row["effective_from"] <= pay_date.isoformat():
            rate_row = row
    return EmployerOptions(
        suta_rate=None if rate_row is None else rate({"r": rate_row["rate"]}, "r", ""),
        suta_wage_base=None if rate_row is None else money({"b": rate_row["wage_base"]}, "b", ""),
        round_federal_to_whole_dollars=settings["round_federal_to_whole_dollars"])
