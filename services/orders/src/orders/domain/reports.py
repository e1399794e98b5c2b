"""Sales figures as reports present them (computed by the repository, filtered by the service layer)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class LocationSales:
    """One location's orders placed in a period, cancelled ones left out."""

    location_id: uuid.UUID
    orders: int
    subtotal_cents: int
    tax_cents: int
    tip_cents: int
    total_cents: int
