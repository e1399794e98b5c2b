"""The live ticket stream of a screen: every change of its location's kitchen, in sequence order.

`open_stream` (sync, before the response starts: errors are plain 4xx) authorizes the caller,
resolves the station filter and decides where to start: after the client's Last-Event-ID when the
log still holds everything after it, else from a snapshot (`reset`: the screen clears its grid and
loads the tickets that follow). `follow` (async) then sends the changes and waits for more on the
feed; it holds no thread and no connection while waiting.

Sequence numbers are per location and commit in order (service_layer.kitchen), so "every change
above the last one I sent" is exactly the changes the screen has not seen: no gap, no duplicate.
A change of a ticket of another station is skipped (its number is not sent as an id: resuming
from an older id replays only changes this screen skips anyway).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from chassis.errors import InvalidInput
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory

from orders.service_layer import kitchen
from orders.service_layer.checks import CheckPeers
from orders.service_layer.ports import KitchenFeed

HEARTBEAT_SECONDS = 15.0
LAST_EVENT_ID = re.compile(r"^\s*(\d{1,18})\s*$")


@dataclass(frozen=True)
class StreamEvent:
    """`ticket` (data: the ticket), `reset` (clear the grid: a snapshot follows); None = heartbeat."""

    event: str
    data: dict | None = None
    id: int | None = None


@dataclass(frozen=True)
class StreamStart:
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    station_id: uuid.UUID | None  # None: every station's ticket (not expo's)
    expo_station_id: uuid.UUID | None
    after: int
    snapshot: list[StreamEvent]


def open_stream(uow: UnitOfWorkFactory, identity: Identity, location_id: str, *, peers: CheckPeers,
                station_id: str | None = None, expo: bool = False, last_event_id: str | None = None,
                oldest_kept: int | None = None) -> StreamStart:
    """Where the stream starts. `oldest_kept` is the lowest sequence the log still holds for the
    location (None: the log is empty)."""
    after = _last_event_id(last_event_id)
    board = kitchen.list_tickets(uow, identity, location_id, peers=peers, station_id=station_id, expo=expo)
    location, station = board.location_id, board.station_id
    expo_station = next((s.station_id for s in board.stations.values() if s.kind == "expo"), None)
    resumable = (after is not None and after <= board.sequence
                 and (oldest_kept is None and after == board.sequence
                      or oldest_kept is not None and after >= oldest_kept - 1))
    if resumable:
        return StreamStart(identity.tenant_uuid, location, station, expo_station, after, [])
    events = [StreamEvent("reset", {"sequence": board.sequence}, board.sequence)]
    events += [StreamEvent("ticket", data, board.sequence) for data in board.to_json()["tickets"]]
    return StreamStart(identity.tenant_uuid, location, station, expo_station, board.sequence, events)


async def follow(feed: KitchenFeed, start: StreamStart, *,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS) -> AsyncIterator[StreamEvent | None]:
    """The snapshot (if any), then every change after `start.after` for this screen, forever; None
    when nothing happened for `heartbeat_seconds` (send a heartbeat). Stops when the caller stops
    iterating (client gone, server shutting down)."""
    for event in start.snapshot:
        yield event
    after = start.after
    while True:
        changes = await feed.changes(start.location_id, after)
        for change in changes:
            after = change.sequence
            if change.tenant_id == start.tenant_id and _for_this_screen(start, change.station_id):
                yield StreamEvent("ticket", change.payload, change.sequence)
        if changes:
            continue  # maybe a page of many: read on before waiting
        if not await feed.wait(start.location_id, after, heartbeat_seconds):
            yield None


def _for_this_screen(start: StreamStart, station_id: uuid.UUID) -> bool:
    if start.station_id is not None:
        return station_id == start.station_id
    return station_id != start.expo_station_id


def _last_event_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    matched = LAST_EVENT_ID.match(value)
    if not matched:
        raise InvalidInput("must be a sequence number this stream sent", field="Last-Event-ID")
    return int(matched.group(1))
