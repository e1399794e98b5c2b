"""auth REST API under /api/auth/v1 (login and JWKS are public at the gateway)."""
from __future__ import annotations

from chassis import readiness
from chassis.crypto import Sealer
from chassis.db import make_engine, make_session_factory, session_scope
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http, start
from fastapi import Depends
from pydantic import BaseModel, Field

from auth.adapters import keys
from auth.config import SERVICE, Settings, settings
from auth.service_layer.login import authenticate
from auth.service_layer.tokens import issue_access_token


class LoginRequest(BaseModel):
    tenant: str = Field(min_length=1, max_length=63, description="tenant slug")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int


def build_app(config: Settings):
    engine = make_engine(config.database_url, config.db_schema)
    sessions = make_session_factory(engine)
    sealer = Sealer(config.auth_key_encryption_key)
    with session_scope(sessions) as session:
        keys.ensure_active_key(session, sealer)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(engine),
        "redis": readiness.redis(config.redis_url),
    })

    @app.get("/.well-known/jwks.json", tags=["tokens"])
    def jwks() -> dict:
        with sessions() as session:
            return keys.published_jwks(session)

    @app.post("/api/auth/v1/login", response_model=TokenResponse, tags=["tokens"])
    def login(body: LoginRequest) -> TokenResponse:
        with sessions() as session:
            user = authenticate(session, body.tenant, body.email, body.password)
            key = keys.active_key(session, sealer)
        token = issue_access_token(key, config.jwt_issuer, config.jwt_audience, config.access_token_ttl_seconds,
                                   user.user_id, user.tenant_id, user.roles, user.location_ids)
        return TokenResponse(access_token=token, expires_in=config.access_token_ttl_seconds)

    @app.get("/api/auth/v1/me", tags=["users"])
    def me(identity: Identity = Depends(current_identity)) -> dict:
        return {"user_id": identity.subject, "tenant_id": identity.tenant_id, "roles": list(identity.roles),
                "permissions": sorted(identity.permissions), "location_ids": list(identity.location_ids)}

    return app


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
