"""What a listing of orders asks for (the repository turns it into a query)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class OrderFilter:
    """None = any. `after` is the keyset cursor (placed_at, id): newest first, strictly older."""

    location_ids: tuple[uuid.UUID, ...] | None = None
    status: str | None = None
    channel: str | None = None
    server_staff_id: uuid.UUID | None = None
    table: str | None = None
    business_date: date | None = None
    after: tuple[datetime, uuid.UUID] | None = None
