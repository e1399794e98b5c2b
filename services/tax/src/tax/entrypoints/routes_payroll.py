"""REST: payroll withholding, the employee's YTD figures, W-2 and 1099-NEC (JSON and PDF)."""
from __future__ import annotations

from datetime import date
from typing import Any

from chassis.http import require, require_any
from chassis.identity import Identity
from chassis.validation import parse_uuid
from fastapi import Body, Depends, FastAPI, Query, Response

from tax.adapters.pdf_forms import render_1099_nec, render_w2
from tax.bootstrap import TaxContainer
from tax.entrypoints.access import CALCULATE, READ_EMPLOYEE, may_read_employee
from tax.service_layer import ledger, withholding


def add_routes(app: FastAPI, container: TaxContainer) -> None:
    uow = container.uow
    reader = require_any(*READ_EMPLOYEE)

    @app.post("/api/tax/v1/payroll/withholding:calculate", tags=["payroll tax"])
    def calculate_withholding(response: Response, request: Any = Body(...),
                              identity: Identity = Depends(require_any(*CALCULATE))) -> dict:
        """One employee-period: the engine's request JSON; `employee_id` may replace `ytd`."""
        calculated = withholding.calculate(uow, container.payroll_rules, identity.tenant_uuid,
                                           withholding.JsonRequests([request]))
        response.headers["X-Tax-YTD-Source"] = "ledger" if calculated.ytd_from_ledger[0] else "request"
        return calculated.results[0].to_dict()

    @app.get("/api/tax/v1/employees/{employee_id}/ytd", tags=["tax ledger"])
    def employee_ytd(employee_id: str, tax_year: int = Query(..., description="e.g. 2026"),
                     through: date | None = Query(None, description="only paychecks paid on or before"),
                     work_state: str | None = Query(None, description="unemployment bases of this state"),
                     identity: Identity = Depends(reader)) -> dict:
        may_read_employee(identity, employee_id)
        employee = parse_uuid(employee_id, "employee_id")
        return ledger.ytd_report(uow, identity.tenant_uuid, employee, ledger.check_tax_year(tax_year),
                                 through, work_state)

    def form(builder, employee_id: str, tax_year: int, identity: Identity) -> dict:
        may_read_employee(identity, employee_id)
        employee = parse_uuid(employee_id, "employee_id")
        return builder(uow, identity.tenant_uuid, employee, ledger.check_tax_year(tax_year))

    def pdf(content: bytes, name: str) -> Response:
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})

    @app.get("/api/tax/v1/employees/{employee_id}/w2", tags=["tax forms"])
    def w2_json(employee_id: str, tax_year: int = Query(...), identity: Identity = Depends(reader)) -> dict:
        return form(ledger.w2, employee_id, tax_year, identity)

    @app.get("/api/tax/v1/employees/{employee_id}/w2.pdf", tags=["tax forms"], response_class=Response)
    def w2_pdf(employee_id: str, tax_year: int = Query(...), identity: Identity = Depends(reader)) -> Response:
        return pdf(render_w2(form(ledger.w2, employee_id, tax_year, identity)), f"w2-{tax_year}-{employee_id}")

    @app.get("/api/tax/v1/employees/{employee_id}/1099-nec", tags=["tax forms"])
    def nec_json(employee_id: str, tax_year: int = Query(...), identity: Identity = Depends(reader)) -> dict:
        return form(ledger.form_1099_nec, employee_id, tax_year, identity)

    @app.get("/api/tax/v1/employees/{employee_id}/1099-nec.pdf", tags=["tax forms"], response_class=Response)
    def nec_pdf(employee_id: str, tax_year: int = Query(...), identity: Identity = Depends(reader)) -> Response:
        return pdf(render_1099_nec(form(ledger.form_1099_nec, employee_id, tax_year, identity)),
                   f"1099-nec-{tax_year}-{employee_id}")

    @app.post("/api/tax/v1/paychecks", tags=["tax ledger"], status_code=201)
    def record_paycheck(response: Response, paycheck: Any = Body(...),
                        identity: Identity = Depends(require("payroll:create"))) -> dict:
        """The PaycheckFinalized JSON (for tools and tests; payroll publishes the event)."""
        if isinstance(paycheck, dict):
            paycheck = {"tenant_id": identity.tenant_id, **paycheck}
        record = ledger.parse_paycheck(paycheck)
        ledger.same_tenant(record, identity)
        recorded = ledger.record_paycheck(uow, record, "api")
        if not recorded:
            response.status_code = 200
        return {"paycheck_id": record.paycheck_id, "recorded": recorded}
