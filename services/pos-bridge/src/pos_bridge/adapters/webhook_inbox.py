"""The webhook inbox on PostgreSQL, async (psycopg 3 and its pool): the acknowledgement path's store.

Not the SQLAlchemy unit of work: the route runs on the event loop, and a session per webhook (identity
map, flush, a pooled connection checked out from a thread) cost most of the path's CPU (bench/
bench_pos_webhooks.py). Each worker process opens its own pool, on first use (after the fork).

A connection row's version is its `xmin`, the id of the transaction that wrote the row: any UPDATE
(key rotation, pause, delete, a credential refresh, a poll cursor) gives it a new one, whoever wrote
it, ORM or not. `store` is one statement, committed before it returns (autocommit): the insert only
happens if the row is still live at that version, so a webhook verified with a key rotated a moment
ago is refused (the receiver reads the row again) instead of stored."""
from __future__ import annotations

import json
import uuid
from datetime import datetime

import psycopg
from chassis.db import libpq_dsn
from chassis.errors import DependencyUnavailable
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pos_bridge.adapters.orm import PosConnection

# Each column with its type: a VALUES list takes no type from the INSERT it feeds.
TYPED = (("id", "uuid"), ("tenant_id", "uuid"), ("connection_id", "uuid"), ("provider", "text"),
         ("provider_event_id", "text"), ("event_type", "text"), ("kind", "text"), ("object_id", "text"),
         ("object_version", "bigint"), ("occurred_at", "timestamptz"), ("payload", "jsonb"), ("status", "text"),
         ("attempts", "integer"), ("next_attempt_at", "timestamptz"), ("received_at", "timestamptz"))
COLUMNS = tuple(name for name, _ in TYPED)
_ROW = "(" + ", ".join(f"COALESCE(%s::{kind}, now())" if kind == "timestamptz" and name != "occurred_at"
                       else f"%s::{kind}" for name, kind in TYPED) + ")"
_LIVE = "SELECT id FROM pos_connections WHERE id = %s AND deleted_at IS NULL AND xmin::text = %s"


def _store_sql(rows: int) -> str:
    # live: 1 row while the connection is at the version (0: stale or gone, nothing inserted); new: the inserted.
    # Built from the constants above only; every value is a parameter.
    return (f"WITH live AS ({_LIVE}), "  # noqa: S608
            f"new AS (INSERT INTO inbound_events ({', '.join(COLUMNS)}) "
            f"SELECT v.* FROM live, (VALUES {', '.join([_ROW] * rows)}) AS v({', '.join(COLUMNS)}) "
            f"ON CONFLICT (connection_id, provider_event_id) DO NOTHING RETURNING 1) "
            f"SELECT (SELECT count(*) FROM live), (SELECT count(*) FROM new)")


class PgWebhookInbox:
    def __init__(self, database_url: str, schema: str, *, max_connections: int = 16) -> None:
        conninfo = libpq_dsn(database_url)
        # A burst queues for a connection rather than opening one per request; past `timeout` the
        # webhook is answered 503 (Retry-After) and the POS retries it.
        self._pool = AsyncConnectionPool(conninfo, min_size=2, max_size=max_connections, open=False, timeout=10.0,
                                         kwargs={"autocommit": True, "options": f"-csearch_path={schema}"})
        self._opened = False

    async def open(self) -> None:
        """Start connecting (in the background: a database still starting fails nothing here)."""
        if not self._opened:
            await self._pool.open(wait=False)
            self._opened = True

    async def _connection(self):
        await self.open()
        return self._pool.connection()

    async def _run(self, sql: str, params: tuple) -> tuple | None:
        try:
            async with await self._connection() as connection:
                return await (await connection.execute(sql, params)).fetchone()
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise DependencyUnavailable(f"database: {error.__class__.__name__}") from None

    async def connection(self, connection_id: uuid.UUID) -> tuple[PosConnection, object] | None:
        found = await self._run(
            "SELECT xmin::text, tenant_id, location_id, provider, active, external_merchant_id, "
            "external_location_id, api_base_url, webhook_notification_url, webhook_signature_key_sealed "
            "FROM pos_connections WHERE id = %s AND deleted_at IS NULL", (connection_id,))
        if found is None:
            return None
        version, tenant, location, provider, active, merchant, external_location, base_url, url, key = found
        return PosConnection(id=connection_id, tenant_id=tenant, location_id=location, provider=provider,
                             active=active, external_merchant_id=merchant, external_location_id=external_location,
                             api_base_url=base_url, webhook_notification_url=url,
                             webhook_signature_key_sealed=key), version

    async def store(self, connection: PosConnection, version: object, events: list) -> int | None:
        """`events`: webhook_receive.NewEvent (an adapter does not import the service layer)."""
        params: list = [connection.id, version]
        for event in events:
            params += [json.dumps(event.payload) if column == "payload" else getattr(event, column)
                       for column in COLUMNS]
        if not events:   # nothing to store (a Clover batch for other merchants): still check the version
            found = await self._run(_LIVE, tuple(params))
            return None if found is None else 0
        live, stored = await self._run(_store_sql(len(events)), tuple(params))
        return stored if live else None

    async def record_verification(self, connection_id: uuid.UUID, code: str, at: datetime) -> None:
        await self._run("UPDATE pos_connections SET webhook_verification_code = %s, webhook_verification_at = %s, "
                        "updated_at = %s WHERE id = %s AND deleted_at IS NULL RETURNING id",
                        (code, at, at, connection_id))

    async def close(self) -> None:
        if self._opened:
            await self._pool.close()
