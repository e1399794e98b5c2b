"""The auth service as the menu sees it: is this location one of the caller's tenant?

Locations move between tenants never, so a yes is remembered for a while (a no is not: a location
just created must work at once). Saves an auth round trip on every menu read of a busy location."""
from __future__ import annotations

import threading
import time
import uuid

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity


class AuthLocations:
    def __init__(self, address: str, timeout_s: float = 5.0, remember_s: float = 300.0) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s, self.remember_s = timeout_s, remember_s
        self._known: dict[tuple[str, uuid.UUID], float] = {}
        self._lock = threading.Lock()

    def check_location(self, identity: Identity, location_id: uuid.UUID, field: str = "location_id") -> None:
        key = (identity.tenant_id, location_id)
        with self._lock:
            if self._known.get(key, 0.0) > time.monotonic():
                return
        try:
            self.stub.GetLocation(auth_service_pb2.GetLocationRequest(location_id=str(location_id)),
                                  metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            if isinstance(mapped, (NotFound, InvalidInput)):  # said in the terms of our caller's request
                raise NotFound("no such location in this tenant", field=field) from None
            raise mapped from None
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[key] = time.monotonic() + self.remember_s
