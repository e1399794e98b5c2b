import pytest
from auth.entrypoints.http_common import client_address
from starlette.requests import Request

pytestmark = pytest.mark.unit


def _request(xff: str | None, peer: str = "127.0.0.1") -> Request:
    headers = [(b"x-forwarded-for", xff.encode())] if xff is not None else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


def test_rightmost_entry_from_the_trusted_proxy_wins_over_client_written_ones():
    assert client_address(_request("6.6.6.6, 203.0.113.7"), 1) == "203.0.113.7"
    assert client_address(_request("203.0.113.7"), 1) == "203.0.113.7"


def test_without_proxy_header_the_peer_is_the_client():
    assert client_address(_request(None, "198.51.100.2"), 1) == "198.51.100.2"
    assert client_address(_request("6.6.6.6", "198.51.100.2"), 0) == "198.51.100.2"
