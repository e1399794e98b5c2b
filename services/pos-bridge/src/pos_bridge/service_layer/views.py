"""Use-case results as the JSON the REST API answers with (one mapping per aggregate)."""
from __future__ import annotations

from pos_bridge.adapters.orm import PosConnection


def connection_json(connection: PosConnection) -> dict:
    return {"connection_id": str(connection.id), "location_id": str(connection.location_id),
            "provider": connection.provider, "active": connection.active}
