"""The auth service, as payroll sees it: are this location and this staff member part of the caller's tenant?"""
from __future__ import annotations

import threading
import time

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity


class AuthDirectory:
    def __init__(self, address: str, timeout_s: float = 5.0, zone_ttl_s: float = 60.0) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s = timeout_s
        # Punches ask a location's time zone each time; it rarely changes, so keep it a minute.
        self.zone_ttl_s = zone_ttl_s
        self._zones: dict[tuple[str, str], tuple[float, str]] = {}
        self.tenant_ttl_s = 300.0  # a tenant's name on stubs: renames show within minutes
        self._tenants: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def time_zone(self, identity: Identity, location_id: str, field: str = "location_id") -> str:
        """The location's IANA time zone (also proves it is the caller's tenant's), cached briefly."""
        key, now = (identity.tenant_id, location_id), time.monotonic()
        with self._lock:
            cached = self._zones.get(key)
        if cached and cached[0] > now:
            return cached[1]
        response = self._call(self.stub.GetLocation, auth_service_pb2.GetLocationRequest(location_id=location_id),
                              identity, field, "no such location in this tenant")
        zone = response.location.time_zone
        with self._lock:
            self._zones[key] = (now + self.zone_ttl_s, zone)
        return zone

    def location(self, identity: Identity, location_id: str, field: str = "location_id") -> dict[str, str]:
        """Time zone and state of a location of the caller's tenant (a pay run asks once, at creation)."""
        response = self._call(self.stub.GetLocation, auth_service_pb2.GetLocationRequest(location_id=location_id),
                              identity, field, "no such location in this tenant")
        return {"time_zone": response.location.time_zone, "state": response.location.state,
                "name": response.location.name, "address": response.location.address}

    def employer(self, identity: Identity) -> dict[str, str]:
        """The caller's tenant as employer ({"name", "id"}) for pay stubs; cached a few minutes."""
        key, now = ("tenant", identity.tenant_id), time.monotonic()
        with self._lock:
            cached = self._tenants.get(key)
        if cached and cached[0] > now:
            return cached[1]
        response = self._call(self.stub.GetTenant, auth_service_pb2.GetTenantRequest(), identity, "tenant_id",
                              "no such tenant")
        found = {"name": response.tenant.name, "id": response.tenant.tenant_id}
        with self._lock:
            self._tenants[key] = (now + self.tenant_ttl_s, found)
        return found

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None:
        self._call(self.stub.GetLocation, auth_service_pb2.GetLocationRequest(location_id=location_id),
                   identity, field, "no such location in this tenant")

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None:
        self._call(self.stub.GetUser, auth_service_pb2.GetUserRequest(user_id=user_id),
                   identity, field, "no such staff member in this tenant")

    def _call(self, method, request, identity: Identity, field: str, missing: str):
        try:
            return method(request, metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            # The caller named the id in *our* request's field; say so in its terms.
            if isinstance(mapped, (NotFound, InvalidInput)):
                raise InvalidInput(missing, field=field) from None
            raise mapped from None
