"""Queries of the two-way sync's tables (adapters/orm_sync.py), inside a unit of work's session."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from pos_bridge.adapters.orm_sync import ConnectionSync, MenuLink, OutboundChange, SyncAudit, SyncReview


class OutboundChangeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_if_new(self, change: OutboundChange) -> bool:
        """Queue the change unless its (connection, source event) is queued already; True when new."""
        values = {c.name: getattr(change, c.key) for c in OutboundChange.__table__.columns
                  if c.name != "seq" and getattr(change, c.key) is not None}
        values.setdefault("id", uuid.uuid4())
        inserted = self.session.execute(
            insert(OutboundChange).values(**values)
            .on_conflict_do_nothing(index_elements=["connection_id", "source_event_id"])
            .returning(OutboundChange.id)).first()
        return inserted is not None

    def due_heads(self, now: datetime, limit: int) -> list[OutboundChange]:
        """The oldest queued change of each object, when it is due, locked (SKIP LOCKED). A later
        change of the same object is never returned while an earlier one waits: per object, in order."""
        earlier = aliased(OutboundChange)
        blocked = exists().where(and_(earlier.connection_id == OutboundChange.connection_id,
                                      earlier.object_ref == OutboundChange.object_ref,
                                      earlier.status == "queued", earlier.seq < OutboundChange.seq))
        query = (select(OutboundChange)
                 .where(OutboundChange.status == "queued", OutboundChange.next_attempt_at <= now, ~blocked)
                 .order_by(OutboundChange.seq).limit(limit).with_for_update(skip_locked=True))
        return list(self.session.scalars(query))

    def for_connection(self, connection_id: uuid.UUID, limit: int = 200) -> list[OutboundChange]:
        query = (select(OutboundChange).where(OutboundChange.connection_id == connection_id)
                 .order_by(OutboundChange.seq.desc()).limit(limit))
        return list(self.session.scalars(query))

    def counts(self, connection_id: uuid.UUID) -> dict[str, int]:
        query = (select(OutboundChange.status, func.count()).where(OutboundChange.connection_id == connection_id)
                 .group_by(OutboundChange.status))
        return {status: count for status, count in self.session.execute(query)}

    def oldest_queued_at(self, connection_id: uuid.UUID) -> datetime | None:
        return self.session.scalar(select(func.min(OutboundChange.created_at))
                                   .where(OutboundChange.connection_id == connection_id,
                                          OutboundChange.status == "queued"))


class ConnectionSyncRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, connection_id: uuid.UUID, *, lock: bool = False) -> ConnectionSync | None:
        if not lock:
            return self.session.get(ConnectionSync, connection_id)
        self.session.execute(insert(ConnectionSync).values(connection_id=connection_id)
                             .on_conflict_do_nothing(index_elements=["connection_id"]))
        return self.session.scalars(select(ConnectionSync).where(ConnectionSync.connection_id == connection_id)
                                    .with_for_update().execution_options(populate_existing=True)).first()


    def due_menu_pulls(self, pulled_before: datetime, limit: int) -> list[uuid.UUID]:
        """Active connections whose menu was never pulled or last pulled before `pulled_before`."""
        from pos_bridge.adapters.orm import PosConnection

        query = (select(PosConnection.id).outerjoin(ConnectionSync, ConnectionSync.connection_id == PosConnection.id)
                 .where(PosConnection.active.is_(True), PosConnection.deleted_at.is_(None),
                        (ConnectionSync.last_menu_pull_at.is_(None))
                        | (ConnectionSync.last_menu_pull_at < pulled_before))
                 .order_by(ConnectionSync.last_menu_pull_at.nulls_first(), PosConnection.id).limit(limit))
        return list(self.session.scalars(query))


class MenuLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, connection_id: uuid.UUID, pos_item_id: str) -> MenuLink | None:
        return self.session.scalars(select(MenuLink).where(MenuLink.connection_id == connection_id,
                                                           MenuLink.pos_item_id == pos_item_id)).first()

    def for_aura_item(self, tenant_id: uuid.UUID, aura_item_id: str) -> list[MenuLink]:
        return list(self.session.scalars(select(MenuLink).where(MenuLink.tenant_id == tenant_id,
                                                                MenuLink.aura_item_id == aura_item_id)))

    def add(self, link: MenuLink) -> None:
        self.session.add(link)
        self.session.flush()


class SyncAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: SyncAudit) -> None:
        self.session.add(entry)
        self.session.flush()

    def for_connection(self, connection_id: uuid.UUID, limit: int = 500) -> list[SyncAudit]:
        return list(self.session.scalars(select(SyncAudit).where(SyncAudit.connection_id == connection_id)
                                         .order_by(SyncAudit.at.desc(), SyncAudit.id).limit(limit)))


class SyncReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, review: SyncReview) -> None:
        self.session.add(review)
        self.session.flush()

    def get(self, review_id: uuid.UUID, *, lock: bool = False) -> SyncReview | None:
        query = select(SyncReview).where(SyncReview.id == review_id)
        return self.session.scalars(query.with_for_update() if lock else query).first()

    def open_for(self, connection_id: uuid.UUID, object_ref: str, field: str) -> SyncReview | None:
        return self.session.scalars(select(SyncReview).where(
            SyncReview.connection_id == connection_id, SyncReview.object_ref == object_ref,
            SyncReview.field == field, SyncReview.status == "open")).first()

    def for_connection(self, connection_id: uuid.UUID, status: str | None = None) -> list[SyncReview]:
        query = select(SyncReview).where(SyncReview.connection_id == connection_id)
        if status:
            query = query.where(SyncReview.status == status)
        return list(self.session.scalars(query.order_by(SyncReview.created_at, SyncReview.id)))


class PosOrderLinkRepository:
    """The POS order behind one of our orders (the outbound sync's question: is it a POS order?)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_aura_order(self, aura_order_id: str):
        from pos_bridge.adapters.orm import PosOrder

        return self.session.scalars(select(PosOrder).where(PosOrder.aura_order_id == aura_order_id)).first()
