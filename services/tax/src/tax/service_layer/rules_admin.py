"""Admin use cases on the rule tables: list rows, add an effective-dated row (payroll rules, sales rates).

Adding a row is the only change there is. It never edits a row in use: when the new row starts while
an open-ended row of the same rule is in force, that row is retired and replaced by a copy ending
the day before (so the tables as of any earlier revision can still be rebuilt). Each change is one
new revision, published after the commit, which moves every replica's cache to it.

Before anything is written the new tables are checked the way the engines will read them: row
shape and overlaps, and for payroll a set of reference calculations on the new row's dates must
still work where they worked before (a row the engine cannot read is refused with 422, not found out
by the next paycheck as a 500).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chassis.errors import Conflict, InvalidInput

from tax.adapters.orm import RATE_FIELDS, PayrollTaxRule, SalesTaxRate
from tax.domain.payroll import RuleBook, RuleDataError, WithholdingRequest, calculate_withholding
from tax.domain.payroll.ruleset import parse_brackets, parse_value
from tax.domain.payroll.states import STATES
from tax.domain.sales import SalesTaxError, build_jurisdiction_rates
from tax.service_layer.ports import RevisionPublisher, TaxUnitOfWorkFactory

PAYROLL_KEYS = ("jurisdiction", "tax", "key", "effective_from", "effective_to", "value", "brackets", "source")
SALES_KEYS = RATE_FIELDS


def _date(body: dict[str, Any], key: str, required: bool = True) -> date | None:
    raw = body.get(key)
    if raw is None and not required:
        return None
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidInput("must be an ISO date (YYYY-MM-DD)" + ("" if required else " or null"), field=key) from None


def _text(body: dict[str, Any], key: str, max_len: int = 2000) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise InvalidInput(f"is required: a non-empty string of at most {max_len} characters", field=key)
    return value.strip()


def _check_keys(body: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("must be an object", field="request")
    for key in body:
        if key not in allowed:
            raise InvalidInput("unknown field", field=str(key))
    return body


# ---------------------------------------------------------------- payroll rules


def list_payroll_rules(uow: TaxUnitOfWorkFactory, as_of: date | None = None, jurisdiction: str | None = None,
                       tax: str | None = None, key: str | None = None, revision: int | None = None) -> dict[str, Any]:
    with uow() as work:  # read-only: rows are turned into dicts before the unit of work ends
        current = work.revisions.current("payroll")
        revision = current if revision is None else revision
        rows = work.payroll_rules.at_revision(revision, jurisdiction, tax, key)
        if as_of is not None:
            rows = [r for r in rows if _in_force(r, as_of)]
        listed = [{"id": r.id, **r.as_row(), "revision_added": r.revision_added} for r in rows]
        every = work.payroll_rules.rows_at(revision) if as_of is not None else []
    out: dict[str, Any] = {"revision": revision, "current_revision": current}
    if as_of is not None:
        out |= {"as_of": as_of.isoformat(), "rules_version": RuleBook(every).for_date(as_of).version}
    out["rows"] = listed
    return out


def _in_force(row: PayrollTaxRule | SalesTaxRate, on: date) -> bool:
    return row.effective_from <= on and (row.effective_to is None or on <= row.effective_to)


def add_payroll_rule(uow: TaxUnitOfWorkFactory, body: Any, actor: str, publish: RevisionPublisher) -> dict[str, Any]:
    body = _check_keys(body, PAYROLL_KEYS)
    new = {"jurisdiction": _text(body, "jurisdiction", 40), "tax": _text(body, "tax", 80),
           "key": _text(body, "key", 120)}
    start, end = _date(body, "effective_from"), _date(body, "effective_to", required=False)
    if end is not None and end < start:
        raise InvalidInput("is before effective_from", field="effective_to")
    new |= {"effective_from": start.isoformat(), "effective_to": end.isoformat() if end else None}
    if ("value" in body) == ("brackets" in body):
        raise InvalidInput("exactly one of value or brackets is required", field="value")
    kind = "brackets" if "brackets" in body else "value"
    try:
        parse_brackets(body["brackets"]) if kind == "brackets" else parse_value(body["value"])
    except RuleDataError as error:
        raise InvalidInput(str(error), field=kind) from None
    new[kind] = body[kind]
    new["source"] = _text(body, "source")

    with uow() as work:
        work.revisions.lock("payroll")
        current = work.payroll_rules.current()
        same = [r for r in current if r.rule == (new["jurisdiction"], new["tax"], new["key"])]
        to_close = [r for r in same if r.effective_to is None and r.effective_from < start]
        for r in same:
            if r not in to_close and r.effective_from <= (end or date.max) and (r.effective_to or date.max) >= start:
                raise Conflict(f"overlaps the row from {r.effective_from} (id {r.id}); only an open-ended row that "
                               "starts earlier is closed automatically", field="effective_from")
        closed_copies = [{**r.as_row(), "effective_to": (start - timedelta(days=1)).isoformat()} for r in to_close]
        before_rows = [r.as_row() for r in current]
        after_rows = [r.as_row() for r in current if r not in to_close] + closed_copies + [new]
        _check_payroll_tables(before_rows, after_rows, [d for d in (start, end) if d is not None])

        revision = work.revisions.add(
            "payroll", actor, f"add {new['jurisdiction']}/{new['tax']}/{new['key']} from {new['effective_from']}")
        for r, copy in zip(to_close, closed_copies):
            r.revision_retired = revision
            work.payroll_rules.add(PayrollTaxRule.from_row(copy, revision))
        added = PayrollTaxRule.from_row(new, revision)
        work.payroll_rules.add(added)
        work.flush()
        result = _added(revision, added, to_close, closed_copies)
        work.commit()
    publish.publish(revision)
    return result


def _added(revision: int, added: PayrollTaxRule | SalesTaxRate, closed: list, closed_copies: list[dict]) -> dict:
    return {"revision": revision, "row": {"id": added.id, **added.as_row(), "revision_added": revision},
            "closed": [{"id": r.id, "effective_to": c["effective_to"]} for r, c in zip(closed, closed_copies)]}


def reference_requests(on: date) -> list[dict[str, Any]]:
    """Paychecks touching every tax module and state: what a rule change must not break."""
    base = {"pay_date": on.isoformat(), "pay_frequency": "biweekly", "payment_type": "regular", "wages": "2500.00",
            "tips": "300.00", "pretax_deductions": [{"type": "401k", "amount": "100.00"}],
            "ytd": {"wages": "180000.00", "supplemental_wages": "0.00"},
            "federal": {"form_version": "2020", "filing_status": "single"},
            "employer": {"suta_rate": "0.034", "suta_wage_base": "7000.00"}}
    forms = {"CA": {"filing_status": "married", "regular_allowances": 2}}
    out = [base | {"work_state": st, "state": forms.get(st)} for st in STATES]
    out.append(base | {"work_state": "PA", "locality": {"code": "PHILADELPHIA", "resident": True}})
    out.append(base | {"work_state": "CA", "state": forms["CA"], "payment_type": "supplemental",
                       "supplemental_kind": "bonus", "tips": "0.00"})
    out.append(base | {"work_state": "TX", "federal": {"form_version": "pre2020", "filing_status": "single",
                                                       "allowances": 1}})
    out.append(base | {"work_state": "TX", "federal": {"form_version": "2020", "filing_status": "married_filing_jointly",
                                                       "multiple_jobs": True}, "pay_frequency": "weekly"})
    return out


def _check_payroll_tables(before_rows: list[dict], after_rows: list[dict], dates: list[date]) -> None:
    try:
        after = RuleBook(after_rows)
    except RuleDataError as error:
        raise InvalidInput(str(error), field="effective_from") from None
    before = RuleBook(before_rows)
    for on in dates:
        for i, body in enumerate(reference_requests(on)):
            request = WithholdingRequest.from_dict(body)
            try:
                calculate_withholding(request, before.for_date(on))
            except (RuleDataError, ValueError, ArithmeticError, TypeError, KeyError, AttributeError):
                continue  # those tables were incomplete on that date already (e.g. next year being loaded)
            try:
                calculate_withholding(request, after.for_date(on))
            except (RuleDataError, ValueError, ArithmeticError, TypeError, KeyError, AttributeError) as error:
                raise InvalidInput(f"the engine cannot use the tables with this row on {on} (reference paycheck "
                                   f"{i}, {body['work_state']}): {error!r}", field="value") from None


# ---------------------------------------------------------------- sales-tax rates


def list_sales_rates(uow: TaxUnitOfWorkFactory, as_of: date | None = None,
                     jurisdiction_id: str | None = None) -> dict[str, Any]:
    with uow() as work:  # read-only: rows are turned into dicts before the unit of work ends
        rows = [r for r in work.sales_rates.current(jurisdiction_id) if as_of is None or _in_force(r, as_of)]
        return {"revision": work.revisions.current("sales"),
                "rows": [{"id": r.id, **r.as_row(), "revision_added": r.revision_added} for r in rows]}


def add_sales_rate(uow: TaxUnitOfWorkFactory, body: Any, actor: str, publish: RevisionPublisher) -> dict[str, Any]:
    body = _check_keys(body, SALES_KEYS)
    jurisdiction_id = _text(body, "jurisdiction_id", 100)
    start, end = _date(body, "effective_from"), _date(body, "effective_to", required=False)
    with uow() as work:
        work.revisions.lock("sales")
        current = work.sales_rates.current()
        same = [r for r in current if r.jurisdiction_id == jurisdiction_id]
        latest = same[-1] if same else None
        # A new period of a known jurisdiction keeps its name, level and rounding unless the body says otherwise.
        new = {field: body.get(field, getattr(latest, field, None) if field in ("name", "level", "rounding") else None)
               for field in RATE_FIELDS}
        new |= {"jurisdiction_id": jurisdiction_id, "effective_from": start.isoformat(),
                "effective_to": end.isoformat() if end else None, "source": _text(body, "source")}
        to_close = [r for r in same if r.effective_to is None and r.effective_from < start]
        closed_copies = [{**r.as_row(), "effective_to": (start - timedelta(days=1)).isoformat()} for r in to_close]
        candidate = [r.as_row() for r in current if r not in to_close] + closed_copies + [new]
        try:
            build_jurisdiction_rates(candidate, work.sales_rates.area_rows())
        except SalesTaxError as error:
            if "overlaps" in error.message:
                raise Conflict(error.message + "; only an open-ended period that starts earlier is closed "
                               "automatically", field="effective_from") from None
            own = f"jurisdiction_rates[{len(candidate) - 1}]."
            raise InvalidInput(error.message, field=error.field.removeprefix(own)) from None
        revision = work.revisions.add("sales", actor, f"add {jurisdiction_id} from {new['effective_from']}")
        for r, copy in zip(to_close, closed_copies):
            r.revision_retired = revision
            work.sales_rates.add(SalesTaxRate.from_row(copy, revision))
        added = SalesTaxRate.from_row(new, revision)
        work.sales_rates.add(added)
        work.flush()
        result = _added(revision, added, to_close, closed_copies)
        work.commit()
    publish.publish(revision)
    return result
