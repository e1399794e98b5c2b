from chassis import readiness
from chassis.db import make_engine, make_session_factory
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends
from sqlalchemy import select

from pos_bridge.adapters.orm import PosConnection
from pos_bridge.config import SERVICE, Settings, settings


def build_app(config: Settings):
    engine = make_engine(config.database_url, config.db_schema)
    sessions = make_session_factory(engine)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(engine),
        "redis": readiness.redis(config.redis_url),
        "kafka": readiness.kafka(config.kafka_bootstrap_servers),
    })

    @app.get("/api/pos-bridge/v1/connections")
    def list_connections(identity: Identity = Depends(require("settings:read"))) -> dict:
        with sessions() as session:
            rows = session.scalars(select(PosConnection).where(
                PosConnection.tenant_id == identity.tenant_uuid,
                PosConnection.deleted_at.is_(None))).all()
        return {"connections": [{"connection_id": str(r.id), "location_id": str(r.location_id),
                                 "provider": r.provider, "active": r.active} for r in rows]}

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
