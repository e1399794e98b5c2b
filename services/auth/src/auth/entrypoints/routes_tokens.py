"""Login, refresh, logout, me, own password: /api/auth/v1 (login and refresh are public at the gateway)."""
from __future__ import annotations

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from auth.bootstrap import AuthContainer
from auth.entrypoints.http_common import actor_of, client_address
from auth.service_layer import users


class LoginRequest(BaseModel):
    tenant: str = Field(min_length=1, max_length=63, description="tenant slug")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(None, min_length=1, max_length=200)
    all_sessions: bool = Field(False, description="revoke every refresh token of the caller")


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_at: str


def router(container: AuthContainer) -> APIRouter:
    api = APIRouter(prefix="/api/auth/v1")
    hops = container.config.trusted_proxy_hops
    sessions = container.sessions

    def tokens(signed) -> TokenResponse:
        return TokenResponse(access_token=signed.access_token, expires_in=signed.expires_in,
                             refresh_token=signed.refresh_token, refresh_expires_at=signed.refresh_expires_at.isoformat())

    @api.post("/login", response_model=TokenResponse, tags=["tokens"],
              responses={401: {"description": "bad credentials"}, 429: {"description": "throttled; see Retry-After"}})
    def login(body: LoginRequest, request: Request) -> TokenResponse:
        return tokens(sessions.login(body.tenant, body.email, body.password, client_address(request, hops)))

    @api.post("/refresh", response_model=TokenResponse, tags=["tokens"],
              responses={401: {"description": "invalid, expired, revoked or reused refresh token"}})
    def refresh(body: RefreshRequest, request: Request) -> TokenResponse:
        return tokens(sessions.refresh(body.refresh_token, client_address(request, hops)))

    @api.post("/logout", status_code=204, tags=["tokens"])
    def logout(body: LogoutRequest, request: Request, identity: Identity = Depends(current_identity)) -> Response:
        sessions.logout(identity, body.refresh_token, body.all_sessions, client_address(request, hops))
        return Response(status_code=204)

    @api.get("/me", tags=["users"])
    def me(identity: Identity = Depends(current_identity)) -> dict:
        return {"user_id": identity.subject, "tenant_id": identity.tenant_id, "roles": list(identity.roles),
                "permissions": sorted(identity.permissions), "location_ids": list(identity.location_ids)}

    @api.post("/me/password", status_code=204, tags=["users"],
              responses={429: {"description": "too many wrong current passwords (account locked); see Retry-After"}})
    def change_password(body: PasswordChange, request: Request,
                        identity: Identity = Depends(current_identity)) -> Response:
        users.change_own_password(container.uow, container.throttle, identity, actor_of(identity, request, hops),
                                  body.current_password, body.new_password, clock=container.clock)
        return Response(status_code=204)

    return api
