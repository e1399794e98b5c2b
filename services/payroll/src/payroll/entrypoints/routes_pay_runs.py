"""REST: pay runs (create = preview, read, items, approve, finalize) and their progress as Server-Sent Events."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI, Request
from fastapi.responses import StreamingResponse

from payroll.bootstrap import PayrollContainer
from payroll.domain import pay_runs as rules
from payroll.entrypoints.routes_paychecks import PDF, pdf_response, wants_pdf
from payroll.service_layer import pay_runs

BASE = "/api/payroll/v1/pay-runs"
RUNNING = (rules.PREVIEWING, rules.FINALIZING)
SSE_POLL_SECONDS = 0.1  # a run read by primary key + a Redis GET: cheap; the end of a phase shows within 0.1 s
SSE_KEEPALIVE_SECONDS = 15.0
SSE_MAX_SECONDS = 3600.0


def progress_events(container: PayrollContainer, identity: Identity, run_id: str,
                    poll: float = SSE_POLL_SECONDS) -> Iterator[str]:
    """`event: progress` whenever it changes, until the run's phase is over (then one last event)."""
    last, quiet_since, began = None, time.monotonic(), time.monotonic()
    while True:
        current = pay_runs.progress_of(container.uow, identity, run_id, progress=container.progress)
        if current != last:
            yield f"event: progress\ndata: {json.dumps(current)}\n\n"
            last, quiet_since = current, time.monotonic()
        if current["status"] not in RUNNING or time.monotonic() - began > SSE_MAX_SECONDS:
            return
        if time.monotonic() - quiet_since > SSE_KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        time.sleep(poll)


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    uow = container.uow

    @app.post(BASE, status_code=202, tags=["pay-runs"])
    def create_pay_run(body: Any = Body(..., description="{period_start, pay_date, location_ids[], pay_frequency?}"),
                       identity: Identity = Depends(current_identity)) -> dict:
        """Queue the preview of a pay period for a location group (payroll:create); follow /progress."""
        return pay_runs.create_pay_run(uow, identity, body, directory=container.directory,
                                       progress=container.progress, clock=container.clock, new_id=container.new_id)

    @app.get(BASE, tags=["pay-runs"])
    def list_pay_runs(identity: Identity = Depends(current_identity)) -> dict:
        """The tenant's latest runs (payroll:read)."""
        return pay_runs.list_pay_runs(uow, identity)

    @app.get(BASE + "/{run_id}", tags=["pay-runs"])
    def get_pay_run(run_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """A run: status, period, totals, items per status (payroll:read)."""
        return pay_runs.get_pay_run(uow, identity, run_id)

    @app.get(BASE + "/{run_id}/items", tags=["pay-runs"])
    def list_items(run_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Every employee's paycheck request and previewed (or finalized) paycheck, or error (payroll:read)."""
        return pay_runs.list_items(uow, identity, run_id)

    @app.get(BASE + "/{run_id}/items/{staff_id}/stub", tags=["pay-runs"],
             responses={200: {"content": {PDF: {}}, "description": "the stub (JSON), or as PDF with "
                                                                     "Accept: application/pdf"}})
    def item_stub(run_id: str, staff_id: str, request: Request, identity: Identity = Depends(current_identity)):
        """An employee's pay stub in the run, JSON or PDF (payroll:read); PREVIEW until finalized."""
        stub = pay_runs.item_stub(uow, identity, run_id, staff_id, directory=container.directory)
        return pdf_response(container, stub) if wants_pdf(request) else stub.to_dict()

    @app.post(BASE + "/{run_id}:approve", tags=["pay-runs"])
    def approve_pay_run(run_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Approve a previewed run with no employee in error (payroll:update)."""
        return pay_runs.approve_pay_run(uow, identity, run_id, clock=container.clock)

    @app.post(BASE + "/{run_id}:finalize", status_code=202, tags=["pay-runs"])
    def finalize_pay_run(run_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Queue the finalization of an approved run (payroll:create); asking again never pays twice."""
        return pay_runs.finalize_pay_run(uow, identity, run_id, progress=container.progress,
                                         clock=container.clock, new_id=container.new_id)

    @app.get(BASE + "/{run_id}/progress", tags=["pay-runs"])
    def progress(run_id: str, identity: Identity = Depends(current_identity)):
        """Server-Sent Events: `progress` {run_id, status, phase, done, total, updated_at} until the phase ends."""
        pay_runs.progress_of(uow, identity, run_id, progress=container.progress)  # 403 / 404 before streaming
        return StreamingResponse(progress_events(container, identity, run_id), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
