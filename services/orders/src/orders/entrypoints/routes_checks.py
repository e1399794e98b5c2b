"""REST for checks under /api/orders/v1/orders: open, list, read, history, lines, voids, courses,
status moves. Writes take the version the client saw (`If-Match: "<version>"` or `version` in the
body): a stale one is 412. Creating POSTs take an `Idempotency-Key` (Stripe's semantics)."""
from __future__ import annotations

import re
from functools import partial
from typing import Literal

from chassis.errors import InvalidInput
from chassis.fast_routes import Answer, FastRequest, FastRoute
from chassis.http import require_any, require_any_async
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from orders.bootstrap import OrdersContainer
from orders.domain.idempotency import MAX_KEY
from orders.domain.order import CHANNELS, MAX_CENTS, ORDER_TYPES, CheckDetails
from orders.entrypoints.group_commit import GroupCommit, OneByOne
from orders.service_layer import checks
from orders.service_layer.checks import MOVE_ANY, Idempotency, LineRequest, ListQuery
from orders.service_layer.views import history_to_json, order_to_json

PREFIX = "/api/orders/v1/orders"
READ = ("orders:read", "kitchen:read")
WRITE = ("orders:create", "orders:update")
MAX_VERSION = 2**62
ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


class LineBody(BaseModel):
    """A menu line (`item_id`, `modifier_ids`) or an open-price line (`name`, `unit_price_cents`;
    `open_price: true` needs orders:open_price)."""

    item_id: str | None = Field(None, max_length=64)
    modifier_ids: list[str] = Field(default_factory=list, max_length=50)
    name: str | None = Field(None, min_length=1, max_length=200)
    unit_price_cents: int | None = Field(None, ge=0, le=MAX_CENTS)
    category: str = Field("prepared_food", max_length=40)
    quantity: int = Field(1, gt=0, le=10_000)
    discount_cents: int = Field(0, ge=0, le=MAX_CENTS)
    seat: int | None = Field(None, ge=1, le=500)
    course: str = Field("", max_length=40)
    notes: str = Field("", max_length=1000)
    open_price: bool = False

    def request(self) -> LineRequest:
        return LineRequest(self.item_id, tuple(self.modifier_ids), self.name, self.unit_price_cents, self.category,
                           self.quantity, self.discount_cents, self.seat, self.course, self.notes, self.open_price)


class PlaceOrderBody(BaseModel):
    location_id: str = Field(max_length=64)
    lines: list[LineBody] = Field(default_factory=list, max_length=500)
    tip_cents: int = Field(0, ge=0, le=MAX_CENTS)
    server_staff_id: str | None = Field(None, max_length=64,
                                        description="who serves the check; defaults to the caller")
    order_type: Literal[ORDER_TYPES] = "dine_in"  # type: ignore[valid-type]
    channel: Literal[CHANNELS] = "counter"  # type: ignore[valid-type]
    table: str = Field("", max_length=40)
    guest_count: int = Field(0, ge=0, le=500)
    notes: str = Field("", max_length=1000)


class AddLinesBody(BaseModel):
    lines: list[LineBody] = Field(min_length=1, max_length=500)
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class VersionBody(BaseModel):
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class StatusBody(BaseModel):
    status: Literal["sent", "ready", "served", "closed", "cancelled", "voided", "in_kitchen", "completed"] = Field(
        description="the move; in_kitchen and completed are the old names of sent and served")
    reason: str = Field("", max_length=1000)
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    """The version the client saw: If-Match wins over the body; a malformed one is 422."""
    if if_match is None:
        return body_version
    matched = ETAG.match(if_match)
    if not matched:
        raise InvalidInput('must be an order version, e.g. "3"', field="If-Match")
    return int(matched.group(1))


class _KeyHeader(BaseModel):
    """The Idempotency-Key header as the FastAPI route declares it (same 422 when too long)."""

    idempotency_key: str | None = Field(None, alias="Idempotency-Key", max_length=MAX_KEY)


class CheckOpener:
    """POST /orders, the hot path: the FastAPI route (OpenAPI, the document clients read) and the fast
    route the workers serve it by (chassis.fast_routes; bench/bench_orders.py) both call `open`, and
    each placement is group-committed with the others in flight (entrypoints/group_commit.py)."""

    def __init__(self, container: OrdersContainer) -> None:
        self.container = container
        self.placements = GroupCommit(container.placement_batch or partial(OneByOne, container.uow))

    async def open(self, body: PlaceOrderBody, identity: Identity, idempotency_key: str | None) -> checks.Outcome:
        key = Idempotency.of(idempotency_key, "POST /orders", body.model_dump())
        details = CheckDetails(body.order_type, body.channel, body.table, body.guest_count, body.notes)
        lines, peers = [line.request() for line in body.lines], self.container.peers()
        return await self.placements.submit(lambda batch: checks.place_order(
            batch, identity, location_id=body.location_id, lines=lines, peers=peers, tip_cents=body.tip_cents,
            server_staff_id=body.server_staff_id, details=details, key=key),
            idempotency=(identity.tenant_uuid, key.key) if key.key else None)

    async def fast(self, request: FastRequest) -> Answer:
        """The fast route: the caller and permission first (401/403), then the header and body (422),
        as FastAPI solves the route's dependencies before its body."""
        identity = await request.identity(*WRITE)
        header = _KeyHeader.model_validate({"Idempotency-Key": request.headers.get("idempotency-key")})
        outcome = await self.open(request.parse(PlaceOrderBody), identity, header.idempotency_key)
        return Answer(outcome.status, outcome.body, outcome_headers(outcome))

    def route(self) -> FastRoute:
        return FastRoute("POST", PREFIX, self.fast)


def outcome_headers(outcome: checks.Outcome) -> dict[str, str]:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    version = outcome.body.get("version")
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return headers


def checks_router(container: OrdersContainer, opener: CheckOpener | None = None) -> APIRouter:
    uow = container.uow
    opener = opener or CheckOpener(container)
    router = APIRouter(tags=["orders"])
    key_header = Header(None, alias="Idempotency-Key", max_length=MAX_KEY,
                        description="a retry with the same key and body replays the first response")
    if_match_header = Header(None, alias="If-Match", max_length=40,
                             description='the version the client saw ("3"); a stale one is 412')

    def answer(outcome: checks.Outcome, response: Response) -> dict:
        response.status_code = outcome.status
        response.headers.update(outcome_headers(outcome))
        return outcome.body

    def current(order, response: Response) -> dict:
        response.headers["ETag"] = f'"{order.version}"'
        return order_to_json(order)

    @router.post(PREFIX, status_code=201, response_model=dict)
    async def open_check(body: PlaceOrderBody, identity: Identity = Depends(require_any_async(*WRITE)),
                         idempotency_key: str | None = key_header) -> Response:
        """Opens a check (lines optional: add them later). 201; a replay answers what the first did."""
        outcome = await opener.open(body, identity, idempotency_key)
        response = JSONResponse(outcome.body)
        answer(outcome, response)
        return response

    @router.get(PREFIX)
    def list_checks(location_id: str | None = Query(None, max_length=64),
                    status: str | None = Query(None, max_length=20),
                    channel: str | None = Query(None, max_length=20),
                    server_staff_id: str | None = Query(None, max_length=64),
                    table: str | None = Query(None, max_length=40),
                    business_date: str | None = Query(None, max_length=10, description="YYYY-MM-DD, local"),
                    limit: int = Query(50, ge=1, le=checks.MAX_PAGE),
                    cursor: str | None = Query(None, max_length=200),
                    identity: Identity = Depends(require_any(*READ))) -> dict:
        """Newest first; pass `next_cursor` back as `cursor` for the next page."""
        page = checks.list_orders(uow, identity, ListQuery(location_id, status, channel, server_staff_id, table,
                                                           business_date, limit, cursor))
        return {"orders": [order_to_json(order) for order in page.orders], "next_cursor": page.next_cursor}

    @router.get(PREFIX + "/{order_id}")
    def read_check(order_id: str, response: Response, identity: Identity = Depends(require_any(*READ))) -> dict:
        return current(checks.get_order(uow, identity, order_id), response)

    @router.get(PREFIX + "/{order_id}/history")
    def check_history(order_id: str, identity: Identity = Depends(require_any(*READ))) -> dict:
        """Every step: opened, lines added, voids, holds, fires, moves (actor, reason, time, version)."""
        order = checks.get_order(uow, identity, order_id)
        return {"order_id": str(order.order_id), "version": order.version,
                "history": [history_to_json(entry) for entry in order.history]}

    @router.post(PREFIX + "/{order_id}/lines", status_code=201)
    def add_lines(order_id: str, body: AddLinesBody, response: Response,
                  identity: Identity = Depends(require_any(*WRITE)), idempotency_key: str | None = key_header,
                  if_match: str | None = if_match_header) -> dict:
        """More lines (additions once the check is sent). Answers the whole check."""
        key = Idempotency.of(idempotency_key, f"POST /orders/{order_id}/lines", body.model_dump())
        outcome = checks.add_lines(uow, identity, order_id, [line.request() for line in body.lines],
                                   peers=container.peers(), expected_version=expected_version(if_match, body.version),
                                   key=key)
        return answer(outcome, response)

    @router.post(PREFIX + "/{order_id}/lines/{line_id}/void")
    def void_line(order_id: str, line_id: str, body: ReasonBody, response: Response,
                  identity: Identity = Depends(require_any(*WRITE)), if_match: str | None = if_match_header) -> dict:
        order = checks.void_line(uow, identity, order_id, line_id, body.reason, peers=container.peers(),
                                 expected_version=expected_version(if_match, body.version))
        return current(order, response)

    @router.post(PREFIX + "/{order_id}/courses/{course}/{action}")
    def course(order_id: str, course: str, action: Literal["hold", "fire"], response: Response,
               body: VersionBody | None = None, identity: Identity = Depends(require_any(*WRITE)),
               if_match: str | None = if_match_header) -> dict:
        """Hold a course (open checks only) or fire a held one."""
        use_case = checks.hold_course if action == "hold" else checks.fire_course
        order = use_case(uow, identity, order_id, course, peers=container.peers(),
                         expected_version=expected_version(if_match, body.version if body else None))
        return current(order, response)

    @router.patch(PREFIX + "/{order_id}")
    def move(order_id: str, body: StatusBody, response: Response,
             identity: Identity = Depends(require_any(*sorted(MOVE_ANY))),
             if_match: str | None = if_match_header) -> dict:
        """One move: open -> sent -> ready -> served -> closed, or cancelled / voided (409 naming the
        current state otherwise). The move's own permission applies (kitchen:update for ready)."""
        order = checks.change_status(uow, identity, order_id, body.status, peers=container.peers(),
                                     reason=body.reason, expected_version=expected_version(if_match, body.version))
        return current(order, response)

    @router.delete(PREFIX + "/{order_id}")
    def cancel(order_id: str, response: Response, reason: str = Query("", max_length=500),
               identity: Identity = Depends(require_any("orders:delete")),
               if_match: str | None = if_match_header) -> dict:
        """Cancels the check (kept for the books, status cancelled); a served or final one cannot be."""
        order = checks.cancel_order(uow, identity, order_id, reason, peers=container.peers(),
                                    expected_version=expected_version(if_match, None))
        return current(order, response)

    return router

