"""REST for reconciliation under /api/orders/v1/reconciliation/{location_id}/{business_date}:
import a settlement file (text/csv body, or multipart with a `file` part), read the day's report as
JSON or CSV (`?format=csv` or `Accept: text/csv`). Columns: see orders.domain.reconciliation."""
from __future__ import annotations

import re
from typing import Literal

from chassis.errors import InvalidInput
from chassis.http import require, require_any
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Request, Response

from orders.bootstrap import OrdersContainer
from orders.domain.reconciliation import MAX_FILE_BYTES, MAX_TOLERANCE
from orders.service_layer import reconciliation
from orders.service_layer.payment_views import report_to_csv, report_to_json, settlement_to_json

PREFIX = "/api/orders/v1/reconciliation/{location_id}/{business_date}"
BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


def reconciliation_router(container: OrdersContainer) -> APIRouter:
    uow = container.uow
    router = APIRouter(tags=["reconciliation"])

    @router.post(PREFIX + "/settlements", status_code=201)
    async def import_settlement(location_id: str, business_date: str, request: Request, response: Response,
                                source: Literal["processor", "pos"] = Query("processor"),
                                content_type: str = Header("text/csv", alias="Content-Type", max_length=300),
                                identity: Identity = Depends(require("orders:reconcile"))) -> dict:
        """201 for a new file; 200 with `created: false` for a file imported before (nothing changes)."""
        raw = await request.body()
        content = _file(raw, content_type)
        imported = reconciliation.import_settlement(uow, identity, location_id, business_date, content,
                                                    peers=container.peers(), source=source)
        response.status_code = 201 if imported.created else 200
        return {"created": imported.created, "settlement": settlement_to_json(imported.settlement)}

    @router.get(PREFIX)
    def report(location_id: str, business_date: str,
               tolerance_cents: int = Query(0, ge=0, le=MAX_TOLERANCE,
                                            description="a difference up to this counts as matched"),
               format: Literal["json", "csv"] | None = Query(None),
               accept: str = Header("", max_length=300),
               identity: Identity = Depends(require_any("orders:reconcile", "reports:read"))):
        """Recorded payments against the latest settlement: matched, amount_mismatch,
        missing_in_settlement, missing_in_records; each row says why."""
        result = reconciliation.day_report(uow, identity, location_id, business_date, tolerance_cents=tolerance_cents)
        if format == "csv" or (format is None and "text/csv" in accept):
            name = f"reconciliation-{result.location_id}-{result.business_date.isoformat()}.csv"
            return Response(report_to_csv(result), media_type="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return report_to_json(result)

    return router


def _file(raw: bytes, content_type: str) -> bytes:
    """The CSV: the body itself, or the `file` part of a multipart/form-data body."""
    if len(raw) > MAX_FILE_BYTES + 64 * 1024:
        raise InvalidInput(f"at most {MAX_FILE_BYTES} bytes", field="file")
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "text/plain", "application/csv", "application/octet-stream", ""):
        return raw
    if kind != "multipart/form-data":
        raise InvalidInput("send text/csv, or multipart/form-data with a file part", field="Content-Type")
    found = BOUNDARY.search(content_type)
    if not found:
        raise InvalidInput("multipart without a boundary", field="Content-Type")
    for part in raw.split(b"--" + found.group(1).encode())[1:]:
        head, _, body = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return body[:-2] if body.endswith(b"\r\n") else body
    raise InvalidInput("multipart without a file part", field="file")
