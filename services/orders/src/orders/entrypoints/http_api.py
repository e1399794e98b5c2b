"""orders REST API under /api/orders/v1: checks (routes_checks) and the sales report."""
from __future__ import annotations

from chassis import readiness
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Query

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.entrypoints.routes_checks import checks_router
from orders.entrypoints.routes_menu import menu_router
from orders.entrypoints.routes_pricing import pricing_router
from orders.entrypoints.routes_risk import risk_router
from orders.service_layer import reports
from orders.service_layer.views import sales_to_json


def build_app(container: OrdersContainer):
    """The API over `container` (PostgreSQL and the gRPC peers it calls: what readiness checks)."""
    config, uow = container.config, container.uow
    checks = {}
    if container.engine is not None:
        checks["postgres"] = readiness.postgres(container.engine)
    if config.tax_grpc_addr:
        checks["tax"] = readiness.grpc_peer(config.tax_grpc_addr)
    if config.auth_grpc_addr:  # servers, time zones and menu locations come from auth
        checks["auth"] = readiness.grpc_peer(config.auth_grpc_addr)
    app = create_app(SERVICE, checks)
    app.include_router(checks_router(container))
    app.include_router(menu_router(container))
    app.include_router(pricing_router(container))
    app.include_router(risk_router(container))

    @app.get("/api/orders/v1/reports/sales", tags=["reports"])
    def sales_report(from_: str = Query(..., alias="from", max_length=10, description="first day, YYYY-MM-DD (UTC)"),
                     to: str = Query(..., max_length=10, description="last day, YYYY-MM-DD (UTC), inclusive"),
                     identity: Identity = Depends(require("reports:read"))) -> dict:
        _, sales = reports.sales_summary(uow, identity, from_, to)
        return {"from": from_, "to": to, "locations": [sales_to_json(row) for row in sales]}

    return app


if __name__ == "__main__":
    config = settings(require=("tax_grpc_addr", "auth_grpc_addr"))
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(bootstrap(config)))
