import asyncio
import uuid

from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2 as pb
from auraconnect.pos_bridge.v1 import pos_bridge_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, handle_errors
from chassis.runtime import run_grpc, start
from sqlalchemy import select

from pos_bridge.adapters.orm import PosConnection
from pos_bridge.config import SERVICE, settings


class PosBridgeService(pb_grpc.PosBridgeServiceServicer):
    def __init__(self, sessions) -> None:
        self.sessions = sessions

    @handle_errors
    async def ListConnections(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "settings:read")
        try:
            location_id = uuid.UUID(request.location_id)
        except ValueError:
            raise InvalidInput("must be a UUID", field="location_id") from None

        def query():
            with self.sessions() as session:
                return session.scalars(select(PosConnection).where(
                    PosConnection.tenant_id == identity.tenant_uuid,
                    PosConnection.location_id == location_id,
                    PosConnection.deleted_at.is_(None))).all()

        rows = await asyncio.to_thread(query)
        return pb.ListConnectionsResponse(connections=[
            pb.PosConnection(connection_id=str(r.id), location_id=str(r.location_id),
                             provider=r.provider, active=r.active) for r in rows])


def register(sessions):
    def add(server) -> list[str]:
        pb_grpc.add_PosBridgeServiceServicer_to_server(PosBridgeService(sessions), server)
        return [pb.DESCRIPTOR.services_by_name["PosBridgeService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    engine = make_engine(config.database_url, config.db_schema)
    run_grpc(SERVICE, config, register(make_session_factory(engine)))
