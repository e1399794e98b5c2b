"""REST: paycheck preview (issue 11), one paycheck computed from the facts given, nothing stored."""
from __future__ import annotations

from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI

from payroll.bootstrap import PayrollContainer
from payroll.service_layer import paychecks


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    @app.post("/api/payroll/v1/paychecks:preview", tags=["paychecks"])
    def preview_paycheck(body: Any = Body(..., description="the preview request (services/payroll/README.md)"),
                         identity: Identity = Depends(current_identity)) -> dict:
        """One paycheck with the pay-run engine, taxes from the tax service: payroll:read or payroll:create."""
        return paychecks.preview_paycheck(body, identity, tax=container.tax).to_dict()
