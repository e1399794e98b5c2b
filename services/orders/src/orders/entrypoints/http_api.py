"""orders REST API under /api/orders/v1."""
from __future__ import annotations

from typing import Literal

from chassis import readiness
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Header, Query, Response
from pydantic import BaseModel, Field

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.domain.order import LineInput
from orders.entrypoints.routes_menu import menu_router
from orders.entrypoints.routes_pricing import pricing_router
from orders.service_layer import orders, reports
from orders.service_layer.views import order_to_json, sales_to_json

MAX_CENTS = 10**11  # a billion dollars: beyond it the input is a mistake, not an order


class LineBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(gt=0, le=10_000)
    unit_price_cents: int = Field(ge=0, le=MAX_CENTS)
    category: str = "prepared_food"
    discount_cents: int = Field(0, ge=0, le=MAX_CENTS)


class PlaceOrderBody(BaseModel):
    location_id: str
    lines: list[LineBody] = Field(min_length=1, max_length=500)
    tip_cents: int = Field(0, ge=0, le=MAX_CENTS)
    server_staff_id: str | None = Field(None, description="who took the order; defaults to the caller")


class StatusBody(BaseModel):
    status: Literal["in_kitchen", "ready", "completed"]


def build_app(container: OrdersContainer):
    """The API over `container` (PostgreSQL, the tax and auth peers: what readiness checks, nothing else)."""
    config, uow = container.config, container.uow
    checks = {}
    if container.engine is not None:
        checks["postgres"] = readiness.postgres(container.engine)
    if config.tax_grpc_addr:
        checks["tax"] = readiness.grpc_peer(config.tax_grpc_addr)
    if config.auth_grpc_addr:  # the menu checks locations and quotes read time zones with it
        checks["auth"] = readiness.grpc_peer(config.auth_grpc_addr)
    app = create_app(SERVICE, checks)
    app.include_router(menu_router(container))
    app.include_router(pricing_router(container))

    @app.post("/api/orders/v1/orders", status_code=201, tags=["orders"])
    def create_order(body: PlaceOrderBody, response: Response,
                     identity: Identity = Depends(require("orders:create")),
                     idempotency_key: str | None = Header(
                         None, max_length=200, description="retries with the same key return the first order")
                     ) -> dict:
        lines = [LineInput(line.name, line.quantity, line.unit_price_cents, line.category, line.discount_cents)
                 for line in body.lines]
        order, created = orders.place_order(
            uow, identity, location_id=body.location_id, lines=lines, tip_cents=body.tip_cents,
            server_staff_id=body.server_staff_id, idempotency_key=idempotency_key,
            tax=container.tax, clock=container.clock, new_id=container.new_id)
        if not created:
            response.status_code = 200
        return order_to_json(order)

    @app.get("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def read_order(order_id: str, identity: Identity = Depends(require("orders:read"))) -> dict:
        return order_to_json(orders.get_order(uow, identity, order_id))

    @app.patch("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def update_status(order_id: str, body: StatusBody,
                      identity: Identity = Depends(require("orders:update"))) -> dict:
        """Kitchen flow: placed -> in_kitchen -> ready -> completed (409 for any other move)."""
        return order_to_json(orders.change_status(uow, identity, order_id, body.status, clock=container.clock))

    @app.delete("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def cancel(order_id: str, reason: str = Query("", max_length=500),
               identity: Identity = Depends(require("orders:delete"))) -> dict:
        """Cancels the order (kept for the books, status cancelled); completed orders cannot be."""
        return order_to_json(orders.cancel_order(uow, identity, order_id, reason, clock=container.clock))

    @app.get("/api/orders/v1/reports/sales", tags=["reports"])
    def sales_report(from_: str = Query(..., alias="from", description="first day, YYYY-MM-DD (UTC)"),
                     to: str = Query(..., description="last day, YYYY-MM-DD (UTC), inclusive"),
                     identity: Identity = Depends(require("reports:read"))) -> dict:
        _, sales = reports.sales_summary(uow, identity, from_, to)
        return {"from": from_, "to": to, "locations": [sales_to_json(row) for row in sales]}

    return app


if __name__ == "__main__":
    config = settings(require=("tax_grpc_addr", "auth_grpc_addr"))
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(bootstrap(config)))
