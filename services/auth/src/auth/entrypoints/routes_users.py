"""Users of the caller's tenant: /api/auth/v1/users (staff:* permissions; staff:read:own for oneself)."""
from __future__ import annotations

from chassis.http import authorize_own, require, require_any
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from auth.bootstrap import Wiring
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


def router(wiring: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/auth/v1/users", tags=["users"])
    hops = wiring.config.trusted_proxy_hops

    def shown(session, user) -> dict:
        return users.to_dict(user, users.locked_seconds(session, wiring.throttle, user))

    @api.get("")
    def list_users(location_id: str | None = Query(None, max_length=64), include_inactive: bool = True,
                   identity: Identity = Depends(require("staff:read"))) -> dict:
        with wiring.db() as session:
            return {"users": [users.to_dict(u) for u in users.list_users(session, identity, location_id,
                                                                           include_inactive)]}

    @api.post("", status_code=201)
    def create_user(body: NewUser, request: Request, identity: Identity = Depends(require("staff:create"))) -> dict:
        with wiring.db.begin() as session:
            user = users.create_user(session, identity, actor_of(identity, request, hops), body.email,
                                     body.display_name, body.password, body.roles, body.location_ids)
            return users.to_dict(user)

    @api.get("/{user_id}")
    def get_user(user_id: str, identity: Identity = Depends(require_any("staff:read", "staff:read:own"))) -> dict:
        with wiring.db() as session:
            user = users.get_user(session, identity, user_id)
            authorize_own(identity, "staff:read", str(user.id))
            return shown(session, user)

    @api.patch("/{user_id}")
    def update_user(user_id: str, body: UserPatch, request: Request,
                    identity: Identity = Depends(require("staff:update"))) -> dict:
        with wiring.db.begin() as session:
            user = users.update_user(session, identity, actor_of(identity, request, hops), user_id,
                                     UserChanges(body.display_name, body.roles, body.location_ids, body.active))
            return users.to_dict(user)

    @api.delete("/{user_id}", status_code=204)
    def delete_user(user_id: str, request: Request, identity: Identity = Depends(require("staff:delete"))) -> Response:
        with wiring.db.begin() as session:
            users.delete_user(session, identity, actor_of(identity, request, hops), user_id)
        return Response(status_code=204)

    @api.post("/{user_id}/password", status_code=204, summary="Set a user's password (revokes their sessions)")
    def reset_password(user_id: str, body: PasswordReset, request: Request,
                       identity: Identity = Depends(require("staff:update"))) -> Response:
        with wiring.db.begin() as session:
            users.reset_password(session, identity, actor_of(identity, request, hops), user_id, body.new_password)
        return Response(status_code=204)

    @api.post("/{user_id}/unlock", status_code=204, summary="Lift a login lockout")
    def unlock(user_id: str, request: Request, identity: Identity = Depends(require("staff:update"))) -> Response:
        with wiring.db.begin() as session:
            users.unlock(session, identity, actor_of(identity, request, hops), wiring.throttle, user_id)
        return Response(status_code=204)

    return api
