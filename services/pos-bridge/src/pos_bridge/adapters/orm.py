"""pos-bridge tables (schema pos_bridge)."""
import uuid
from datetime import datetime

from chassis.db import TimestampedMixin, make_base, utcnow
from sqlalchemy import JSON, BigInteger, LargeBinary, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()
Json = JSON().with_variant(JSONB(), "postgresql")


class PosConnection(TimestampedMixin, Base):
    """A location's link to its POS (Square, Clover or Toast) account. Secrets are sealed
    (AES-256-GCM, bound to this row and column) and never leave through the API."""

    __tablename__ = "pos_connections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    provider: Mapped[str]
    active: Mapped[bool] = mapped_column(default=True)
    external_merchant_id: Mapped[str | None] = mapped_column(default=None)
    external_location_id: Mapped[str | None] = mapped_column(default=None)
    api_base_url: Mapped[str | None] = mapped_column(default=None)
    credentials_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    webhook_notification_url: Mapped[str | None] = mapped_column(default=None)
    webhook_signature_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Clover's one-time endpoint verification: the code it POSTed, shown to the admin to paste back.
    webhook_verification_code: Mapped[str | None] = mapped_column(default=None)
    webhook_verification_at: Mapped[datetime | None] = mapped_column(default=None)
    # Polling reconciliation (Clover, Toast): where the next poll starts (the provider's cursor) and when.
    poll_cursor: Mapped[str | None] = mapped_column(default=None)
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_poll_error: Mapped[str | None] = mapped_column(default=None)


class InboundEvent(Base):
    """A verified POS notification, stored before it is acknowledged; processed later by the worker.
    One row per (connection, provider event id): a redelivery finds it and stores nothing."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("connection_id", "provider_event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    provider: Mapped[str]
    provider_event_id: Mapped[str]
    event_type: Mapped[str]
    kind: Mapped[str]                                   # ORDER | PAYMENT | MENU | OTHER
    object_id: Mapped[str | None] = mapped_column(default=None)
    object_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    occurred_at: Mapped[datetime | None] = mapped_column(default=None)
    payload: Mapped[dict] = mapped_column(Json)
    # received -> fetched (order stored) | created (handed to orders) | stale (older than held)
    #          | ignored (a kind not processed yet) | failed (gave up; last_error says why)
    status: Mapped[str] = mapped_column(default="received")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class PosOrder(TimestampedMixin, Base):
    """The newest version of a POS order we have fetched, in the common model (JSON)."""

    __tablename__ = "pos_orders"
    __table_args__ = (UniqueConstraint("connection_id", "provider_order_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    provider: Mapped[str]
    provider_order_id: Mapped[str]
    version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    provider_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    state: Mapped[str]
    order: Mapped[dict] = mapped_column(Json)
    aura_order_id: Mapped[str | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(default="fetched")   # fetched | created (in the orders service)


# The two-way sync's tables live in their own module; imported here so that the metadata (alembic's
# env, the tests' create_all) and the service layer (which may import adapters.orm only) see them.
from pos_bridge.adapters.orm_sync import (  # noqa: E402, F401 - re-exported
    ConnectionSync,
    MenuLink,
    OutboundChange,
    SyncAudit,
    SyncReview,
)
