"""Outbound webhooks, the pure parts: signature format, retry schedule, target address classes,
the mapping from Kafka events to public event types, and what an admin may subscribe."""
from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, menu_events_pb2, menu_pb2, orders_pb2
from auraconnect.payroll.v1 import events_pb2 as payroll_events
from chassis.errors import InvalidInput
from pos_bridge.domain.subscriptions import (
    EVENT_TYPES,
    SOURCE_TYPES,
    event_types_field,
    is_public_address,
    literal_address,
    matches,
    next_attempt_at,
    public_types,
    signature_header,
    target_url_field,
    tenant_of,
    verify_signature,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


# ---- signature ----

def test_the_signature_header_is_t_and_one_v1_per_secret():
    body = b'{"id":"1"}'
    header = signature_header(["s1"], 1700000000, body)
    expected = hmac.new(b"s1", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    two = signature_header(["new", "old"], 1700000000, body)
    t, first, second = two.split(",")
    assert t == "t=1700000000" and first.startswith("v1=") and second.startswith("v1=") and first != second


def test_a_receiver_verifies_with_either_secret_and_rejects_old_or_tampered():
    body = b'{"hello":"world"}'
    header = signature_header(["new", "old"], 1000, body)
    assert verify_signature(header, "new", body, now=1010)
    assert verify_signature(header, "old", body, now=1010)
    assert not verify_signature(header, "other", body, now=1010)
    assert not verify_signature(header, "new", body + b" ", now=1010)
    assert not verify_signature(header, "new", body, now=1000 + 301)     # replayed too late
    assert not verify_signature("v1=abc", "new", body, now=1000)        # no timestamp


# ---- retries ----

def test_backoff_grows_exponentially_with_full_jitter():
    top = [next_attempt_at(n, T0, T0, base=30, cap=3600, rand=lambda: 1.0) for n in range(1, 9)]
    assert [(t - T0).total_seconds() for t in top] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert next_attempt_at(3, T0, T0, base=30, cap=3600, rand=lambda: 0.0) == T0    # full jitter: 0 .. ceiling


def test_the_schedule_stays_within_three_days_then_dead_letters():
    rng = random.Random(7)
    now, attempts = T0, 0
    while True:
        attempts += 1
        due = next_attempt_at(attempts, T0, now, base=30, cap=4 * 3600, rand=rng.random)
        if due is None:
            break
        assert due <= T0 + timedelta(days=3)
        now = due
    assert now <= T0 + timedelta(days=3)
    assert attempts > 15        # many tries over three days, not a handful
    # A replay starts a fresh window.
    late = T0 + timedelta(days=5)
    assert next_attempt_at(1, late, late, base=30, cap=3600) is not None


# ---- target addresses ----

@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",  # noqa: S104
    "100.64.0.1",
    "224.0.0.1", "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1", "2002:7f00:1::",
    "ff02::1", "2001:db8::1", "not-an-ip"])
def test_internal_addresses_are_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_are_accepted(address):
    assert is_public_address(address)


def test_literal_hosts_are_recognised():
    assert literal_address("[::1]") == "::1" and literal_address("127.0.0.1") == "127.0.0.1"
    assert literal_address("example.com") is None


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "example.com", "http://", "",
                                 "https://user:pw@example.com/", "http://example.com:99999/", None, 42,
                                 "https://exa mple.com/"])
def test_only_http_urls_with_a_host(url):
    with pytest.raises(InvalidInput) as raised:
        target_url_field(url)
    assert raised.value.field == "url"


# ---- event types ----

def test_every_published_type_maps_to_a_documented_public_type():
    for source, public in SOURCE_TYPES.items():
        assert public and all(p in EVENT_TYPES for p in public), source
    # Each mapped CloudEvents type names a real protobuf message.
    names = {m.DESCRIPTOR.full_name for module in (events_pb2, menu_events_pb2, payroll_events)
             for m in (getattr(module, n) for n in dir(module)) if hasattr(m, "DESCRIPTOR")
             and hasattr(m.DESCRIPTOR, "full_name")}
    assert set(SOURCE_TYPES) <= names


def test_order_events_map_by_type_and_status():
    order = orders_pb2.Order(order_id="o1", tenant_id="t1")
    placed = events_pb2.OrderPlaced(order=order)
    assert public_types("auraconnect.orders.v1.OrderPlaced", placed) == ("orders.order.placed",)
    assert tenant_of(placed) == "t1"
    closed = events_pb2.OrderStatusChanged(tenant_id="t2", status=orders_pb2.ORDER_STATUS_CLOSED)
    assert public_types("auraconnect.orders.v1.OrderStatusChanged", closed) == (
        "orders.order.status_changed", "orders.order.closed")
    paid = events_pb2.OrderPaid(tenant_id="t4", order_id="o4")
    assert public_types("auraconnect.orders.v1.OrderPaid", paid) == ("orders.order.paid",)
    assert tenant_of(paid) == "t4"
    ready = events_pb2.OrderStatusChanged(status=orders_pb2.ORDER_STATUS_READY)
    assert "orders.order.ready" in public_types("auraconnect.orders.v1.OrderStatusChanged", ready)
    menu = menu_events_pb2.MenuItemChanged(item=menu_pb2.MenuItem(tenant_id="t3"))
    assert public_types("auraconnect.orders.v1.MenuItemChanged", menu) == ("orders.menu.changed",)
    assert tenant_of(menu) == "t3"
    assert public_types("auraconnect.orders.v1.SomethingNew", placed) == ()


def test_subscriptions_name_known_types_or_the_wildcard():
    assert event_types_field(["orders.order.placed", "orders.order.placed", "*"]) == ["orders.order.placed", "*"]
    for bad in ([], "orders.order.placed", ["orders.order.nope"], [1]):
        with pytest.raises(InvalidInput) as raised:
            event_types_field(bad)
        assert raised.value.field == "event_types"
    assert matches(["*"], "orders.menu.changed") and matches(["orders.order.placed"], "webhooks.ping")
    assert not matches(["orders.order.placed"], "orders.order.closed")


# ---- the transport connects to the checked address ----

def test_the_url_is_pinned_to_the_checked_address_and_keeps_its_host_header():
    from pos_bridge.adapters.webhook_http import pinned_url

    url, host = pinned_url("https://hooks.example.com:8443/a/b?c=1", "93.184.216.34")
    assert str(url) == "https://93.184.216.34:8443/a/b?c=1" and host == "hooks.example.com:8443"
    url, host = pinned_url("http://hooks.example.com/x", "2606:4700::1")
    assert str(url) == "http://[2606:4700::1]/x" and host == "hooks.example.com"


def test_https_to_a_pinned_address_still_verifies_the_certificate_for_the_urls_host(tmp_path):
    """A real TLS server on 127.0.0.1 with a certificate for "localhost": reached as
    https://localhost/ pinned to 127.0.0.1 it verifies; a certificate for another name does not."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import httpx
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pos_bridge.adapters.webhook_http import HttpxWebhookTransport

    def certificate(name: str):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
                .not_valid_after(now + timedelta(hours=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_file, key_file

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    results = {}
    for name in ("localhost", "other.example"):
        cert_file, key_file = certificate(name)
        server = HTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.handle_request, daemon=True)
        thread.start()
        trust = ssl.create_default_context(cafile=str(cert_file))
        transport = HttpxWebhookTransport(httpx.Client(verify=trust, follow_redirects=False, trust_env=False))
        try:
            results[name] = transport.post(f"https://localhost:{server.server_address[1]}/hook", "127.0.0.1",
                                           b"{}", {"Content-Type": "application/json"}, 5)
        finally:
            transport.close()
            thread.join(timeout=5)
            server.server_close()
    assert results["localhost"].status_code == 204, results["localhost"]
    assert results["other.example"].status_code is None and "CERTIFICATE" in results["other.example"].error.upper()
