"""payroll REST API under /api/payroll/v1."""
from __future__ import annotations

from datetime import datetime

from chassis import readiness
from chassis.db import make_engine, make_session_factory, session_scope
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Query
from pydantic import BaseModel, Field

from payroll.adapters.auth_client import AuthDirectory
from payroll.adapters.orm import TipRecord
from payroll.config import SERVICE, Settings, settings
from payroll.service_layer.tips import adjust_tip, enter_tip, list_tips, void_tip

MAX_TIP_CENTS = 10**8


class TipEntryBody(BaseModel):
    staff_id: str
    location_id: str
    tip_cents: int = Field(gt=0, le=MAX_TIP_CENTS)
    earned_at: datetime = Field(description="when the tips were earned (ISO 8601 with offset)")
    note: str = Field("", max_length=500)


class TipAdjustBody(BaseModel):
    tip_cents: int = Field(gt=0, le=MAX_TIP_CENTS)
    note: str | None = Field(None, max_length=500)


def tip_json(record: TipRecord) -> dict:
    return {"tip_record_id": str(record.id), "staff_id": str(record.staff_id),
            "order_id": str(record.order_id) if record.order_id else None, "location_id": str(record.location_id),
            "tip_cents": record.tip_cents, "earned_at": record.earned_at.isoformat(), "source": record.source,
            "note": record.note}


def build_app(config: Settings):
    engine = make_engine(config.database_url, config.db_schema)
    sessions = make_session_factory(engine)
    directory = AuthDirectory(config.auth_grpc_addr)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(engine),
        "redis": readiness.redis(config.redis_url),
    })

    @app.get("/api/payroll/v1/tips", tags=["tips"])
    def tips(staff_id: str = Query(...), identity: Identity = Depends(current_identity)) -> dict:
        with sessions() as session:
            rows = list_tips(session, identity, staff_id)
        return {"staff_id": staff_id, "total_tip_cents": sum(r.tip_cents for r in rows),
                "tips": [tip_json(r) for r in rows]}

    @app.post("/api/payroll/v1/tips", status_code=201, tags=["tips"])
    def enter(body: TipEntryBody, identity: Identity = Depends(current_identity)) -> dict:
        """Enter tips with no order behind them (declared cash tips, corrections): payroll:create."""
        if identity.has("payroll:create"):  # unauthorized callers learn nothing about ids
            directory.check_location(identity, body.location_id)
            directory.check_staff(identity, body.staff_id)
        with session_scope(sessions) as session:
            return tip_json(enter_tip(session, identity, body.staff_id, body.location_id, body.tip_cents,
                                      body.earned_at, body.note))

    @app.patch("/api/payroll/v1/tips/{tip_record_id}", tags=["tips"])
    def adjust(tip_record_id: str, body: TipAdjustBody, identity: Identity = Depends(current_identity)) -> dict:
        with session_scope(sessions) as session:
            return tip_json(adjust_tip(session, identity, tip_record_id, body.tip_cents, body.note))

    @app.delete("/api/payroll/v1/tips/{tip_record_id}", tags=["tips"])
    def void(tip_record_id: str, identity: Identity = Depends(current_identity)) -> dict:
        with session_scope(sessions) as session:
            return tip_json(void_tip(session, identity, tip_record_id))

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
