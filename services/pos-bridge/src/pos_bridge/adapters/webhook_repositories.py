"""Queries of outbound webhooks: subscriptions, deliveries (the sender's durable queue) and attempts.
A repository never commits."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from pos_bridge.adapters.orm_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, subscription: WebhookSubscription) -> None:
        self.session.add(subscription)
        self.session.flush()

    def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None:
        row = self.session.get(WebhookSubscription, subscription_id)
        return row if row is not None and row.deleted_at is None else None

    def for_tenant(self, tenant_id: uuid.UUID) -> list[WebhookSubscription]:
        query = select(WebhookSubscription).where(WebhookSubscription.tenant_id == tenant_id,
                                                  WebhookSubscription.deleted_at.is_(None))
        return list(self.session.scalars(query.order_by(WebhookSubscription.created_at, WebhookSubscription.id)))


class WebhookDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_if_new(self, delivery: WebhookDelivery) -> bool:
        """Store the delivery unless (subscription, event id) is stored already; True when new (a
        redelivered Kafka event or a concurrent consumer never makes a second one)."""
        values = {c.name: getattr(delivery, c.key) for c in WebhookDelivery.__table__.columns
                  if getattr(delivery, c.key) is not None}
        values.setdefault("id", uuid.uuid4())
        inserted = self.session.execute(
            insert(WebhookDelivery).values(**values)
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
            .returning(WebhookDelivery.id)).first()
        return inserted is not None

    def get(self, delivery_id: uuid.UUID, *, lock: bool = False) -> WebhookDelivery | None:
        query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def due(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        """Pending deliveries whose time has come, oldest due first, locked for this transaction
        (SKIP LOCKED: two senders never take the same delivery)."""
        query = (select(WebhookDelivery)
                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                 .limit(limit).with_for_update(skip_locked=True))
        return list(self.session.scalars(query))

    def for_subscription(self, subscription_id: uuid.UUID, limit: int) -> list[WebhookDelivery]:
        """The newest `limit` deliveries of a subscription, newest first."""
        query = (select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                 .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit))
        return list(self.session.scalars(query))

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)
        self.session.flush()

    def attempts(self, delivery_ids: list[uuid.UUID]) -> list[WebhookAttempt]:
        if not delivery_ids:
            return []
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
        return list(self.session.scalars(query.order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)))

    def prune(self, finished_before: datetime, limit: int) -> int:
        """Delete up to `limit` deliveries finished (delivered or dead) before the given time, with their
        attempts; pending ones are never touched. Returns how many deliveries went."""
        ids = list(self.session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.status != "pending",
                                             WebhookDelivery.created_at < finished_before,
                                             (WebhookDelivery.delivered_at < finished_before)
                                             | (WebhookDelivery.dead_at < finished_before))
            .limit(limit).with_for_update(skip_locked=True)))
        if ids:
            self.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
            self.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
        return len(ids)
