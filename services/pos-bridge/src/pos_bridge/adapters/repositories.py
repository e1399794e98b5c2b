"""Queries of pos-bridge's aggregates, one repository each, working inside a unit of work's session.

Reads leave soft-deleted rows out; a repository never commits."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from pos_bridge.adapters.orm import InboundEvent, PosConnection, PosOrder


class ConnectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, connection: PosConnection) -> None:
        self.session.add(connection)
        self.session.flush()

    def get(self, connection_id: uuid.UUID, *, lock: bool = False) -> PosConnection | None:
        """A live connection by id, whatever its tenant (the webhook path knows no tenant yet).
        `lock`: FOR NO KEY UPDATE until the transaction ends (one credential refresh at a time). Not
        FOR UPDATE: that would wait on the KEY SHARE lock an insert of an event or order referencing
        the connection holds, even in another transaction of this same worker."""
        if not lock:
            row = self.session.get(PosConnection, connection_id)
        else:
            row = self.session.scalars(select(PosConnection).where(PosConnection.id == connection_id)
                                       .with_for_update(key_share=True)
                                       .execution_options(populate_existing=True)).first()
        return row if row is not None and row.deleted_at is None else None

    def claim_poll(self, providers: tuple[str, ...], now: datetime, lease_until: datetime) -> PosConnection | None:
        """One active connection of `providers` whose poll is due, its next poll moved to `lease_until`
        (SKIP LOCKED: two workers never poll the same connection; a crashed poll is retried after the lease)."""
        query = (select(PosConnection)
                 .where(PosConnection.provider.in_(providers), PosConnection.active.is_(True),
                        PosConnection.deleted_at.is_(None),
                        (PosConnection.next_poll_at.is_(None)) | (PosConnection.next_poll_at <= now))
                 .order_by(PosConnection.next_poll_at.nulls_first(), PosConnection.id)
                 .limit(1).with_for_update(skip_locked=True, key_share=True))
        row = self.session.scalars(query).first()
        if row is not None:
            row.next_poll_at = lease_until
            self.session.flush()
        return row

    def predecessors(self, connection: PosConnection) -> list[uuid.UUID]:
        """Deleted connections of the same POS account and location as `connection` (the same tenant,
        location, provider, merchant and POS location: an admin connected it again), newest deletion first."""
        query = (select(PosConnection.id)
                 .where(PosConnection.tenant_id == connection.tenant_id,
                        PosConnection.location_id == connection.location_id,
                        PosConnection.provider == connection.provider,
                        PosConnection.external_merchant_id == connection.external_merchant_id,
                        PosConnection.external_location_id == connection.external_location_id,
                        PosConnection.deleted_at.is_not(None), PosConnection.id != connection.id)
                 .order_by(PosConnection.deleted_at.desc(), PosConnection.id))
        return list(self.session.scalars(query))

    def for_tenant(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None) -> list[PosConnection]:
        """The tenant's live connections, of one location when `location_id` is given."""
        query = select(PosConnection).where(PosConnection.tenant_id == tenant_id, PosConnection.deleted_at.is_(None))
        if location_id is not None:
            query = query.where(PosConnection.location_id == location_id)
        return list(self.session.scalars(query.order_by(PosConnection.created_at, PosConnection.id)))


class InboundEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_if_new(self, event: InboundEvent) -> bool:
        """Store the event unless its (connection, provider event id) is already stored; True when new.
        ON CONFLICT DO NOTHING: concurrent duplicate deliveries never fail, exactly one stores."""
        values = {c.name: getattr(event, c.key) for c in InboundEvent.__table__.columns
                  if getattr(event, c.key) is not None}
        values.setdefault("id", uuid.uuid4())
        inserted = self.session.execute(
            insert(InboundEvent).values(**values)
            .on_conflict_do_nothing(index_elements=["connection_id", "provider_event_id"])
            .returning(InboundEvent.id)).first()
        return inserted is not None

    def due(self, now: datetime, limit: int) -> list[InboundEvent]:
        """Events waiting to be processed, oldest first, locked for this transaction (SKIP LOCKED: two
        workers never take the same event)."""
        query = (select(InboundEvent).where(InboundEvent.status == "received", InboundEvent.next_attempt_at <= now)
                 .order_by(InboundEvent.received_at, InboundEvent.id).limit(limit).with_for_update(skip_locked=True))
        return list(self.session.scalars(query))

    def for_connection(self, connection_id: uuid.UUID) -> list[InboundEvent]:
        query = select(InboundEvent).where(InboundEvent.connection_id == connection_id)
        return list(self.session.scalars(query.order_by(InboundEvent.received_at, InboundEvent.id)))


class PosOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, connection_id: uuid.UUID, provider_order_id: str, *, lock: bool = False) -> PosOrder | None:
        query = select(PosOrder).where(PosOrder.connection_id == connection_id,
                                       PosOrder.provider_order_id == provider_order_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def add(self, order: PosOrder) -> None:
        self.session.add(order)
        self.session.flush()

    def for_connection(self, connection_id: uuid.UUID) -> list[PosOrder]:
        query = select(PosOrder).where(PosOrder.connection_id == connection_id)
        return list(self.session.scalars(query.order_by(PosOrder.created_at, PosOrder.id)))
