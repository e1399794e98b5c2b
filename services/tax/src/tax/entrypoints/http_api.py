"""tax REST API under /api/tax/v1."""
from __future__ import annotations

from typing import Any

from chassis import readiness
from chassis.config import load_settings
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from chassis.validation import parse_uuid
from fastapi import Body, Depends
from pydantic import BaseModel, Field

from tax.bootstrap import TaxContainer, bootstrap
from tax.config import SERVICE, Settings
from tax.entrypoints import routes_admin, routes_payroll
from tax.service_layer.sales import calculate_for_location, set_location_tax_area

# REDIS_URL is required (the rule caches share revisions and rows through it) but Redis is not a
# readiness check: every use of it falls back to PostgreSQL, so a Redis outage slows a cold cache
# down instead of taking every tax replica out of rotation. PostgreSQL is the one dependency
# requests cannot do without. (HTTP processes never talk to Kafka.)
REQUIRED = ("redis_url",)


class TaxAreaBody(BaseModel):
    tax_area: str = Field(min_length=1, max_length=100, description="e.g. us-pa-philadelphia")


def build_app(config: Settings, container: TaxContainer | None = None):
    container = container or bootstrap(config)
    checks = {"postgres": readiness.postgres(container.engine)} if container.engine is not None else {}
    app = create_app(SERVICE, checks)

    @app.post("/api/tax/v1/sales-tax:calculate", tags=["sales tax"])
    def calculate_sales_tax(request: dict[str, Any] = Body(...),
                            identity: Identity = Depends(require("orders:create"))) -> dict:
        return calculate_for_location(container.uow, container.sales_rates, identity.tenant_uuid, request)

    @app.put("/api/tax/v1/locations/{location_id}/jurisdiction", tags=["sales tax"])
    def put_location_tax_area(location_id: str, body: TaxAreaBody,
                              identity: Identity = Depends(require("settings:update"))) -> dict:
        location = parse_uuid(location_id, "location_id")
        set_location_tax_area(container.uow, identity.tenant_uuid, location, body.tax_area)
        return {"location_id": str(location), "tax_area": body.tax_area}

    routes_payroll.add_routes(app, container)
    routes_admin.add_routes(app, container)
    return app


if __name__ == "__main__":
    config = load_settings(Settings, require=REQUIRED)
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
