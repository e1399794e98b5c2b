"""The auth service over gRPC, as orders needs it: a location's time zone (implements the service
layer's LocationTimeZones port)."""
from __future__ import annotations

import threading
import time

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity


class AuthClient:
    """Time zones are cached per (tenant, location) for `cache_s` seconds: a location moves time zone
    rarely, and a quote or a line should not cost a network round trip each."""

    def __init__(self, address: str, timeout_s: float = 5.0, cache_s: float = 60.0) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s, self.cache_s = timeout_s, cache_s
        self._zones: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def time_zone(self, identity: Identity, location_id: str) -> str:
        key, now = (identity.tenant_id, location_id), time.monotonic()
        with self._lock:
            cached = self._zones.get(key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = self.stub.GetLocation(auth_service_pb2.GetLocationRequest(location_id=location_id),
                                             metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            if isinstance(mapped, (NotFound, InvalidInput)):  # named in our caller's terms
                raise NotFound("no such location in this tenant", field="location_id") from None
            raise mapped from None
        zone = response.location.time_zone
        with self._lock:
            self._zones[key] = (now + self.cache_s, zone)
        return zone
