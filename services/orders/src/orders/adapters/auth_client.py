"""The auth service over gRPC, as orders needs it: implements service_layer.ports.StaffDirectory."""
from __future__ import annotations

import threading
import time

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity, service_identity

SERVICE = "orders"
TIME_ZONE_TTL_S = 300.0  # a location's time zone rarely changes: ask auth at most every 5 minutes


class AuthDirectory:
    def __init__(self, address: str, timeout_s: float = 5.0, clock=time.monotonic) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s = timeout_s
        self.clock = clock
        self._zones: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def check_server(self, identity: Identity, user_id: str, location_id: str) -> None:
        """Asked as orders itself (staff:read in the caller's tenant): a server picking a colleague
        need not hold staff:read to have the colleague checked."""
        asking = service_identity(SERVICE, identity.tenant_id, frozenset({"staff:read"}))
        try:
            user = self.stub.GetUser(auth_service_pb2.GetUserRequest(user_id=user_id),
                                     metadata=call_metadata(asking), timeout=self.timeout_s).user
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            if isinstance(mapped, (NotFound, InvalidInput)):
                raise InvalidInput("no such staff member in this tenant", field="server_staff_id") from None
            raise mapped from None
        if not user.active:
            raise InvalidInput("this staff member is not active", field="server_staff_id")
        if user.location_ids and location_id not in user.location_ids:
            raise InvalidInput("this staff member does not work at this location", field="server_staff_id")

    def time_zone(self, identity: Identity, location_id: str) -> str:
        cache_key, now = (identity.tenant_id, location_id), self.clock()
        with self._lock:
            cached = self._zones.get(cache_key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            location = self.stub.GetLocation(auth_service_pb2.GetLocationRequest(location_id=location_id),
                                             metadata=call_metadata(identity), timeout=self.timeout_s).location
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            if isinstance(mapped, (NotFound, InvalidInput)):
                raise NotFound("no such location in this tenant", field="location_id") from None
            raise mapped from None
        zone = location.time_zone or "UTC"
        with self._lock:
            self._zones[cache_key] = (now + TIME_ZONE_TTL_S, zone)
        return zone
