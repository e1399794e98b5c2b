"""A connection's credentials kept fresh, one refresh per connection at a time.

Clover refresh tokens are single use: two workers refreshing together would spend the same token
and one would end with a dead pair. So a refresh happens in its own transaction holding the
connection's row lock; whoever waits on the lock finds the credentials already renewed (they are
read again under the lock) and does not refresh. The new credentials are sealed and committed
before the new access token is used. Providers whose credentials do not expire (Square personal
tokens, Toast's client id and secret) never get here."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from chassis.uow import UnitOfWorkFactory

from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.service_layer.connections import open_connection, store_credentials
from pos_bridge.service_layer.ports import PosProvider, ProviderError, Sealer

T = TypeVar("T")


def fresh_connection(uow: UnitOfWorkFactory, sealer: Sealer, adapter: PosProvider, connection_id: uuid.UUID,
                     now: datetime, refused_token: str | None = None) -> ProviderConnection | None:
    """The connection with credentials good to use, refreshed first when due or when the POS just
    refused `refused_token` (and nobody has replaced it meanwhile). None when the connection is gone.
    The common case (nothing due) reads without a lock; only a refresh takes the row lock."""
    with uow() as work:
        row = work.connections.get(connection_id)
        if row is None:
            return None
        connection = open_connection(row, sealer)
    if not _needs_refresh(adapter, connection, now, refused_token):
        return connection
    with uow() as work:
        row = work.connections.get(connection_id, lock=True)   # one refresh per connection at a time
        if row is None:
            return None
        connection = open_connection(row, sealer)   # read again under the lock: another may have renewed it
        if not _needs_refresh(adapter, connection, now, refused_token):
            return connection
        credentials = adapter.refresh_credentials(connection)
        if credentials == connection.credentials:
            return connection
        store_credentials(row, sealer, credentials)
        work.commit()   # stored (sealed) before the new token is used
        return replace(connection, credentials=credentials)


def _needs_refresh(adapter: PosProvider, connection: ProviderConnection, now: datetime,
                   refused_token: str | None) -> bool:
    refused = refused_token is not None and connection.credentials.get("access_token") == refused_token
    return refused or adapter.credentials_due(connection, now)


def with_credentials(uow: UnitOfWorkFactory, sealer: Sealer, adapter: PosProvider, connection_id: uuid.UUID,
                     now: datetime, act: Callable[[ProviderConnection], T]) -> T:
    """`act(connection)` with fresh credentials; when the POS refuses them (AUTH) and a refresh gives
    new ones, once more with those. Raises ProviderError (AUTH when the connection is gone)."""
    connection = fresh_connection(uow, sealer, adapter, connection_id, now)
    if connection is None:
        raise ProviderError("AUTH", "connection deleted")
    try:
        return act(connection)
    except ProviderError as error:
        if error.kind != "AUTH" or not connection.credentials.get("refresh_token"):
            raise
        renewed = fresh_connection(uow, sealer, adapter, connection_id, now,
                                   refused_token=connection.credentials.get("access_token"))
        if renewed is None or renewed.credentials == connection.credentials:
            raise
    return act(renewed)
