"""orders REST API under /api/orders/v1: checks (routes_checks), menu, pricing rules, the kitchen
display (routes_kitchen, with its live stream) and the sales report."""
from __future__ import annotations

from typing import Literal

from chassis import readiness
from chassis.fast_routes import FastRoutes
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http_workers
from fastapi import Depends, Query
from fastapi.responses import PlainTextResponse

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.entrypoints.kds_static import mount_kds
from orders.entrypoints.routes_checks import CheckOpener, checks_router
from orders.entrypoints.routes_kitchen import kitchen_router
from orders.entrypoints.routes_menu import menu_router
from orders.entrypoints.routes_payments import payments_router
from orders.entrypoints.routes_pricing import pricing_router
from orders.entrypoints.routes_reconciliation import reconciliation_router
from orders.entrypoints.routes_risk import risk_router
from orders.service_layer import reports
from orders.service_layer.report_views import daily_to_csv, daily_to_json
from orders.service_layer.views import sales_to_json


def build_app(container: OrdersContainer) -> FastRoutes:
    """The API over `container` (PostgreSQL and the gRPC peers it calls: what readiness checks), as a
    worker serves it: the FastAPI app behind the fast route of POST /orders."""
    config, uow = container.config, container.uow
    checks = {}
    if container.engine is not None:
        checks["postgres"] = readiness.postgres(container.engine)
    if config.tax_grpc_addr:
        checks["tax"] = readiness.grpc_peer(config.tax_grpc_addr)
    if config.auth_grpc_addr:  # servers, time zones and menu locations come from auth
        checks["auth"] = readiness.grpc_peer(config.auth_grpc_addr)
    app = create_app(SERVICE, checks)
    opener = CheckOpener(container)
    app.include_router(checks_router(container, opener))
    app.include_router(menu_router(container))
    app.include_router(pricing_router(container))
    app.include_router(kitchen_router(container))
    app.include_router(payments_router(container))
    app.include_router(reconciliation_router(container))
    app.include_router(risk_router(container))

    @app.get("/api/orders/v1/reports/sales", tags=["reports"])
    def sales_report(from_: str = Query(..., alias="from", max_length=10, description="first day, YYYY-MM-DD (UTC)"),
                     to: str = Query(..., max_length=10, description="last day, YYYY-MM-DD (UTC), inclusive"),
                     identity: Identity = Depends(require("reports:read"))) -> dict:
        _, sales = reports.sales_summary(uow, identity, from_, to)
        return {"from": from_, "to": to, "locations": [sales_to_json(row) for row in sales]}

    @app.get("/api/orders/v1/reports/daily", tags=["reports"])
    def daily_report(location_id: str = Query(..., max_length=64),
                     business_date: str = Query(..., max_length=10, description="the location's local date, YYYY-MM-DD"),
                     format: Literal["json", "csv"] = Query("json"),
                     identity: Identity = Depends(require("reports:read"))):
        """One location's business day: sales by category, server and tender; discounts, voids,
        refunds, tips. The tenders are the payments recorded that business day."""
        day = reports.daily_report(uow, identity, location_id, business_date)
        if format == "csv":
            name = f"daily-{day.location_id}-{day.business_date.isoformat()}.csv"
            return PlainTextResponse(daily_to_csv(day), media_type="text/csv",
                                     headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return daily_to_json(day)

    mount_kds(app)  # the kitchen display's page at /kds/ (last: a mount matches before later routes)
    # POST /orders is served in front of FastAPI's stack (CheckOpener; chassis.fast_routes).
    return FastRoutes(app, [opener.route()], app.state.max_body_bytes)


if __name__ == "__main__":
    config = settings(require=("tax_grpc_addr", "auth_grpc_addr"))
    run_http_workers(SERVICE, config, lambda: build_app(bootstrap(config)), config.http_workers)
