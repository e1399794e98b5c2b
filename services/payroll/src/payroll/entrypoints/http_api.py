"""payroll REST API under /api/payroll/v1."""
from __future__ import annotations

from chassis import readiness
from chassis.db import make_engine, make_session_factory
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Query

from payroll.config import SERVICE, Settings, settings
from payroll.service_layer.tips import list_tips


def build_app(config: Settings):
    engine = make_engine(config.database_url, config.db_schema)
    sessions = make_session_factory(engine)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(engine),
        "redis": readiness.redis(config.redis_url),
    })

    @app.get("/api/payroll/v1/tips", tags=["tips"])
    def tips(staff_id: str = Query(...), identity: Identity = Depends(current_identity)) -> dict:
        with sessions() as session:
            rows = list_tips(session, identity, staff_id)
        return {"staff_id": staff_id, "total_tip_cents": sum(r.tip_cents for r in rows), "tips": [
            {"tip_record_id": str(r.id), "order_id": str(r.order_id), "location_id": str(r.location_id),
             "tip_cents": r.tip_cents, "earned_at": r.earned_at.isoformat()} for r in rows]}

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
