"""pos-bridge REST API under /api/pos-bridge/v1: parses requests, calls use cases, answers JSON."""
from __future__ import annotations

from chassis import readiness
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Query

from pos_bridge.bootstrap import PosBridgeContainer, bootstrap
from pos_bridge.config import SERVICE, settings
from pos_bridge.service_layer import connections


def readiness_checks(container: PosBridgeContainer) -> dict[str, readiness.Check]:
    """What requests here use: PostgreSQL only (never Redis or Kafka)."""
    return {"postgres": readiness.postgres(container.engine)} if container.engine is not None else {}


def build_app(container: PosBridgeContainer):
    app = create_app(SERVICE, readiness_checks(container))
    uow = container.uow

    @app.get("/api/pos-bridge/v1/connections", tags=["connections"])
    def list_connections(location_id: str | None = Query(None, description="only this location's"),
                         identity: Identity = Depends(current_identity)) -> dict:
        """The tenant's POS connections: settings:read."""
        return {"connections": [c.as_json() for c in connections.list_connections(uow, identity, location_id)]}

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(bootstrap(config)))
