"""AuthService for peers: users, locations and permission checks, always within the caller's tenant."""
from __future__ import annotations

import asyncio

from auraconnect.auth.v1 import auth_service_pb2 as pb
from auraconnect.auth.v1 import auth_service_pb2_grpc as pb_grpc
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, authorized_own, handle_errors, identity_of
from chassis.rbac import is_permission
from chassis.runtime import run_grpc, start
from chassis.validation import parse_uuid

from auth.bootstrap import AuthContainer, bootstrap
from auth.config import SERVICE, settings
from auth.service_layer import tenants, users


def user_proto(user: dict) -> pb.User:
    return pb.User(user_id=user["user_id"], tenant_id=user["tenant_id"], email=user["email"],
                   display_name=user["display_name"], roles=user["roles"], location_ids=user["location_ids"],
                   active=user["active"], permissions=user["permissions"])


def location_proto(location: dict) -> pb.Location:
    return pb.Location(location_id=location["location_id"], tenant_id=location["tenant_id"], name=location["name"],
                       address=location["address"], time_zone=location["time_zone"], state=location["state"])


class AuthService(pb_grpc.AuthServiceServicer):
    def __init__(self, container: AuthContainer) -> None:
        self.uow = container.uow

    @staticmethod
    async def _run(work, *args):
        return await asyncio.to_thread(work, *args)

    @handle_errors
    async def GetUser(self, request, context):  # noqa: N802 - gRPC naming
        user_id = str(parse_uuid(request.user_id, "user_id"))
        identity = authorized_own(context, "staff:read", user_id)
        user = await self._run(users.get_user_with_permissions, self.uow, identity, user_id)
        return pb.GetUserResponse(user=user_proto(user))

    @handle_errors
    async def ListUsers(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "staff:read")
        found = await self._run(users.list_users, self.uow, identity, request.location_id or None,
                                request.include_inactive, True)
        return pb.ListUsersResponse(users=[user_proto(u) for u in found])

    @handle_errors
    async def CheckPermission(self, request, context):  # noqa: N802 - gRPC naming
        if not request.permission:
            raise InvalidInput("is required", field="permission")
        if not is_permission(request.permission):
            raise InvalidInput("unknown permission", field="permission")
        user_id = str(parse_uuid(request.user_id, "user_id"))
        identity = authorized_own(context, "staff:read", user_id)
        user = await self._run(users.get_user_with_permissions, self.uow, identity, user_id)
        return pb.CheckPermissionResponse(allowed=user["active"] and request.permission in user["permissions"])

    @handle_errors
    async def GetLocation(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)  # every member of the tenant may read its own locations
        location = await self._run(tenants.get_location, self.uow, identity, request.location_id)
        return pb.GetLocationResponse(location=location_proto(location))

    @handle_errors
    async def ListLocations(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)
        rows = await self._run(tenants.list_locations, self.uow, identity)
        return pb.ListLocationsResponse(locations=[location_proto(x) for x in rows])

    @handle_errors
    async def GetTenant(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)  # every member of the tenant may read its own name
        tenant = await self._run(tenants.get_tenant, self.uow, identity)
        return pb.GetTenantResponse(tenant=pb.Tenant(tenant_id=tenant["tenant_id"], slug=tenant["slug"],
                                                     name=tenant["name"]))


def register(container: AuthContainer):
    def add(server) -> list[str]:
        pb_grpc.add_AuthServiceServicer_to_server(AuthService(container), server)
        return [pb.DESCRIPTOR.services_by_name["AuthService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()  # PostgreSQL only: no Redis, no Kafka, no peer
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
