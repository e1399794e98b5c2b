"""Kitchen display tables (schema orders), on the orders declarative base (migration 0005)."""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from orders.adapters.orm import Base


class KitchenStationRow(Base):
    __tablename__ = "kitchen_stations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean)
    warn_after_seconds: Mapped[int] = mapped_column(Integer)
    late_after_seconds: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class KitchenRouteRow(Base):
    __tablename__ = "kitchen_routes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kitchen_stations.id", ondelete="CASCADE"))
    match_kind: Mapped[str] = mapped_column(Text)
    match_value: Mapped[str] = mapped_column(Text)


class KitchenTicketRow(Base):
    """A ticket; its items and the order's header are JSON (always read and written whole)."""

    __tablename__ = "kitchen_tickets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    station_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    rush: Mapped[bool] = mapped_column(Boolean)
    header: Mapped[dict] = mapped_column(JSONB)
    items: Mapped[list] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    bumped_at: Mapped[datetime | None]


class KitchenLocationRow(Base):
    """Per location: the last change sequence (its row lock serializes the location's kitchen
    writes, so sequences commit in order), the load last published, the configuration's version."""

    __tablename__ = "kitchen_locations"

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    last_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    busy_level: Mapped[str] = mapped_column(Text, default="quiet")
    quote_step: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every change of the location's stations or routing rules: the consumer keeps them
    # in memory until it moves.
    config_version: Mapped[int] = mapped_column(BigInteger, default=0)


class KitchenChangeRow(Base):
    """One change of a ticket, numbered per location, with the ticket as the screens see it."""

    __tablename__ = "kitchen_changes"

    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    station_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    payload: Mapped[dict] = mapped_column(JSONB)
    at: Mapped[datetime]
