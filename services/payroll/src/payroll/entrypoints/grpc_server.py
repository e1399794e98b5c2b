"""PayrollService over gRPC for peers."""
from __future__ import annotations

import asyncio

from auraconnect.payroll.v1 import payroll_service_pb2 as pb
from auraconnect.payroll.v1 import payroll_service_pb2_grpc as pb_grpc
from chassis.grpc_server import handle_errors, identity_of
from chassis.runtime import run_grpc, start
from chassis.timestamps import to_timestamp

from payroll.bootstrap import PayrollContainer, bootstrap
from payroll.config import SERVICE, settings
from payroll.service_layer.tips import list_tips
from payroll.service_layer.views import Tip


def tip_message(tip: Tip) -> pb.TipRecord:
    return pb.TipRecord(tip_record_id=str(tip.tip_record_id), staff_id=str(tip.staff_id),
                        order_id=str(tip.order_id or ""), tip_cents=tip.tip_cents,
                        earned_at=to_timestamp(tip.earned_at))


class PayrollService(pb_grpc.PayrollServiceServicer):
    def __init__(self, container: PayrollContainer) -> None:
        self.container = container

    @handle_errors
    async def ListTipRecords(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)
        # The use case blocks on the database: run it off the event loop.
        tips = await asyncio.to_thread(list_tips, self.container.uow, identity, request.staff_id)
        return pb.ListTipRecordsResponse(tip_records=[tip_message(t) for t in tips])


def register(container: PayrollContainer):
    def add(server) -> list[str]:
        pb_grpc.add_PayrollServiceServicer_to_server(PayrollService(container), server)
        return [pb.DESCRIPTOR.services_by_name["PayrollService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
