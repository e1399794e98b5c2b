"""Calling peer services over gRPC: traced channels, a signed credential for the identity on every
call, and peer statuses turned back into domain errors.

`call_metadata(identity)` names the identity a call acts for; the channel from `peer_channel` turns it
into an internal token minted for the callee (audience = the package in the method's name, so a token
for tax is refused by auth). A channel not made by `peer_channel` sends no credential: the callee
refuses the call (UNAUTHENTICATED) rather than believing unsigned claims.
"""
from __future__ import annotations

import collections

import grpc

from chassis import internal_token
from chassis.errors import DependencyUnavailable, DomainError, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from chassis.identity import IDENTITY_HEADER, Identity, IdentityError, identity_from_header

_instrumented = False


class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
        grpc.ClientCallDetails):
    pass


class _SignIdentity(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Replaces the identity `call_metadata` put on a call with `authorization: Bearer <internal token>`
    for the callee of that call."""

    def _sign(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = list(details.metadata or ())
        claims = [value for key, value in metadata if key == IDENTITY_HEADER]
        if not claims:
            return details
        try:
            identity = identity_from_header(claims[0])
        except IdentityError as error:
            raise Unauthenticated(str(error)) from None
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        metadata = [(k, v) for k, v in metadata if k not in (IDENTITY_HEADER, "authorization")]
        metadata.append(internal_token.authorization_for(identity, internal_token.audience_of_method(method)))
        return _CallDetails(details.method, details.timeout, metadata, details.credentials,
                            details.wait_for_ready, details.compression)

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._sign(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._sign(client_call_details), request)


def peer_channel(address: str) -> grpc.Channel:
    """A (sync) channel to a peer; client spans carry traceparent to it, calls carry a credential."""
    global _instrumented
    if not _instrumented:
        from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient

        GrpcInstrumentorClient().instrument()
        _instrumented = True
    return grpc.intercept_channel(grpc.insecure_channel(address), _SignIdentity())


def call_metadata(identity: Identity) -> list[tuple[str, str]]:
    """Internal calls carry the end user's (or a job's service) identity, never nothing; the peer
    channel signs it for the callee."""
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
