"""tax REST API under /api/tax/v1."""
from __future__ import annotations

from typing import Any

from chassis import readiness
from chassis.db import session_scope
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Body, Depends
from pydantic import BaseModel, Field

from tax import bootstrap
from tax.config import SERVICE, Settings, settings
from tax.entrypoints import routes_admin, routes_payroll
from tax.service_layer.sales import calculate_for_location, parse_uuid, set_location_tax_area


class TaxAreaBody(BaseModel):
    tax_area: str = Field(min_length=1, max_length=100, description="e.g. us-pa-philadelphia")


def build_app(config: Settings, services: bootstrap.Services | None = None):
    services = services or bootstrap.build(config)
    sessions = services.sessions
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(services.engine),
        "redis": readiness.redis(config.redis_url),
    })

    @app.post("/api/tax/v1/sales-tax:calculate", tags=["sales tax"])
    def calculate_sales_tax(request: dict[str, Any] = Body(...),
                            identity: Identity = Depends(require("orders:create"))) -> dict:
        with sessions() as session:
            return calculate_for_location(session, services.sales_rates.get(), identity.tenant_uuid, request)

    @app.put("/api/tax/v1/locations/{location_id}/jurisdiction", tags=["sales tax"])
    def put_location_tax_area(location_id: str, body: TaxAreaBody,
                              identity: Identity = Depends(require("settings:update"))) -> dict:
        location = parse_uuid(location_id, "location_id")
        with session_scope(sessions) as session:
            set_location_tax_area(session, identity.tenant_uuid, location, body.tax_area)
        return {"location_id": str(location), "tax_area": body.tax_area}

    routes_payroll.add_routes(app, services)
    routes_admin.add_routes(app, services)
    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
