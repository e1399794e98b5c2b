"""pos-bridge tables (schema pos_bridge)."""
import uuid

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import Uuid
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()


class PosConnection(TimestampedMixin, Base):
    """A location's link to its POS (Square, Clover or Toast)."""

    __tablename__ = "pos_connections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    provider: Mapped[str]
    active: Mapped[bool] = mapped_column(default=True)
