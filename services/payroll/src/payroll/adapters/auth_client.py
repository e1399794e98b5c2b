"""The auth service, as payroll sees it: are this location and this staff member part of the caller's tenant?"""
from __future__ import annotations

import grpc
from auraconnect.auth.v1 import auth_service_pb2, auth_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity


class AuthDirectory:
    def __init__(self, address: str, timeout_s: float = 5.0) -> None:
        self.stub = auth_service_pb2_grpc.AuthServiceStub(peer_channel(address))
        self.timeout_s = timeout_s

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None:
        self._call(self.stub.GetLocation, auth_service_pb2.GetLocationRequest(location_id=location_id),
                   identity, field, "no such location in this tenant")

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None:
        self._call(self.stub.GetUser, auth_service_pb2.GetUserRequest(user_id=user_id),
                   identity, field, "no such staff member in this tenant")

    def _call(self, method, request, identity: Identity, field: str, missing: str) -> None:
        try:
            method(request, metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            mapped = peer_error("auth", error)
            # The caller named the id in *our* request's field; say so in its terms.
            if isinstance(mapped, (NotFound, InvalidInput)):
                raise InvalidInput(missing, field=field) from None
            raise mapped from None
