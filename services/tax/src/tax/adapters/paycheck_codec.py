"""PaycheckFinalized (protobuf, from the event or the RecordPaycheck RPC) -> the ledger's JSON shape."""
from __future__ import annotations

from typing import Any

from auraconnect.payroll.v1 import events_pb2
from chassis.timestamps import from_timestamp
from google.protobuf.json_format import MessageToDict

WORKER_TYPES = {events_pb2.WORKER_TYPE_EMPLOYEE: "employee", events_pb2.WORKER_TYPE_CONTRACTOR: "contractor"}


def paycheck_to_dict(message: events_pb2.PaycheckFinalized) -> dict[str, Any]:
    """Unset proto3 fields become missing keys, so validation reports them as required."""
    d = MessageToDict(message, preserving_proto_field_name=True, use_integers_for_enums=True)
    worker_type = d.pop("worker_type", 0)
    if worker_type in WORKER_TYPES:
        d["worker_type"] = WORKER_TYPES[worker_type]
    if message.HasField("finalized_at"):  # aware UTC, as every time here (not the JSON mapping's string)
        d["finalized_at"] = from_timestamp(message.finalized_at).isoformat()
    return d
