"""The auth adapter: how orders reads a server and a location's time zone (a fake stub, no network)."""
from __future__ import annotations

import grpc
import pytest
from auraconnect.auth.v1 import auth_service_pb2 as pb
from chassis.errors import InvalidInput, NotFound
from chassis.identity import identity_from_header
from orders.adapters.auth_client import TIME_ZONE_TTL_S, AuthClient

from services.orders.tests.unit.fakes import LOCATION, OTHER_LOCATION, identity

pytestmark = pytest.mark.unit


class NotFoundError(grpc.RpcError):
    def code(self):
        return grpc.StatusCode.NOT_FOUND

    def details(self):
        return "user_id: no such user"


class FakeStub:
    def __init__(self, users: dict[str, pb.User]) -> None:
        self.users, self.calls = users, []

    def GetUser(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        self.calls.append(("GetUser", dict(metadata)))
        if request.user_id not in self.users:
            raise NotFoundError()
        return pb.GetUserResponse(user=self.users[request.user_id])

    def GetLocation(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        self.calls.append(("GetLocation", request.location_id))
        return pb.GetLocationResponse(location=pb.Location(location_id=request.location_id,
                                                           time_zone="America/Chicago"))


@pytest.fixture
def directory():
    now = [0.0]
    adapter = AuthClient("127.0.0.1:1", clock=lambda: now[0])
    adapter.stub = FakeStub({
        "anywhere": pb.User(user_id="anywhere", active=True),
        "here": pb.User(user_id="here", active=True, location_ids=[str(LOCATION)]),
        "there": pb.User(user_id="there", active=True, location_ids=[str(OTHER_LOCATION)]),
        "gone": pb.User(user_id="gone", active=False),
    })
    return adapter, now


def test_a_server_is_checked_as_orders_itself(directory):
    adapter, _ = directory
    for user in ("anywhere", "here"):
        adapter.check_server(identity(), user, str(LOCATION))
    asked_as = identity_from_header(adapter.stub.calls[0][1]["x-jwt-payload"])
    assert asked_as.is_service and asked_as.has("staff:read") and asked_as.tenant_id == identity().tenant_id


@pytest.mark.parametrize("user", ["there", "gone", "stranger"])
def test_a_server_who_may_not_serve_here_is_422_naming_the_field(directory, user):
    adapter, _ = directory
    with pytest.raises(InvalidInput) as error:
        adapter.check_server(identity(), user, str(LOCATION))
    assert error.value.field == "server_staff_id"


def test_time_zones_are_cached_briefly(directory):
    adapter, now = directory
    assert adapter.time_zone(identity(), str(LOCATION)) == "America/Chicago"
    assert adapter.time_zone(identity(), str(LOCATION)) == "America/Chicago"
    assert adapter.stub.calls == [("GetLocation", str(LOCATION))]
    now[0] = TIME_ZONE_TTL_S + 1
    adapter.time_zone(identity(), str(LOCATION))
    assert len(adapter.stub.calls) == 2


def test_an_unknown_location_is_not_found_naming_the_field(directory):
    adapter, _ = directory

    def refuse(request, metadata, timeout):
        raise NotFoundError()

    adapter.stub.GetLocation = refuse
    with pytest.raises(NotFound) as error:
        adapter.time_zone(identity(), str(OTHER_LOCATION))
    assert error.value.field == "location_id"
