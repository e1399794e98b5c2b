"""PosBridgeService over gRPC for peers."""
from __future__ import annotations

import asyncio

from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2 as pb
from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2_grpc as pb_grpc
from chassis.grpc_server import handle_errors, identity_of
from chassis.runtime import run_grpc, start

from pos_bridge.bootstrap import PosBridgeContainer, bootstrap
from pos_bridge.config import SERVICE, settings
from pos_bridge.service_layer.connections import list_connections
from pos_bridge.service_layer.views import Connection


def connection_message(connection: Connection) -> pb.PosConnection:
    return pb.PosConnection(connection_id=str(connection.connection_id), location_id=str(connection.location_id),
                            provider=connection.provider, active=connection.active)


class PosBridgeService(pb_grpc.PosBridgeServiceServicer):
    def __init__(self, container: PosBridgeContainer) -> None:
        self.container = container

    @handle_errors
    async def ListConnections(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)
        # location_id is required here: "" is refused naming the field. The use case blocks on the
        # database: run it off the event loop.
        found = await asyncio.to_thread(list_connections, self.container.uow, identity, request.location_id)
        return pb.ListConnectionsResponse(connections=[connection_message(c) for c in found])


def register(container: PosBridgeContainer):
    def add(server) -> list[str]:
        pb_grpc.add_PosBridgeServiceServicer_to_server(PosBridgeService(container), server)
        return [pb.DESCRIPTOR.services_by_name["PosBridgeService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
