"""FastAPI app factory: health, metrics, tracing, identity, body limits and error mapping, the same everywhere.

Identity: a route that depends on `current_identity` (or `require`/`require_any`) gets the caller that the
request's `Authorization: Bearer` credential proves (see chassis.internal_token); nothing else counts.
Body limit: a body over `max_body_bytes` (MAX_REQUEST_BODY_BYTES, default 1 MiB) is refused with 413
before it is read whole: by Content-Length up front, by counting for a chunked body.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from chassis import heap, internal_token, metrics, unavailable
from chassis.errors import DomainError, validation_problem
from chassis.identity import Identity
from chassis.readiness import Check, run_checks

log = logging.getLogger(__name__)


DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def create_app(service: str, readiness: dict[str, Check], version: str = "v1",
               max_body_bytes: int | None = None) -> FastAPI:
    app = FastAPI(
        title=f"AuraConnect {service} API",
        version=version,
        openapi_url=f"/api/{service}/{version}/openapi.json",
        docs_url=f"/api/{service}/{version}/docs",
        redoc_url=None,
    )

    @app.get("/livez", include_in_schema=False)
    def livez() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results = await run_in_threadpool(run_checks, readiness)
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": results},
                            status_code=200 if ready else 503)

    @app.get(f"/api/{service}/{version}/whoami", include_in_schema=False)
    def whoami(identity: Identity = Depends(current_identity)) -> dict:
        """Who this service believes the caller is: a debugging aid, and the cheapest authenticated
        route (bench/bench_gateway.py measures the gateway's own cost on it)."""
        return {"subject": identity.subject, "tenant_id": identity.tenant_id, "roles": list(identity.roles),
                "permissions": sorted(identity.permissions)}

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> PlainTextResponse:
        return PlainTextResponse(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_problem(error.errors()), status_code=422)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=error.http_status)

    unavailable.install(app)  # a dependency down (database, peer): 503 with Retry-After, not 500

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "InternalError", "message": "internal error"}, status_code=500)

    # Pure ASGI middlewares, not @app.middleware("http"): Starlette's BaseHTTPMiddleware costs a task
    # group, a memory stream and a copied response per request (about a tenth of an order's CPU).
    app.add_middleware(RefuseNul)       # innermost: sees the body BodyLimit let through
    app.add_middleware(CountRequests)

    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # One server span per request: the ASGI receive/send sub-spans cost as much to export as to make.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="livez,readyz,metrics", exclude_spans=["receive", "send"])
    if max_body_bytes is None:
        max_body_bytes = int(os.environ.get("MAX_REQUEST_BODY_BYTES") or DEFAULT_MAX_BODY_BYTES)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)   # added last: outermost, before any reader
    app.state.max_body_bytes = max_body_bytes   # the same limit for chassis.fast_routes
    app.state.audience = internal_token.audience_of(service)
    return app


class RefuseNul:
    """ASGI middleware: PostgreSQL text cannot hold NUL, so a NUL in the path, the query or a
    POST/PUT/PATCH body is refused up front (422) instead of failing in the database."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b"") or b"%00" in query \
                or b"\x00" in query:
            await _nul_refused("query")(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks, message = [], {"type": "http.request", "more_body": True}
        while message["type"] == "http.request" and message.get("more_body", False):
            message = await receive()
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        if b"\\u0000" in body or b"\x00" in body:
            await _nul_refused("body")(scope, receive, send)
            return
        replayed = False

        async def replay():  # the app reads the body we read, whole, then whatever comes next
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            if message["type"] == "http.request":
                return {"type": "http.request", "body": body, "more_body": False}
            return message  # the client went away meanwhile

        await self.app(scope, replay, send)


class CountRequests:
    """ASGI middleware: requests and latency by method, route template and status (Prometheus)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def watching_send(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await self.app(scope, receive, watching_send)
        template = getattr(scope.get("route"), "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(scope["method"], template, str(status[0])).inc()
        metrics.HTTP_LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)


class _BodyTooLarge(Exception):
    pass


def _too_large(error: BaseException) -> bool:
    """Raised by our receive, possibly wrapped in an ExceptionGroup by a middleware's task group."""
    if isinstance(error, _BodyTooLarge):
        return True
    return isinstance(error, BaseExceptionGroup) and any(_too_large(e) for e in error.exceptions)


class BodyLimit:
    """ASGI middleware: 413 for a body over `max_bytes`, without reading more than that."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received, started = 0, False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def watching_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception as error:
            if started or not _too_large(error):
                raise
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"error": "PayloadTooLarge",
                           "message": f"request body over {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _nul_refused(field: str) -> JSONResponse:
    return JSONResponse({"error": "InvalidInput", "message": f"{field}: must not contain NUL characters",
                         "field": field}, status_code=422)


def current_identity(request: Request) -> Identity:
    """The caller its bearer credential proves (user token via the gateway, or a peer's internal
    token for this service); 401 without one we accept."""
    from chassis.errors import Unauthenticated

    audience = getattr(request.app.state, "audience", None)
    if audience is None:
        raise Unauthenticated("this app was not built by chassis.http.create_app")
    try:
        return internal_token.verifier(audience).identity(
            internal_token.bearer(request.headers.get("authorization")))
    except internal_token.CredentialError as error:
        raise Unauthenticated(str(error)) from None


def require(permission: str) -> Callable[..., Identity]:
    """Route dependency: the caller must hold `permission` (e.g. "orders:create")."""
    from chassis.errors import PermissionDenied

    def dependency(identity: Identity = Depends(current_identity)) -> Identity:
        if not identity.has(permission):
            raise PermissionDenied(f"missing permission {permission}")
        return identity

    return dependency


def run_http(app: FastAPI, host: str, port: int, grace_seconds: float, sockets: list | None = None) -> None:
    """Serve `app` until SIGTERM (then drain for `grace_seconds`); on `sockets` already listening
    when given (a worker of chassis.runtime.run_http_workers), else on host:port."""
    import contextlib

    import uvicorn

    class DrainingServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            with super().capture_signals():
                yield
                # uvicorn re-raises SIGTERM once it has drained; we have finished cleanly, so exit 0
                # like the gRPC and worker processes do.
                getattr(self, "_captured_signals", []).clear()

    internal_token.require_configured()
    heap.settle()  # the app is built: its objects leave the collector's view (chassis.heap)
    # Keep-alive longer than the gateway's upstream idle timeout (30 s, gateway/render.py): the gateway
    # closes idle connections first, so it never sends a request on one we are closing.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, timeout_keep_alive=75,
                            timeout_graceful_shutdown=int(grace_seconds) or None)
    DrainingServer(config).run(sockets=sockets)


def require_any(*permissions: str) -> Callable[..., Identity]:
    """Route dependency: the caller must hold at least one of `permissions` (e.g. read or read:own);
    the route then applies the own-record rule itself with `authorize_own`."""
    from chassis.errors import PermissionDenied

    def dependency(identity: Identity = Depends(current_identity)) -> Identity:
        if not any(identity.has(p) for p in permissions):
            raise PermissionDenied(f"missing permission {' or '.join(permissions)}")
        return identity

    return dependency


def require_any_async(*permissions: str) -> Callable[..., Identity]:
    """`require_any` for an `async def` route: FastAPI runs a sync dependency in a worker thread (a
    thread hand-off per request); this one checks a token seen before on the event loop (a dict
    lookup) and verifies a new one in a thread (it may fetch the JWKS)."""
    from chassis.errors import PermissionDenied

    async def dependency(request: Request) -> Identity:
        audience = getattr(request.app.state, "audience", None)
        identity = None
        if audience is not None:
            token = internal_token.bearer(request.headers.get("authorization"))
            identity = internal_token.verifier(audience).cached(token)
        if identity is None:  # a new token (or none: current_identity says 401)
            identity = await run_in_threadpool(current_identity, request)
        if not any(identity.has(p) for p in permissions):
            raise PermissionDenied(f"missing permission {' or '.join(permissions)}")
        return identity

    return dependency


def authorize_own(identity: Identity, permission: str, owner_id: str | None) -> Identity:
    """Own-record rule: `permission`, or `permission:own` when `owner_id` is the caller. Raises 403."""
    from chassis.errors import PermissionDenied

    if not identity.may(permission, owner_id):
        raise PermissionDenied(f"missing permission {permission}")
    return identity
