"""Calling peer services over gRPC: traced channels, the caller's identity on every call,
and peer statuses turned back into domain errors."""
from __future__ import annotations

import grpc

from chassis.errors import DependencyUnavailable, DomainError, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from chassis.identity import Identity

_instrumented = False


def peer_channel(address: str) -> grpc.Channel:
    """A (sync) channel to a peer; client spans carry traceparent to it."""
    global _instrumented
    if not _instrumented:
        from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient

        GrpcInstrumentorClient().instrument()
        _instrumented = True
    return grpc.insecure_channel(address)


def call_metadata(identity: Identity) -> list[tuple[str, str]]:
    """Internal calls carry the end user's (or a job's service) identity, never nothing."""
    return [identity.header()]


def peer_error(peer: str, error: grpc.RpcError) -> DomainError:
    """Maps a peer's status to what our caller should see, keeping the field it named."""
    code, details = error.code(), error.details() or ""
    field, _, message = details.partition(": ")
    if not message:
        field, message = None, details
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidInput(message, field=field)
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(message, field=field)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDenied(details)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return Unauthenticated(details)
    return DependencyUnavailable(f"{peer} unavailable ({code.name})")
