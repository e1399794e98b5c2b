"""The kitchen change log for the live streams: asyncio, psycopg's async driver, LISTEN/NOTIFY.

One process (an HTTP worker) holds at most two PostgreSQL connections for all its streams, however
many screens are connected: a LISTEN connection whose notifications ("<location>:<sequence>", on
channel "<schema>_kitchen", sent by KitchenRepository.record_changes on commit) wake the waiting streams, and a reading connection.
Changes read are kept per location for a while, so four screens of one location cost one query per
change, not four. If the listener loses its connection it reconnects and wakes everyone (each
stream then reads what it missed: a notification lost in between costs latency, never a change),
and a stream that hears nothing re-reads after its heartbeat timeout anyway.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orders.adapters.kitchen_repository import NOTIFY_SUFFIX

log = logging.getLogger(__name__)

KEEP_PER_LOCATION = 2000  # changes kept in memory per location
PAGE = 500


@dataclass(frozen=True)
class Change:
    sequence: int
    tenant_id: uuid.UUID
    ticket_id: uuid.UUID
    station_id: uuid.UUID
    payload: dict
    at: datetime | None = None


@dataclass
class _Location:
    latest_heard: int = 0
    cached_from: int | None = None  # the cache holds every change in (cached_from, cached_to]
    cached_to: int = 0
    changes: list[Change] | None = None
    waiters: set[asyncio.Event] | None = None
    lock: asyncio.Lock | None = None


class PostgresKitchenFeed:
    def __init__(self, dsn: str, schema: str) -> None:
        self.dsn, self.schema = dsn, schema
        self._locations: dict[uuid.UUID, _Location] = {}
        self._reader = None
        self._reader_lock: asyncio.Lock | None = None
        self._listener_task: asyncio.Task | None = None
        self._listening: asyncio.Event | None = None

    # ---- the port
    async def changes(self, location_id: uuid.UUID, after: int) -> Sequence[Change]:
        await self._start()
        state = self._location(location_id)
        async with state.lock:
            if state.cached_from is not None and state.cached_from <= after and state.latest_heard <= state.cached_to:
                return [c for c in state.changes if c.sequence > after][:PAGE]
            fresh = await self._read(location_id, after)
            if fresh:
                self._remember(state, after, fresh)
            return fresh

    async def wait(self, location_id: uuid.UUID, after: int, timeout: float) -> bool:
        await self._start()
        state = self._location(location_id)
        if state.latest_heard > after:
            return True
        event = asyncio.Event()
        state.waiters.add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            state.waiters.discard(event)

    async def oldest(self, location_id: uuid.UUID) -> int | None:
        await self._start()
        rows = await self._query("SELECT min(sequence) FROM kitchen_changes WHERE location_id = %s", (location_id,))
        return rows[0][0] if rows else None

    async def close(self) -> None:
        if self._listener_task is not None:
            self._listener_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener_task
            self._listener_task = None
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader.close()
            self._reader = None

    # ---- internals
    def _location(self, location_id: uuid.UUID) -> _Location:
        state = self._locations.get(location_id)
        if state is None:
            state = self._locations[location_id] = _Location(changes=[], waiters=set(), lock=asyncio.Lock())
        return state

    def _remember(self, state: _Location, after: int, fresh: list[Change]) -> None:
        """Adds a contiguous read to the cache (or starts it over from this read)."""
        if state.cached_from is not None and state.cached_from <= after <= state.cached_to:
            state.changes.extend(c for c in fresh if c.sequence > state.cached_to)
        else:
            state.cached_from, state.changes = after, list(fresh)
        state.cached_to = state.changes[-1].sequence if state.changes else after
        if len(fresh) >= PAGE:  # a page, maybe not everything: the next ask reads the database again
            state.latest_heard = max(state.latest_heard, state.cached_to + 1)
        self._trim(state)

    @staticmethod
    def _trim(state: _Location) -> None:
        if len(state.changes) > KEEP_PER_LOCATION:
            drop = len(state.changes) - KEEP_PER_LOCATION
            state.cached_from = state.changes[drop - 1].sequence
            del state.changes[:drop]

    async def _read(self, location_id: uuid.UUID, after: int) -> list[Change]:
        rows = await self._query(
            "SELECT sequence, tenant_id, ticket_id, station_id, payload, at FROM kitchen_changes"
            " WHERE location_id = %s AND sequence > %s ORDER BY sequence LIMIT %s", (location_id, after, PAGE))
        return [Change(*row) for row in rows]

    async def _query(self, sql: str, params: tuple) -> list[tuple]:
        import psycopg

        async with self._reader_lock:
            for attempt in (1, 2):
                try:
                    if self._reader is None or self._reader.closed:
                        self._reader = await self._connect("kitchen-feed reader")
                    cursor = await self._reader.execute(sql, params)
                    return await cursor.fetchall()
                except psycopg.OperationalError:
                    self._reader = None
                    if attempt == 2:
                        raise
        return []

    async def _connect(self, name: str):
        import psycopg

        return await psycopg.AsyncConnection.connect(
            self.dsn, autocommit=True, application_name=name, connect_timeout=10,
            options=f"-csearch_path={self.schema}")

    async def _start(self) -> None:
        if self._listener_task is None:
            self._reader_lock = self._reader_lock or asyncio.Lock()
            self._listening = asyncio.Event()
            self._listener_task = asyncio.create_task(self._listen(), name="kitchen-feed listener")
        await self._listening.wait()

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                connection = await self._connect("kitchen-feed listener")
                async with connection:
                    await connection.execute(f'LISTEN "{self.schema}{NOTIFY_SUFFIX}"')
                    self._listening.set()
                    self._wake_all()  # whatever happened while we were away: everyone reads again
                    delay = 0.2
                    async for note in connection.notifies():
                        self._heard(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reconnect whatever went wrong, waiters poll meanwhile
                log.warning("kitchen feed: lost the LISTEN connection (%r); reconnecting in %.1fs", error, delay)
                self._listening.set()  # streams go on polling at their heartbeat until we are back
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _heard(self, payload: str) -> None:
        """'<location>:<last>', or '<location>:<last>:{"tenant_id", "at", "changes"}' (KitchenRepository)."""
        location, _, rest = payload.partition(":")
        sequence, _, carried = rest.partition(":")
        try:
            location_id, last = uuid.UUID(location), int(sequence)
        except ValueError:
            return
        state = self._locations.get(location_id)
        if state is None:
            return  # nobody streams this location in this process
        if carried and state.cached_from is not None:
            self._take_carried(state, carried)
        state.latest_heard = max(state.latest_heard, last)
        for event in state.waiters:
            event.set()

    def _take_carried(self, state: _Location, carried: str) -> None:
        """Changes that came with the notification extend the cache when they follow on from it (the
        streams then read no database); otherwise the next read fetches them."""
        try:
            note = json.loads(carried)
            tenant_id, at = uuid.UUID(note["tenant_id"]), datetime.fromisoformat(note["at"])
            changes = [Change(row["sequence"], tenant_id, uuid.UUID(row["ticket_id"]), uuid.UUID(row["station_id"]),
                              row["payload"], at) for row in note["changes"]]
        except (ValueError, KeyError, TypeError):
            return
        if changes and changes[0].sequence == state.cached_to + 1:
            state.changes.extend(changes)
            state.cached_to = changes[-1].sequence
            self._trim(state)

    def _wake_all(self) -> None:
        for state in self._locations.values():
            state.latest_heard = max(state.latest_heard, state.cached_to + 1)
            for event in state.waiters:
                event.set()
