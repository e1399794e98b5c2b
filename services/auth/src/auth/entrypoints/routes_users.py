"""Users of the caller's tenant: /api/auth/v1/users (staff:* permissions; staff:read:own for oneself)."""
from __future__ import annotations

from chassis.http import require, require_any
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from auth.bootstrap import AuthContainer
from auth.entrypoints.http_common import actor_of
from auth.service_layer import users
from auth.service_layer.users import UserChanges

RoleList = list[str]


class NewUser(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    display_name: str = Field("", max_length=200)
    password: str = Field(min_length=1, max_length=1024, description="initial password (policy applies)")
    roles: RoleList = Field(min_length=1, max_length=20)
    location_ids: list[str] = Field(default_factory=list, max_length=500,
                                    description="empty: every location of the tenant")


class UserPatch(BaseModel):
    display_name: str | None = Field(None, max_length=200)
    roles: RoleList | None = Field(None, min_length=1, max_length=20)
    location_ids: list[str] | None = Field(None, max_length=500)
    active: bool | None = None


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=1024)


def router(container: AuthContainer) -> APIRouter:
    api = APIRouter(prefix="/api/auth/v1/users", tags=["users"])
    hops = container.config.trusted_proxy_hops
    uow, clock = container.uow, container.clock

    @api.get("")
    def list_users(location_id: str | None = Query(None, max_length=64), include_inactive: bool = True,
                   identity: Identity = Depends(require("staff:read"))) -> dict:
        return {"users": users.list_users(uow, identity, location_id, include_inactive)}

    @api.post("", status_code=201)
    def create_user(body: NewUser, request: Request, identity: Identity = Depends(require("staff:create"))) -> dict:
        return users.create_user(uow, identity, actor_of(identity, request, hops), users.NewUser(
            body.email, body.display_name, body.password, body.roles, body.location_ids), clock=clock)

    @api.get("/{user_id}")
    def get_user(user_id: str, identity: Identity = Depends(require_any("staff:read", "staff:read:own"))) -> dict:
        # The use case applies the own-record rule (staff:read:own reads only oneself).
        return users.get_user(uow, identity, user_id, container.throttle)

    @api.patch("/{user_id}")
    def update_user(user_id: str, body: UserPatch, request: Request,
                    identity: Identity = Depends(require("staff:update"))) -> dict:
        return users.update_user(uow, identity, actor_of(identity, request, hops), user_id,
                                 UserChanges(body.display_name, body.roles, body.location_ids, body.active),
                                 clock=clock)

    @api.delete("/{user_id}", status_code=204)
    def delete_user(user_id: str, request: Request, identity: Identity = Depends(require("staff:delete"))) -> Response:
        users.delete_user(uow, identity, actor_of(identity, request, hops), user_id, clock=clock)
        return Response(status_code=204)

    @api.post("/{user_id}/password", status_code=204, summary="Set a user's password (revokes their sessions)")
    def reset_password(user_id: str, body: PasswordReset, request: Request,
                       identity: Identity = Depends(require("staff:update"))) -> Response:
        users.reset_password(uow, identity, actor_of(identity, request, hops), user_id, body.new_password,
                             clock=clock)
        return Response(status_code=204)

    @api.post("/{user_id}/unlock", status_code=204, summary="Lift a login lockout")
    def unlock(user_id: str, request: Request, identity: Identity = Depends(require("staff:update"))) -> Response:
        users.unlock(uow, container.throttle, identity, actor_of(identity, request, hops), user_id, clock=clock)
        return Response(status_code=204)

    return api
