"""Tables of the two-way sync (migration 0005): the outbound queue, each connection's sync state
(circuit breaker, last success), the menu links, the conflict audit trail and the review queue."""
import uuid
from datetime import datetime

from chassis.db import utcnow
from sqlalchemy import BigInteger, Identity, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pos_bridge.adapters.orm import Base, Json


class OutboundChange(Base):
    """One change to push to a POS, written in the transaction that learnt of it (durable across
    restarts) and sent by the sender loop. `seq` orders the changes of one object: only the oldest
    queued change of an object is ever sent, so they reach the POS in order."""

    __tablename__ = "outbound_changes"
    __table_args__ = (UniqueConstraint("connection_id", "source_event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    object_kind: Mapped[str]             # order | menu_item
    object_ref: Mapped[str]              # the POS's id of the order / catalog item
    aura_ref: Mapped[str | None] = mapped_column(default=None)   # our order / menu item id
    change_type: Mapped[str]             # order_status | menu_availability | menu_price
    payload: Mapped[dict] = mapped_column(Json)
    source_event_id: Mapped[str]         # the Kafka event it came from (a redelivery queues nothing)
    status: Mapped[str] = mapped_column(default="queued")   # queued | sent | failed | not_supported | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class ConnectionSync(Base):
    """A connection's sync state: the circuit breaker (shared by every sender replica, shown by the
    sync status API) and when the sync last succeeded each way."""

    __tablename__ = "connection_sync"

    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    circuit_state: Mapped[str] = mapped_column(default="closed")   # closed | open | half_open
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    circuit_openings: Mapped[int] = mapped_column(default=0)
    circuit_retry_at: Mapped[datetime | None] = mapped_column(default=None)
    last_outbound_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_outbound_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    last_outbound_error: Mapped[str | None] = mapped_column(default=None)
    last_menu_pull_at: Mapped[datetime | None] = mapped_column(default=None)
    last_menu_error: Mapped[str | None] = mapped_column(default=None)
    last_menu_unlinked: Mapped[int | None] = mapped_column(default=None)   # POS items with no item of ours
    conflict_policy: Mapped[dict | None] = mapped_column(Json, default=None)   # overrides of the default
    # Menu pulls create our item for a POS item with none (False: listed as unlinked; None: the default, True)
    menu_create_items: Mapped[bool | None] = mapped_column(default=None)


class MenuLink(Base):
    """A POS catalog item linked to an AuraConnect menu item (found by name on the first pull)."""

    __tablename__ = "menu_links"
    __table_args__ = (UniqueConstraint("connection_id", "pos_item_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    pos_item_id: Mapped[str]
    pos_variation_id: Mapped[str | None] = mapped_column(default=None)
    aura_item_id: Mapped[str] = mapped_column(index=True)
    pos_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    pos_values: Mapped[dict] = mapped_column(Json, default=dict)   # what the POS said at the last pull
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncAudit(Base):
    """Every overwrite the sync made (which field, from what to what, by which rule)."""

    __tablename__ = "sync_audit"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    object_kind: Mapped[str]          # menu_item | order
    object_ref: Mapped[str]           # the POS's id
    aura_ref: Mapped[str | None] = mapped_column(default=None)
    field: Mapped[str]
    old_value: Mapped[dict | None] = mapped_column(Json, default=None)   # {"value": ...}
    new_value: Mapped[dict | None] = mapped_column(Json, default=None)
    winner: Mapped[str]               # pos | aura | reviewer
    rule: Mapped[str]                 # pos | aura | lww | review | manual
    reason: Mapped[str]
    applied: Mapped[bool] = mapped_column(default=False)   # written to orders (False: no write path yet)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncReview(Base):
    """A field the policy could not decide, waiting for a person (POST .../reviews/{id}/resolve)."""

    __tablename__ = "sync_reviews"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    connection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    object_kind: Mapped[str]
    object_ref: Mapped[str]
    aura_ref: Mapped[str | None] = mapped_column(default=None)
    field: Mapped[str]
    pos_value: Mapped[dict | None] = mapped_column(Json, default=None)    # {"value": ...}
    aura_value: Mapped[dict | None] = mapped_column(Json, default=None)
    reason: Mapped[str]
    status: Mapped[str] = mapped_column(default="open")   # open | resolved
    choice: Mapped[str | None] = mapped_column(default=None)   # pos | aura
    resolved_by: Mapped[str | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
