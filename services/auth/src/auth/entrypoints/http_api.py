"""auth REST API under /api/auth/v1 (login, refresh and the JWKS are public at the gateway)."""
from __future__ import annotations

from datetime import UTC, datetime

from chassis import readiness
from chassis.db import session_scope
from chassis.runtime import run_http, start
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from auth.adapters import keys
from auth.bootstrap import Wiring, wire
from auth.config import SERVICE, Settings, settings
from auth.domain.errors import TooManyAttempts
from auth.entrypoints import routes_settings, routes_tokens, routes_users
from auth.service_layer.key_rotation import token_lifetime


def build_app(config: Settings, wiring: Wiring | None = None):
    from chassis.http import create_app

    wiring = wiring or wire(config)
    with session_scope(wiring.db) as session:
        keys.ensure_active_key(session, wiring.sealer)
    app = create_app(SERVICE, {
        "postgres": readiness.postgres(wiring.engine),
        "redis": readiness.redis(config.redis_url),
    })

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next):
        """PostgreSQL text cannot hold NUL: refuse it up front (422) instead of failing in the database."""
        raw = request.url.path + "?" + (request.url.query or "")
        if "%00" in raw or "\x00" in raw:
            return _nul_refused("query")
        if request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            if b"\\u0000" in body or b"\x00" in body:
                return _nul_refused("body")
        return await call_next(request)

    @app.exception_handler(TooManyAttempts)
    async def too_many(_: Request, error: TooManyAttempts) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=429, headers={"Retry-After": str(error.retry_after)})

    @app.get("/.well-known/jwks.json", tags=["tokens"], summary="Public keys verifying our access tokens")
    def jwks(response: Response) -> dict:
        # Verifiers that honour HTTP caching refetch no later than the gateway does.
        response.headers["Cache-Control"] = f"public, max-age={config.jwks_cache_seconds}"
        with wiring.db() as session:
            return keys.published_jwks(session, datetime.now(UTC), token_lifetime(config.access_token_ttl_seconds))

    app.include_router(routes_tokens.router(wiring))
    app.include_router(routes_users.router(wiring))
    app.include_router(routes_settings.router(wiring))
    return app


def _nul_refused(field: str) -> JSONResponse:
    return JSONResponse({"error": "InvalidInput", "message": f"{field}: must not contain NUL characters",
                         "field": field}, status_code=422)


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
