"""Shared pieces of the REST entrypoint: the caller's address and actor, request models' helpers."""
from __future__ import annotations

from chassis.identity import Identity
from fastapi import Request

from auth.service_layer.audit import Actor


def client_address(request: Request, trusted_hops: int) -> str:
    """The client's address as our trusted proxies saw it: Envoy (use_remote_address) appends the
    peer address to X-Forwarded-For, so the entry `trusted_hops` from the right is the client;
    anything left of it was written by the client and is not trusted."""
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    if trusted_hops and len(forwarded) >= trusted_hops:
        return forwarded[-trusted_hops][:64]
    return request.client.host if request.client else ""


def actor_of(identity: Identity, request: Request, trusted_hops: int) -> Actor:
    return Actor(identity.subject, client_address(request, trusted_hops))
