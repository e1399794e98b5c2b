"""payroll REST API under /api/payroll/v1: parses requests, calls use cases, answers JSON."""
from __future__ import annotations

from datetime import datetime

from chassis import readiness
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from payroll.bootstrap import PayrollContainer, bootstrap
from payroll.config import SERVICE, settings
from payroll.domain.pin_attempts import TooManyPinAttempts
from payroll.domain.tips import MAX_TIP_CENTS
from payroll.entrypoints import routes_deductions, routes_pay_runs, routes_paychecks, routes_staff, routes_tip_pools
from payroll.service_layer import tips
from payroll.service_layer.views import tips_json


class TipEntryBody(BaseModel):
    staff_id: str
    location_id: str
    tip_cents: int = Field(gt=0, le=MAX_TIP_CENTS)
    earned_at: datetime = Field(description="when the tips were earned (ISO 8601 with offset)")
    note: str = Field("", max_length=500)


class TipAdjustBody(BaseModel):
    tip_cents: int = Field(gt=0, le=MAX_TIP_CENTS)
    note: str | None = Field(None, max_length=500)


def readiness_checks(container: PayrollContainer) -> dict[str, readiness.Check]:
    """What requests here use: PostgreSQL, auth (entering a tip asks it about ids), tax (a paycheck
    preview asks it for the taxes) and Redis (pay-run progress)."""
    checks = {}
    if container.engine is not None:
        checks["postgres"] = readiness.postgres(container.engine)
    if container.config.auth_grpc_addr:
        checks["auth"] = readiness.grpc_peer(container.config.auth_grpc_addr)
    if container.config.tax_grpc_addr:
        checks["tax"] = readiness.grpc_peer(container.config.tax_grpc_addr)
    if container.config.redis_url:
        checks["redis"] = readiness.redis(container.config.redis_url)
    return checks


def build_app(container: PayrollContainer):
    app = create_app(SERVICE, readiness_checks(container))
    uow = container.uow

    @app.exception_handler(TooManyPinAttempts)
    async def too_many_pins(_: Request, error: TooManyPinAttempts) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=429, headers={"Retry-After": str(error.retry_after)})

    @app.get("/api/payroll/v1/tips", tags=["tips"])
    def list_tips(staff_id: str = Query(...), identity: Identity = Depends(current_identity)) -> dict:
        """A staff member's tips: payroll:read, or payroll:read:own for one's own."""
        return tips_json(staff_id, tips.list_tips(uow, identity, staff_id))

    @app.post("/api/payroll/v1/tips", status_code=201, tags=["tips"])
    def enter_tip(body: TipEntryBody, identity: Identity = Depends(current_identity)) -> dict:
        """Enter tips with no order behind them (declared cash tips, corrections): payroll:create."""
        return tips.enter_tip(uow, identity, body.staff_id, body.location_id, body.tip_cents,
                                       body.earned_at, body.note, directory=container.directory,
                                       new_id=container.new_id).as_json()

    @app.patch("/api/payroll/v1/tips/{tip_record_id}", tags=["tips"])
    def adjust_tip(tip_record_id: str, body: TipAdjustBody, identity: Identity = Depends(current_identity)) -> dict:
        """Change a hand-entered tip: payroll:update."""
        return tips.adjust_tip(uow, identity, tip_record_id, body.tip_cents, body.note).as_json()

    @app.delete("/api/payroll/v1/tips/{tip_record_id}", tags=["tips"])
    def void_tip(tip_record_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Void a hand-entered tip: payroll:delete."""
        return tips.void_tip(uow, identity, tip_record_id, clock=container.clock).as_json()

    routes_paychecks.add_routes(app, container)
    routes_pay_runs.add_routes(app, container)
    routes_staff.add_routes(app, container)
    routes_deductions.add_routes(app, container)
    routes_tip_pools.add_routes(app, container)
    return app


if __name__ == "__main__":
    config = settings("auth_grpc_addr", "tax_grpc_addr", "pii_encryption_key")
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(bootstrap(config)))
