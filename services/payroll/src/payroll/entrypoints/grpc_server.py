"""PayrollService over gRPC for peers."""
from __future__ import annotations

import asyncio

from auraconnect.payroll.v1 import payroll_service_pb2 as pb
from auraconnect.payroll.v1 import payroll_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.grpc_server import handle_errors, identity_of
from chassis.runtime import run_grpc, start
from google.protobuf.timestamp_pb2 import Timestamp

from payroll.config import SERVICE, settings
from payroll.service_layer.tips import list_tips


def _timestamp(value) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


class PayrollService(pb_grpc.PayrollServiceServicer):
    def __init__(self, sessions) -> None:
        self.sessions = sessions

    @handle_errors
    async def ListTipRecords(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)

        def load():
            with self.sessions() as session:
                return list_tips(session, identity, request.staff_id)

        rows = await asyncio.to_thread(load)
        return pb.ListTipRecordsResponse(tip_records=[pb.TipRecord(
            tip_record_id=str(r.id), staff_id=str(r.staff_id), order_id=str(r.order_id or ""),
            tip_cents=r.tip_cents, earned_at=_timestamp(r.earned_at)) for r in rows])


def register(sessions):
    def add(server) -> list[str]:
        pb_grpc.add_PayrollServiceServicer_to_server(PayrollService(sessions), server)
        return [pb.DESCRIPTOR.services_by_name["PayrollService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(make_session_factory(make_engine(config.database_url, config.db_schema))))
