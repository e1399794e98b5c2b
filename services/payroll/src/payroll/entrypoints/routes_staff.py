"""REST: staff members, employer pay settings, the time clock and timesheets (issue 11). Bodies are
checked by the use cases (errors name the field as the JSON spells it)."""
from __future__ import annotations

from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI, Query

from payroll.bootstrap import PayrollContainer
from payroll.service_layer import staff, timeclock

PREFIX = "/api/payroll/v1"


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    uow, c = container.uow, container

    @app.get(f"{PREFIX}/employer-settings", tags=["staff"])
    def get_employer_settings(identity: Identity = Depends(current_identity)) -> dict:
        """Workweek start day, pay frequency, biweekly anchor, break premiums: staff:read or payroll:read."""
        return staff.get_employer_settings(uow, identity)

    @app.put(f"{PREFIX}/employer-settings", tags=["staff"])
    def put_employer_settings(body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """payroll:update."""
        return staff.update_employer_settings(uow, identity, body)

    @app.post(f"{PREFIX}/staff", status_code=201, tags=["staff"])
    def create_staff(body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """A staff member with jobs and pay: staff:create and payroll:create."""
        return staff.create_staff(uow, identity, body, directory=c.directory, sealer=c.sealer, pins=c.pins,
                                  new_id=c.new_id, clock=c.clock)

    @app.get(f"{PREFIX}/staff", tags=["staff"])
    def list_staff(identity: Identity = Depends(current_identity)) -> dict:
        """staff:read."""
        return staff.list_staff(uow, identity)

    @app.get(f"{PREFIX}/staff/{{staff_id}}", tags=["staff"])
    def get_staff(staff_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """staff:read, or staff:read:own."""
        return staff.get_staff(uow, identity, staff_id)

    @app.patch(f"{PREFIX}/staff/{{staff_id}}", tags=["staff"])
    def update_staff(staff_id: str, body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """staff:update; payroll:update for jobs, pay frequency, tax forms, SSN, bank account."""
        return staff.update_staff(uow, identity, staff_id, body, directory=c.directory, sealer=c.sealer, pins=c.pins,
                                  clock=c.clock)

    @app.delete(f"{PREFIX}/staff/{{staff_id}}", tags=["staff"])
    def delete_staff(staff_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """staff:delete."""
        return staff.delete_staff(uow, identity, staff_id, clock=c.clock)

    @app.post(f"{PREFIX}/clock/in", status_code=201, tags=["time clock"])
    def clock_in(body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """`{location_id, staff_id?, pin?, job_code?}`; already clocked in: 409."""
        return timeclock.clock_in(uow, identity, body, directory=c.directory, pins=c.pins, clock=c.clock,
                                  new_id=c.new_id, throttle=c.pin_throttle)

    @app.post(f"{PREFIX}/clock/out", tags=["time clock"])
    def clock_out(body: Any = Body(default={}), identity: Identity = Depends(current_identity)) -> dict:
        """`{staff_id?, pin?}`."""
        return timeclock.clock_out(uow, identity, body, pins=c.pins, clock=c.clock, throttle=c.pin_throttle)

    @app.post(f"{PREFIX}/clock/breaks/start", tags=["time clock"])
    def start_break(body: Any = Body(default={}), identity: Identity = Depends(current_identity)) -> dict:
        """`{staff_id?, pin?, paid?}`."""
        return timeclock.start_break(uow, identity, body, pins=c.pins, clock=c.clock, new_id=c.new_id,
                                     throttle=c.pin_throttle)

    @app.post(f"{PREFIX}/clock/breaks/end", tags=["time clock"])
    def end_break(body: Any = Body(default={}), identity: Identity = Depends(current_identity)) -> dict:
        """`{staff_id?, pin?}`."""
        return timeclock.end_break(uow, identity, body, pins=c.pins, clock=c.clock, throttle=c.pin_throttle)

    @app.patch(f"{PREFIX}/shifts/{{shift_id}}", tags=["time clock"])
    def edit_shift(shift_id: str, body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """A manager's fix of punches with a reason (kept with before/after): staff:update."""
        return timeclock.edit_shift(uow, identity, shift_id, body, clock=c.clock, new_id=c.new_id)

    @app.get(f"{PREFIX}/staff/{{staff_id}}/timesheet", tags=["timesheets"])
    def get_timesheet(staff_id: str, date: str | None = Query(None, description="a day of the period (YYYY-MM-DD)"),
                      identity: Identity = Depends(current_identity)) -> dict:
        """Hours per local day and job, workweeks for the pay engine, flags: staff:read or staff:read:own."""
        return timeclock.get_timesheet(uow, identity, staff_id, date, clock=c.clock)

    @app.post(f"{PREFIX}/staff/{{staff_id}}/timesheet:approve", tags=["timesheets"])
    def approve_timesheet(staff_id: str, body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """`{period_start}`: staff:update; locks the period."""
        return timeclock.approve_timesheet(uow, identity, staff_id, body, clock=c.clock, new_id=c.new_id)

    @app.post(f"{PREFIX}/staff/{{staff_id}}/timesheet:reopen", tags=["timesheets"])
    def reopen_timesheet(staff_id: str, body: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """`{period_start, reason}`: staff:update."""
        return timeclock.reopen_timesheet(uow, identity, staff_id, body, clock=c.clock, new_id=c.new_id)
