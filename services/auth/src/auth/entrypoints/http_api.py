"""auth REST API under /api/auth/v1 (login, refresh and the JWKS are public at the gateway)."""
from __future__ import annotations

from chassis import readiness
from chassis.runtime import run_http, start
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from auth.bootstrap import AuthContainer, bootstrap
from auth.config import SERVICE, Settings, settings
from auth.domain.errors import TooManyAttempts
from auth.entrypoints import routes_settings, routes_tokens, routes_users
from auth.service_layer import key_rotation

# Login throttling lives in Redis: the HTTP API cannot work without it (gRPC and the relay can).
REQUIRED = ("redis_url",)


def build_app(config: Settings, container: AuthContainer | None = None):
    from chassis.http import create_app

    container = container or bootstrap(config)
    key_rotation.ensure_active_key(container.uow, container.keyring, clock=container.clock)
    checks = {"redis": readiness.redis(config.redis_url)}
    if container.engine is not None:
        checks = {"postgres": readiness.postgres(container.engine), **checks}
    app = create_app(SERVICE, checks)

    @app.exception_handler(TooManyAttempts)
    async def too_many(_: Request, error: TooManyAttempts) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=429, headers={"Retry-After": str(error.retry_after)})

    @app.get("/.well-known/jwks.json", tags=["tokens"], summary="Public keys verifying our access tokens")
    def jwks(response: Response) -> dict:
        # Verifiers that honour HTTP caching refetch no later than the gateway does.
        response.headers["Cache-Control"] = f"public, max-age={config.jwks_cache_seconds}"
        return key_rotation.published_jwks(container.uow, config.access_token_ttl_seconds, clock=container.clock)

    app.include_router(routes_tokens.router(container))
    app.include_router(routes_users.router(container))
    app.include_router(routes_settings.router(container))
    return app


if __name__ == "__main__":
    config = settings(*REQUIRED)
    start(SERVICE, "http", config)
    run_http(SERVICE, config, build_app(config))
