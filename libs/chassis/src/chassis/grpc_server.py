"""grpc.aio server bootstrap: standard health service, reflection, tracing, graceful drain.

On SIGTERM the health status turns NOT_SERVING (so load balancers stop sending), in-flight RPCs get
`grace` seconds to finish, then the process exits.

Identity: `identity_of` believes only the `authorization: Bearer` credential of the call (the user's
token Envoy forwards, or an internal token a peer minted for this service; chassis.internal_token).
Health and reflection need none (probes, grpcurl list).

Metrics: every call is counted by method and status code, and timed (MetricsInterceptor:
grpc_server_handled_total, grpc_server_handling_seconds); chassis.runtime.run_grpc serves them on the
process's METRICS_PORT, since a gRPC port cannot answer Prometheus' plain HTTP GET /metrics.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import signal
import time
from collections.abc import Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chassis import heap, internal_token, metrics
from chassis.errors import DomainError, PermissionDenied, Unauthenticated
from chassis.identity import Identity

log = logging.getLogger(__name__)

# register(server) adds the service's servicers and returns their full service names.
Register = Callable[[grpc.aio.Server], list[str]]


async def serve(register: Register, host: str, port: int, grace_seconds: float) -> None:
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorServer

    internal_token.require_configured()
    GrpcAioInstrumentorServer().instrument()
    server = grpc.aio.server(interceptors=[MetricsInterceptor()])
    service_names = register(server)
    set_audience(service_names)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    address = f"{host}:{port}"
    if server.add_insecure_port(address) == 0:
        raise SystemExit(f"cannot bind gRPC port {address}")
    heap.settle()  # registered: start-up objects leave the collector's view (chassis.heap)
    await server.start()
    log.info("gRPC serving on %s: %s", address, ", ".join(service_names))

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log.info("draining gRPC for up to %.0fs", grace_seconds)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace_seconds)


_audience: str | None = None


def set_audience(service_names: list[str]) -> None:
    """The audience internal tokens to this process must name: the package of its services
    ('auraconnect.orders.v1.OrdersService' -> 'orders'). One process serves one service."""
    global _audience
    audiences = {internal_token.audience_of_method(name) for name in service_names}
    if len(audiences) != 1:
        raise SystemExit(f"one gRPC process serves one service, got {sorted(audiences)}")
    _audience = audiences.pop()


def identity_of(context: grpc.aio.ServicerContext) -> Identity:
    """The caller its bearer credential proves; UNAUTHENTICATED without one we accept."""
    if _audience is None:
        raise Unauthenticated("gRPC server started without chassis.grpc_server.serve")
    metadata = dict(context.invocation_metadata() or ())
    try:
        return internal_token.verifier(_audience).identity(internal_token.bearer(metadata.get("authorization")))
    except internal_token.CredentialError as error:
        raise Unauthenticated(str(error)) from None


def authorized(context: grpc.aio.ServicerContext, permission: str) -> Identity:
    identity = identity_of(context)
    if not identity.has(permission):
        raise PermissionDenied(f"missing permission {permission}")
    return identity


def handle_errors(method):
    """Maps domain errors to gRPC statuses with a message naming the field; never UNKNOWN for bad input."""

    @functools.wraps(method)
    async def wrapper(self, request, context: grpc.aio.ServicerContext):
        try:
            return await method(self, request, context)
        except DomainError as error:
            await context.abort(getattr(grpc.StatusCode, error.grpc_code), str(error))
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("unhandled error in %s.%s", type(self).__name__, method.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")

    return wrapper


def authorized_own(context: grpc.aio.ServicerContext, permission: str, owner_id: str | None) -> Identity:
    """Own-record rule for RPCs: `permission`, or `permission:own` when `owner_id` is the caller."""
    identity = identity_of(context)
    if not identity.may(permission, owner_id):
        raise PermissionDenied(f"missing permission {permission}")
    return identity


def authorized_any(context: grpc.aio.ServicerContext, *permissions: str) -> Identity:
    identity = identity_of(context)
    if not any(identity.has(p) for p in permissions):
        raise PermissionDenied(f"missing permission {' or '.join(permissions)}")
    return identity


# --------------------------------------------------------------------------------------- metrics

def split_method(full_method: str) -> tuple[str, str]:
    """'/auraconnect.tax.v1.TaxService/CalculateSalesTax' -> ('auraconnect.tax.v1.TaxService', 'CalculateSalesTax')."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service or "unknown", method or "unknown"


def _code_name(context: grpc.aio.ServicerContext, default: str) -> str:
    """The status the handler set (context.abort or set_code), else `default`."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return default


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    """Counts every call by (service, method, status code) and observes its latency, for all four
    call shapes. The code is the one the client sees: OK, the code of `context.abort` (handle_errors maps
    domain errors to them), UNKNOWN for an exception grpc turns into a status, CANCELLED when the client
    goes away. Health and reflection calls are counted too (filter on grpc_service)."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:                 # no such method: grpc answers UNIMPLEMENTED by itself
            return None
        service, method = split_method(handler_call_details.method)
        for attribute in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            behavior = getattr(handler, attribute)
            if behavior is not None:
                measured = _measured(behavior, service, method)
                return handler._replace(**{attribute: measured}) if measured else handler
        return handler


def _record(service: str, method: str, code: str, started: float) -> None:
    metrics.GRPC_HANDLED.labels(service, method, code).inc()
    metrics.GRPC_LATENCY.labels(service, method).observe(time.perf_counter() - started)


class _Recording:
    """`with _Recording(service, method, context):` around a handler's work: counts the call under the
    status it ended with (OK, the aborted code, CANCELLED, else UNKNOWN) and observes its latency."""

    def __init__(self, service: str, method: str, context) -> None:
        self.service, self.method, self.context = service, method, context

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            code = _code_name(self.context, "OK")
        elif issubclass(kind, grpc.aio.AbortError):
            code = _code_name(self.context, "UNKNOWN")
        elif issubclass(kind, asyncio.CancelledError):
            code = "CANCELLED"
        else:
            code = "UNKNOWN"
        _record(self.service, self.method, code, self.started)


def _measured(behavior, service: str, method: str):
    """`behavior` wrapped to record its call; None for a sync handler (grpc.aio runs those in a thread
    pool; wrapping one in a coroutine would run it on the event loop)."""
    if inspect.isasyncgenfunction(behavior):       # a streaming response written by `yield`
        async def streaming(request, context):
            with _Recording(service, method, context):
                async for item in behavior(request, context):
                    yield item
        return streaming
    if not inspect.iscoroutinefunction(behavior):
        return None

    async def call(request, context):
        with _Recording(service, method, context):
            return await behavior(request, context)
    return call
