"""The auth service over gRPC, as orders needs it: is a location the caller's tenant's and what is its
time zone (the LocationDirectory and LocationTimeZones ports), and may a user serve at a location
(StaffDirectory). One client, one channel.

A location is looked up once and remembered for `cache_s` seconds per (tenant, location): locations
never move between tenants and rarely change time zone, and a menu read, a quote or a line should not
cost an auth round trip each. A "no" is not remembered: a location just created must work at once."""
from __future__ import annotations

import threading
import time
import uuid

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity, service_identity

SERVICE = "orders"
MAX_REMEMBERED = 10_000
TIME_ZONE_TTL_S = 300.0  # a location's time zone rarely changes: ask auth at most every 5 minutes


class AuthClient:
    def __init__(self, address: str, timeout_s: float = 5.0, cache_s: float = TIME_ZONE_TTL_S, clock=time.monotonic) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s, self.cache_s, self.clock = timeout_s, cache_s, clock
        self._locations: dict[tuple[str, str], tuple[float, auth_service_pb2.Location]] = {}
        self._lock = threading.Lock()

    def check_location(self, identity: Identity, location_id: uuid.UUID | str, field: str = "location_id") -> None:
        self._location(identity, str(location_id), field)

    def time_zone(self, identity: Identity, location_id: str) -> str:
        return self._location(identity, str(location_id), "location_id").time_zone or "UTC"

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

    def _location(self, identity: Identity, location_id: str, field: str) -> auth_service_pb2.Location:
        key, now = (identity.tenant_id, location_id), self.clock()
        with self._lock:
            cached = self._locations.get(key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = self.stub.GetLocation(auth_service_pb2.GetLocationRequest(location_id=location_id),
                                             metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            if isinstance(mapped, (NotFound, InvalidInput)):  # said in the terms of our caller's request
                raise NotFound("no such location in this tenant", field=field) from None
            raise mapped from None
        with self._lock:
            if len(self._locations) > MAX_REMEMBERED:
                self._locations.clear()
            self._locations[key] = (now + self.cache_s, response.location)
        return response.location
