"""AuthService for peers: users, locations and permission checks, always within the caller's tenant."""
from __future__ import annotations

import asyncio

from auraconnect.auth.v1 import auth_service_pb2 as pb
from auraconnect.auth.v1 import auth_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, authorized_own, handle_errors, identity_of
from chassis.rbac import is_permission
from chassis.runtime import run_grpc, start

from auth.adapters.orm import Location, User
from auth.config import SERVICE, settings
from auth.domain.validation import parse_uuid
from auth.service_layer import tenants, users
from auth.service_layer.directory import permissions_of


def user_proto(user: User, permissions: frozenset[str]) -> pb.User:
    return pb.User(user_id=str(user.id), tenant_id=str(user.tenant_id), email=user.email,
                   display_name=user.display_name, roles=list(user.roles),
                   location_ids=[str(x) for x in user.location_ids], active=user.active,
                   permissions=sorted(permissions))


def location_proto(location: Location) -> pb.Location:
    return pb.Location(location_id=str(location.id), tenant_id=str(location.tenant_id), name=location.name,
                       address=location.address, time_zone=location.time_zone, state=location.state)


class AuthService(pb_grpc.AuthServiceServicer):
    def __init__(self, db) -> None:
        self.db = db

    async def _run(self, work):
        def call():
            with self.db() as session:
                return work(session)

        return await asyncio.to_thread(call)

    @handle_errors
    async def GetUser(self, request, context):  # noqa: N802 - gRPC naming
        user_id = str(parse_uuid(request.user_id, "user_id"))
        identity = authorized_own(context, "staff:read", user_id)

        def work(session):
            user = users.get_user(session, identity, user_id)
            return user_proto(user, permissions_of(session, user))

        return pb.GetUserResponse(user=await self._run(work))

    @handle_errors
    async def ListUsers(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "staff:read")

        def work(session):
            found = users.list_users(session, identity, request.location_id or None, request.include_inactive)
            return [user_proto(u, permissions_of(session, u)) for u in found]

        return pb.ListUsersResponse(users=await self._run(work))

    @handle_errors
    async def CheckPermission(self, request, context):  # noqa: N802 - gRPC naming
        if not request.permission:
            raise InvalidInput("is required", field="permission")
        if not is_permission(request.permission):
            raise InvalidInput("unknown permission", field="permission")
        user_id = str(parse_uuid(request.user_id, "user_id"))
        identity = authorized_own(context, "staff:read", user_id)

        def work(session):
            user = users.get_user(session, identity, user_id)
            held = permissions_of(session, user)
            return user.active and request.permission in held

        return pb.CheckPermissionResponse(allowed=await self._run(work))

    @handle_errors
    async def GetLocation(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)  # every member of the tenant may read its own locations
        location = await self._run(lambda s: tenants.get_location(s, identity, request.location_id))
        return pb.GetLocationResponse(location=location_proto(location))

    @handle_errors
    async def ListLocations(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)
        rows = await self._run(lambda s: tenants.list_locations(s, identity))
        return pb.ListLocationsResponse(locations=[location_proto(x) for x in rows])


def register(db):
    def add(server) -> list[str]:
        pb_grpc.add_AuthServiceServicer_to_server(AuthService(db), server)
        return [pb.DESCRIPTOR.services_by_name["AuthService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(make_session_factory(make_engine(config.database_url, config.db_schema))))
