"""orders REST API under /api/orders/v1."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from chassis import readiness
from chassis.db import make_engine, make_session_factory
from chassis.http import create_app, require
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends, Header, Query, Response
from pydantic import BaseModel, Field

from orders.adapters.mapping import row_to_json
from orders.adapters.tax_client import TaxClient
from orders.config import SERVICE, Settings, settings
from orders.domain.model import LineInput
from orders.service_layer.orders import cancel_order, change_status, get_order, place_order, sales_summary

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


def _day_start(day: str, field: str) -> datetime:
    from chassis.errors import InvalidInput

    try:
        return datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time.min, tzinfo=UTC)
    except ValueError:
        raise InvalidInput("must be a date YYYY-MM-DD", field=field) from None


def build_app(config: Settings):
    engine = make_engine(config.database_url, config.db_schema)
    sessions = make_session_factory(engine)
    tax = TaxClient(config.tax_grpc_addr)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(engine),
        "redis": readiness.redis(config.redis_url),
        "tax": readiness.grpc_peer(config.tax_grpc_addr),
    })

    @app.post("/api/orders/v1/orders", status_code=201, tags=["orders"])
    def create_order(body: PlaceOrderBody, response: Response,
                     identity: Identity = Depends(require("orders:create")),
                     idempotency_key: str | None = Header(None, max_length=200)) -> dict:
        lines = [LineInput(line.name, line.quantity, line.unit_price_cents, line.category, line.discount_cents)
                 for line in body.lines]
        row, created = place_order(sessions, tax, identity, body.location_id, lines, body.tip_cents,
                                   body.server_staff_id, idempotency_key)
        if not created:
            response.status_code = 200
        return row_to_json(row)

    @app.get("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def read_order(order_id: str, identity: Identity = Depends(require("orders:read"))) -> dict:
        with sessions() as session:
            return row_to_json(get_order(session, identity, order_id))

    @app.patch("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def update_status(order_id: str, body: StatusBody,
                      identity: Identity = Depends(require("orders:update"))) -> dict:
        """Kitchen flow: placed -> in_kitchen -> ready -> completed (409 for any other move)."""
        return row_to_json(change_status(sessions, identity, order_id, body.status))

    @app.delete("/api/orders/v1/orders/{order_id}", tags=["orders"])
    def cancel(order_id: str, reason: str = Query("", max_length=500),
               identity: Identity = Depends(require("orders:delete"))) -> dict:
        """Cancels the order (kept for the books, status cancelled); completed orders cannot be."""
        return row_to_json(cancel_order(sessions, identity, order_id, reason))

    @app.get("/api/orders/v1/reports/sales", tags=["reports"])
    def sales_report(from_: str = Query(..., alias="from", description="first day, YYYY-MM-DD (UTC)"),
                     to: str = Query(..., description="last day, YYYY-MM-DD (UTC), inclusive"),
                     identity: Identity = Depends(require("reports:read"))) -> dict:
        start, end = _day_start(from_, "from"), _day_start(to, "to") + timedelta(days=1)
        with sessions() as session:
            return {"from": from_, "to": to, "locations": sales_summary(session, identity, start, end)}

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
