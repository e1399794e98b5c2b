"""REST and the live stream of the kitchen display under /api/orders/v1/kitchen.

Ticket actions use Google's custom-method style (`POST /tickets/{id}:bump`); a write may name the
ticket version it saw (`If-Match: "<version>"`): a stale one is 412. The stream is Server-Sent
Events (`id: <sequence>`, `event: ticket|reset`, `data: <json>`, a heartbeat comment every 15 s);
it is an async endpoint: a connected screen costs no thread while it waits.
"""
from __future__ import annotations

import contextlib
import json
from typing import Literal

from chassis.http import require
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from orders.bootstrap import OrdersContainer
from orders.entrypoints.routes_checks import expected_version
from orders.service_layer import kitchen, kitchen_config, kitchen_stream
from orders.service_layer.kitchen_config import StationChange
from orders.service_layer.kitchen_views import (
    all_day_to_json,
    load_to_json,
    route_to_json,
    station_to_json,
    ticket_to_json,
)

PREFIX = "/api/orders/v1/kitchen"
READ, UPDATE, CONFIGURE = "kitchen:read", "kitchen:update", "kitchen:configure"
ID = Field(max_length=64)


class StationBody(BaseModel):
    location_id: str = ID
    name: str = Field(min_length=1, max_length=60)
    kind: Literal["prep", "expo"] = "prep"
    is_default: bool = False
    warn_after_seconds: int = Field(300, ge=1, le=86_400)
    late_after_seconds: int = Field(600, ge=1, le=86_400)
    position: int | None = Field(None, ge=0, le=1000)


class StationPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=60)
    kind: Literal["prep", "expo"] | None = None
    is_default: bool | None = None
    warn_after_seconds: int | None = Field(None, ge=1, le=86_400)
    late_after_seconds: int | None = Field(None, ge=1, le=86_400)
    position: int | None = Field(None, ge=0, le=1000)


class Match(BaseModel):
    item_id: str | None = Field(None, max_length=64)
    category_id: str | None = Field(None, max_length=64)
    tag: str | None = Field(None, max_length=60)


class RouteBody(BaseModel):
    station_id: str = ID
    match: Match


class RushBody(BaseModel):
    rush: bool = True


def kitchen_router(container: OrdersContainer) -> APIRouter:
    uow = container.uow
    router = APIRouter(prefix=PREFIX, tags=["kitchen"])
    if_match = Header(None, alias="If-Match", max_length=40, description='the ticket version seen ("3"): stale is 412')

    def ticket_answer(ticket, response: Response) -> dict:
        response.headers["ETag"] = f'"{ticket.version}"'
        return ticket_to_json(ticket, None, container.clock())

    # ---- stations
    @router.get("/stations")
    def stations(location_id: str = Query(max_length=64), identity: Identity = Depends(require(READ))) -> dict:
        """The location's stations (a location nobody configured gets Kitchen and Expo)."""
        found = kitchen_config.list_stations(uow, identity, location_id, peers=container.peers(), locations=container.locations)
        return {"stations": [station_to_json(s) for s in found]}

    @router.post("/stations", status_code=201)
    def create_station(body: StationBody, identity: Identity = Depends(require(CONFIGURE))) -> dict:
        change = StationChange(body.name, body.kind, body.is_default, body.warn_after_seconds, body.late_after_seconds,
                               body.position)
        return station_to_json(kitchen_config.create_station(uow, identity, body.location_id, change,
                                                      peers=container.peers(), locations=container.locations))

    @router.patch("/stations/{station_id}")
    def change_station(station_id: str, body: StationPatch, identity: Identity = Depends(require(CONFIGURE))) -> dict:
        return station_to_json(kitchen_config.change_station(uow, identity, station_id, StationChange(**body.model_dump())))

    @router.delete("/stations/{station_id}", status_code=204)
    def delete_station(station_id: str, identity: Identity = Depends(require(CONFIGURE))) -> Response:
        kitchen_config.delete_station(uow, identity, station_id)
        return Response(status_code=204)

    # ---- routing rules
    @router.get("/routes")
    def routes(location_id: str = Query(max_length=64), identity: Identity = Depends(require(READ))) -> dict:
        return {"routes": [route_to_json(r) for r in kitchen_config.list_routes(uow, identity, location_id)]}

    @router.post("/routes", status_code=201)
    def create_route(body: RouteBody, identity: Identity = Depends(require(CONFIGURE))) -> dict:
        """One of match.item_id, match.category_id, match.tag; the most specific rule wins."""
        return route_to_json(kitchen_config.create_route(uow, identity, body.station_id, body.match.model_dump(),
                                                  peers=container.peers()))

    @router.delete("/routes/{route_id}", status_code=204)
    def delete_route(route_id: str, identity: Identity = Depends(require(CONFIGURE))) -> Response:
        kitchen_config.delete_route(uow, identity, route_id)
        return Response(status_code=204)

    # ---- tickets
    @router.get("/tickets")
    def tickets(location_id: str = Query(max_length=64), station_id: str | None = Query(None, max_length=64),
                expo: bool = False, include_done: bool = False,
                identity: Identity = Depends(require(READ))) -> dict:
        """Open tickets, rush first then oldest; `sequence`: resume the stream after it."""
        return kitchen.list_tickets(uow, identity, location_id, peers=container.peers(), station_id=station_id,
                                    expo=expo, include_done=include_done).to_json()

    @router.post("/tickets/{ticket_id}:{action}")
    def ticket_action(ticket_id: str, action: Literal["start", "bump", "recall", "rush"], response: Response,
                      body: RushBody | None = None, identity: Identity = Depends(require(UPDATE)),
                      if_match: str | None = if_match) -> dict:
        """start, bump (expo's ticket: the order is ready), recall (undo a bump), rush ({"rush": false} clears)."""
        ticket = kitchen.act_on_ticket(uow, identity, ticket_id, action, peers=container.peers(),
                                       expected_version=expected_version(if_match, None),
                                       rush=body.rush if body else True)
        return ticket_answer(ticket, response)

    @router.post("/tickets/{ticket_id}/items/{line_id}:bump")
    def bump_item(ticket_id: str, line_id: str, response: Response, identity: Identity = Depends(require(UPDATE)),
                  if_match: str | None = if_match) -> dict:
        ticket = kitchen.bump_item(uow, identity, ticket_id, line_id, peers=container.peers(),
                                   expected_version=expected_version(if_match, None))
        return ticket_answer(ticket, response)

    @router.post("/orders/{order_id}:complete")
    def complete(order_id: str, response: Response, identity: Identity = Depends(require(UPDATE))) -> dict:
        """Expo bump by order: every ticket of the order done, the order ready."""
        return ticket_answer(kitchen.complete_order(uow, identity, order_id, peers=container.peers()), response)

    # ---- counts
    @router.get("/all-day")
    def all_day(location_id: str = Query(max_length=64), station_id: str | None = Query(None, max_length=64),
                identity: Identity = Depends(require(READ))) -> dict:
        return all_day_to_json(kitchen.all_day_counts(uow, identity, location_id, station_id))

    @router.get("/load")
    def load(location_id: str = Query(max_length=64), identity: Identity = Depends(require(READ))) -> dict:
        return load_to_json(kitchen.current_load(uow, identity, location_id), container.clock())

    # ---- the live stream
    @router.get("/stream", response_class=EventSourceResponse)
    async def stream(request: Request, location_id: str = Query(max_length=64),
                     station_id: str | None = Query(None, max_length=64), expo: bool = False,
                     last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=40),
                     identity: Identity = Depends(require(READ))):
        """Server-Sent Events: `event: ticket` (the full ticket; upsert by ticket_id, drop when done),
        `event: reset` (clear, a snapshot follows); `id` = the location's change sequence: send the
        last one back as Last-Event-ID to resume without gap or duplicate."""
        feed = container.kitchen_feed
        oldest = await feed.oldest(kitchen_location(location_id)) if feed is not None and last_event_id else None
        start = await run_in_threadpool(kitchen_stream.open_stream, uow, identity, location_id,
                                        peers=container.peers(), station_id=station_id, expo=expo,
                                        last_event_id=last_event_id, oldest_kept=oldest)

        async def events():
            if feed is None:  # no database (a test app): the snapshot only
                for event in start.snapshot:
                    yield _sse(event)
                return
            async for event in kitchen_stream.follow(feed, start):
                if event is None:
                    yield ServerSentEvent(comment="heartbeat")
                else:
                    yield _sse(event)

        return ClosingEventSourceResponse(events(), ping=kitchen_stream.HEARTBEAT_SECONDS,
                                   headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return router


class ClosingEventSourceResponse(EventSourceResponse):
    """Ends the chunked body properly when the server shuts down. On SIGTERM sse-starlette cancels the
    stream's task group without sending the last (empty) body message; uvicorn then drops the
    connection mid-body and a screen sees a broken stream instead of an end. (Starlette's
    BaseHTTPMiddleware used to send it for us; the chassis middlewares are plain ASGI now.)"""

    async def __call__(self, scope, receive, send) -> None:
        ended = False

        async def watching_send(message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                ended = True
            await send(message)

        await super().__call__(scope, receive, watching_send)
        if not ended:
            with contextlib.suppress(Exception):  # the client may have gone already: nothing to end
                await send({"type": "http.response.body", "body": b"", "more_body": False})


def kitchen_location(location_id: str):
    from chassis.validation import parse_uuid

    return parse_uuid(location_id, "location_id")


def _sse(event: kitchen_stream.StreamEvent) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(event.data, separators=(",", ":")), event=event.event,
                           id=None if event.id is None else str(event.id))
