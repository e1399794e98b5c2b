"""REST: standing deductions on staff records (add, list, end)."""
from __future__ import annotations

from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI

from payroll.bootstrap import PayrollContainer
from payroll.service_layer import deductions

BASE = "/api/payroll/v1/staff/{staff_id}/deductions"


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    uow = container.uow

    @app.post(BASE, status_code=201, tags=["deductions"])
    def add_deduction(staff_id: str, body: Any = Body(..., description="{type, amount | percent, starts_on?, "
                                                                       "ends_on?, note?}"),
                      identity: Identity = Depends(current_identity)) -> dict:
        """A standing deduction taken from every paycheck paid in its dates (payroll:create): pre-tax 401k,
        403b, section_125, hsa; post-tax garnishment, loan; `amount` per paycheck or `percent`."""
        return deductions.add_deduction(uow, identity, staff_id, body, clock=container.clock, new_id=container.new_id)

    @app.get(BASE, tags=["deductions"])
    def list_deductions(staff_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """A staff member's deductions, ended ones too (payroll:read, or payroll:read:own)."""
        return deductions.list_deductions(uow, identity, staff_id, clock=container.clock)

    @app.post(BASE + "/{deduction_id}:end", tags=["deductions"])
    def end_deduction(staff_id: str, deduction_id: str, body: Any = Body(None, description="{ends_on?}"),
                      identity: Identity = Depends(current_identity)) -> dict:
        """The last pay date it is taken on (default today; payroll:update)."""
        return deductions.end_deduction(uow, identity, staff_id, deduction_id, body, clock=container.clock)
