"""Outbound webhook HTTP: the system resolver and an httpx transport that connects to an address
chosen (and checked) beforehand, so what was checked is what is connected to.

The URL's host is replaced by that address; the Host header and, for https, the TLS server name
(SNI, and the name the certificate is verified against) stay the original host's."""
from __future__ import annotations

import ipaddress
import socket
import time

import httpx

from pos_bridge.domain.subscriptions import PostResult


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            return []
        seen: list[str] = []
        for *_, sockaddr in infos:
            if sockaddr[0] not in seen:
                seen.append(sockaddr[0])
        return seen


def pinned_url(url: str, address: str) -> tuple[httpx.URL, str]:
    """(the URL with its host replaced by `address`, the original Host header value)."""
    original = httpx.URL(url)
    host_header = original.netloc.decode("ascii")
    host = address.split("%", 1)[0]
    if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
        host = f"[{host}]"
    return original.copy_with(host=host.strip("[]")), host_header


class HttpxWebhookTransport:
    def __init__(self, client: httpx.Client | None = None) -> None:
        # No redirects: a 3xx is a failed attempt (following one could lead anywhere, unchecked).
        self.client = client or httpx.Client(follow_redirects=False, trust_env=False)

    def post(self, url: str, address: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
        target, host_header = pinned_url(url, address)
        extensions = {"sni_hostname": httpx.URL(url).host} if target.scheme == "https" else {}
        started = time.monotonic()
        try:
            response = self.client.post(target, content=body, headers={**headers, "Host": host_header},
                                        timeout=timeout, extensions=extensions)
        except httpx.TimeoutException:
            return PostResult(None, int((time.monotonic() - started) * 1000), f"timed out after {timeout:g} s")
        except httpx.HTTPError as error:
            return PostResult(None, int((time.monotonic() - started) * 1000), f"{type(error).__name__}: {error}")
        return PostResult(response.status_code, int((time.monotonic() - started) * 1000))

    def close(self) -> None:
        self.client.close()
