"""Outbound webhook tables (schema pos_bridge): integrators' subscriptions, one delivery per
(subscription, public event) and every attempt of it. Same metadata as adapters/orm.py."""
import uuid
from datetime import datetime

from chassis.db import TimestampedMixin, utcnow
from sqlalchemy import ForeignKey, LargeBinary, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pos_bridge.adapters.orm import Base, Json


class WebhookSubscription(TimestampedMixin, Base):
    """A tenant's URL and the public event types it receives. The signing secret is sealed (bound to
    the row and column); during a rotation's overlap the previous one stays valid until its expiry."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    url: Mapped[str]
    event_types: Mapped[list] = mapped_column(Json)
    description: Mapped[str] = mapped_column(default="")
    active: Mapped[bool] = mapped_column(default=True)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookDelivery(Base):
    """One public event to one subscription: the CloudEvent as sent, its state and when it is tried
    next. pending -> delivered | dead (retry window over; a replay makes it pending again)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_id: Mapped[str]                      # the CloudEvent's id (the same for every retry)
    event_type: Mapped[str]                    # public type, e.g. orders.order.placed
    event: Mapped[dict] = mapped_column(Json)  # the CloudEvent document (the body is its JSON)
    status: Mapped[str] = mapped_column(default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    retry_window_start: Mapped[datetime] = mapped_column(default=utcnow)   # + 3 days = dead-lettered
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    dead_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookAttempt(Base):
    """One POST of a delivery: what came back (status code or error) and how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    number: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(default=None)
    latency_ms: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(default=None)
