"""AuthService for peers: user look-up and permission checks, always within the caller's tenant."""
from __future__ import annotations

import asyncio
import uuid

from auraconnect.auth.v1 import auth_service_pb2 as pb
from auraconnect.auth.v1 import auth_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_server import authorized, handle_errors, identity_of
from chassis.rbac import permissions_for_roles
from chassis.runtime import run_grpc, start
from sqlalchemy import select

from auth.adapters.orm import User
from auth.config import SERVICE, settings


def _user_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput("must be a UUID", field="user_id") from None


class AuthService(pb_grpc.AuthServiceServicer):
    def __init__(self, sessions) -> None:
        self.sessions = sessions

    def _load(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
        with self.sessions() as session:
            user = session.scalars(select(User).where(
                User.id == user_id, User.tenant_id == tenant_id, User.deleted_at.is_(None))).first()
        if user is None:
            raise NotFound("no such user in this tenant", field="user_id")
        return user

    @handle_errors
    async def GetUser(self, request, context):  # noqa: N802 - gRPC naming
        user_id = _user_id(request.user_id)
        identity = identity_of(context)
        if str(user_id) != identity.subject:
            identity = authorized(context, "staff:read")
        user = await asyncio.to_thread(self._load, identity.tenant_uuid, user_id)
        return pb.GetUserResponse(user=pb.User(
            user_id=str(user.id), tenant_id=str(user.tenant_id), email=user.email,
            display_name=user.display_name, roles=list(user.roles),
            location_ids=[str(x) for x in user.location_ids], active=user.active))

    @handle_errors
    async def CheckPermission(self, request, context):  # noqa: N802 - gRPC naming
        identity = identity_of(context)
        if not request.permission:
            raise InvalidInput("is required", field="permission")
        user = await asyncio.to_thread(self._load, identity.tenant_uuid, _user_id(request.user_id))
        allowed = user.active and request.permission in permissions_for_roles(list(user.roles))
        return pb.CheckPermissionResponse(allowed=allowed)


def register(sessions):
    def add(server) -> list[str]:
        pb_grpc.add_AuthServiceServicer_to_server(AuthService(sessions), server)
        return [pb.DESCRIPTOR.services_by_name["AuthService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(make_session_factory(make_engine(config.database_url, config.db_schema))))
