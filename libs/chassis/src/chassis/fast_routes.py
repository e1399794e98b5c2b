"""Plain-ASGI routes in front of a service's FastAPI app, for the few requests whose latency target the
FastAPI stack's per-request cost does not fit.

Profiled under load (bench/bench_orders.py, py-spy --gil), FastAPI's stack cost POST /orders a
quarter of its CPU before the route ran: the OpenTelemetry ASGI middleware (it walks every route of
the app to name its span, and wraps send), ten nested middlewares and their wrapped send/receive,
routing, dependency solving, body parsing and the JSONResponse. A `FastRoute` answers one method and
path itself and passes everything else to the app, with what the stack gave the route:

  * the body limit (413, by Content-Length up front and by counting) and the NUL refusal (422);
  * the caller's identity, verified as `current_identity` does (a token seen before is a dict lookup,
    a new one is verified in a thread: it may fetch the JWKS), and the route's permissions (403);
  * one server span, continuing the caller's W3C trace (Envoy's), current while the handler runs, so
    peers' spans and outbox events join the trace;
  * errors as the app answers them (`problem`): a DomainError as its status and JSON, a pydantic
    ValidationError as the 422 naming the fields, a dependency down as 503 with Retry-After, else 500;
  * the request counter and latency histogram under the route's template.

The FastAPI route stays registered (OpenAPI, in-process TestClient tests); the fast route and it call
the same code, so they cannot answer differently."""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import orjson
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from chassis import internal_token, metrics, unavailable
from chassis.errors import DependencyUnavailable, DomainError, PermissionDenied, Unauthenticated, validation_problem
from chassis.identity import Identity
from chassis.telemetry import extract_context, tracer

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FastRequest:
    path: str
    headers: dict[str, str]   # lower-case names
    body: bytes
    audience: str | None

    def parse(self, model: type[M]) -> M:
        """The body as `model`, read as FastAPI reads a route's body: as JSON when the content type
        says JSON (application/json, anything +json) or says nothing; otherwise as the raw bytes, which
        no model takes (422 naming the body)."""
        content_type = self.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        if media and not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
            return model.model_validate(self.body)
        return model.model_validate_json(self.body)

    async def identity(self, *permissions: str) -> Identity:
        """The caller (401 without a credential we accept), holding one of `permissions` (403)."""
        if self.audience is None:
            raise Unauthenticated("this app was not built by chassis.http.create_app")
        token = internal_token.bearer(self.headers.get("authorization"))
        verifier = internal_token.verifier(self.audience)
        identity = verifier.cached(token)
        if identity is None:
            try:
                identity = await run_in_threadpool(verifier.identity, token)
            except internal_token.CredentialError as error:
                raise Unauthenticated(str(error)) from None
        if permissions and not any(identity.has(p) for p in permissions):
            raise PermissionDenied(f"missing permission {' or '.join(permissions)}")
        return identity


Handler = Callable[[FastRequest], Awaitable[Answer]]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FastRoute:
    method: str
    path: str        # exact: no path parameters
    handler: Handler


def problem(error: BaseException, where: str) -> tuple[int, dict, dict[str, str]]:
    """(status, body, headers): what the app's exception handlers answer for `error` (chassis.http,
    chassis.unavailable) on `where` ("POST /path")."""
    if isinstance(error, ValidationError):
        return 422, validation_problem(error.errors(include_url=False)), {}
    if isinstance(error, DependencyUnavailable):
        return unavailable.unavailable_answer(str(error))
    if isinstance(error, DomainError):
        return error.http_status, error.to_dict(), {}
    if isinstance(error, unavailable.DATABASE_ERRORS):
        return unavailable.database_answer(error, where)
    log.error("unhandled error on %s", where, exc_info=error)
    return 500, {"error": "InternalError", "message": "internal error"}, {}


class FastRoutes:
    """ASGI: `routes` answered here, everything else (and the lifespan) by `app`."""

    def __init__(self, app, routes: list[FastRoute], max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes
        self.routes = {(route.method, route.path): route for route in routes}
        self.audience = getattr(getattr(app, "state", None), "audience", None)
        self.tracer = tracer("chassis.fast_routes")

    async def __call__(self, scope, receive, send) -> None:
        route = self.routes.get((scope.get("method"), scope.get("path"))) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        where = f"{route.method} {route.path}"
        span = self.tracer.start_span(
            where, context=extract_context(headers), kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": route.method, "http.route": route.path, "url.path": route.path})
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            status, body, extra = await self._answer(route, scope, headers, receive, where)
        finally:
            otel_context.detach(token)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(trace.StatusCode.ERROR)
        span.end()
        payload = orjson.dumps(body)   # what JSONResponse writes (compact, UTF-8), a few times faster
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        response_headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})
        metrics.HTTP_REQUESTS.labels(route.method, route.path, str(status)).inc()
        metrics.HTTP_LATENCY.labels(route.method, route.path).observe(time.perf_counter() - started)

    async def _answer(self, route: FastRoute, scope, headers: dict[str, str], receive,
                      where: str) -> tuple[int, dict, dict[str, str]]:
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            return self._too_large()
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return 400, {"error": "InvalidInput", "message": "the client went away", "field": "body"}, {}
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return self._too_large()
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        query = scope.get("query_string", b"")
        for part, nul in (("query", b"%00" in query or b"\x00" in query), ("body", b"\x00" in body or b"\\u0000" in body)):
            if nul:
                return 422, {"error": "InvalidInput", "message": f"{part}: must not contain NUL characters",
                             "field": part}, {}
        try:
            answer = await route.handler(FastRequest(route.path, headers, body, self.audience))
        except Exception as error:  # noqa: BLE001 - answered as the app's handlers answer it
            return problem(error, where)
        return answer.status, answer.body, answer.headers

    def _too_large(self) -> tuple[int, dict, dict[str, str]]:
        return 413, {"error": "PayloadTooLarge", "message": f"request body over {self.max_body_bytes} bytes"}, \
            {"Connection": "close"}
