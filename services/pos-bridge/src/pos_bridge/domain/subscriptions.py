"""Outbound webhooks for integrators (pure): the public event types, the signature, the retry
schedule and which target addresses we refuse.

Public event types are stable names an integrator subscribes to; they are derived from the Kafka
events (their CloudEvents type = the protobuf message's full name) by PUBLIC_TYPES below, so renaming a
protobuf message never renames what integrators see."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from chassis.errors import InvalidInput
from chassis.validation import reject_nul

from pos_bridge.domain.retry import backoff_seconds

SIGNATURE_HEADER = "AuraConnect-Signature"
WILDCARD = "*"
PING = "webhooks.ping"          # sent by POST .../{id}:test, to that subscription only
MAX_URL = 2048
MAX_DESCRIPTION = 512
RETRY_HORIZON = timedelta(days=3)   # a delivery still failing this long after its first try is dead-lettered

# Public event type -> what it means. payroll.run.completed is reserved: payroll publishes no
# run-level event yet; a subscription may name it and starts receiving it once payroll does.
EVENT_TYPES: dict[str, str] = {
    "orders.order.placed": "a check was opened (OrderPlaced)",
    "orders.order.updated": "lines added or voided, a course held or fired",
    "orders.order.sent": "the check went to the kitchen",
    "orders.order.status_changed": "the check moved on (ready, served, closed, ...)",
    "orders.order.ready": "the kitchen finished the check",
    "orders.order.payment_recorded": "a payment (cash, card, gift card, POS-settled) was taken on the check",
    "orders.order.paid": "the check is paid in full (OrderPaid)",
    "orders.order.refunded": "money (and tip) was given back on a paid check (OrderRefunded)",
    "orders.order.closed": "the check was paid and closed",
    "orders.order.cancelled": "the check was cancelled",
    "orders.order.voided": "the check was voided after the kitchen worked on it",
    "orders.menu.changed": "a menu item, category, modifier group, price or 86 changed",
    "payroll.paycheck.finalized": "a paycheck is final (the last four SSN digits are never sent)",
    "payroll.run.completed": "reserved: a payroll run completed (no source event yet)",
}

_ORDERS = "auraconnect.orders.v1."
_STATUS_READY, _STATUS_CLOSED = 3, 9      # auraconnect.orders.v1.OrderStatus values
# Kafka topic -> the CloudEvents types on it we publish, and their public type(s).
TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "orders.order.v1": {
        _ORDERS + "OrderPlaced": ("orders.order.placed",),
        _ORDERS + "OrderLinesAdded": ("orders.order.updated",),
        _ORDERS + "OrderLineVoided": ("orders.order.updated",),
        _ORDERS + "OrderCourseHeld": ("orders.order.updated",),
        _ORDERS + "OrderCourseFired": ("orders.order.updated",),
        _ORDERS + "OrderSent": ("orders.order.sent",),
        _ORDERS + "OrderStatusChanged": ("orders.order.status_changed",),   # + ready / closed by status
        _ORDERS + "OrderCancelled": ("orders.order.cancelled",),
        _ORDERS + "OrderVoided": ("orders.order.voided",),
        _ORDERS + "OrderPaymentRecorded": ("orders.order.payment_recorded",),
        _ORDERS + "OrderPaid": ("orders.order.paid",),
        _ORDERS + "OrderRefunded": ("orders.order.refunded",),
    },
    "orders.menu.v1": {_ORDERS + name: ("orders.menu.changed",) for name in (
        "MenuItemCreated", "MenuItemChanged", "MenuItemDeleted", "MenuItemAvailabilityChanged",
        "MenuItemPriceOverridden", "ModifierOptionAvailabilityChanged", "MenuCategoryChanged",
        "ModifierGroupChanged")},
    "payroll.paycheck.v1": {"auraconnect.payroll.v1.PaycheckFinalized": ("payroll.paycheck.finalized",)},
}
SOURCE_TYPES: dict[str, tuple[str, ...]] = {t: p for types in TOPICS.values() for t, p in types.items()}
# Fields never sent to an integrator, per CloudEvents type (the event's data is the rest).
REDACTED: dict[str, tuple[str, ...]] = {"auraconnect.payroll.v1.PaycheckFinalized": ("ssn_last4",)}


def public_types(source_type: str, message: object) -> tuple[str, ...]:
    """The public event types one Kafka event becomes (none for a type we do not publish)."""
    types = SOURCE_TYPES.get(source_type, ())
    if source_type == _ORDERS + "OrderStatusChanged":
        status = getattr(message, "status", 0)
        if status == _STATUS_READY:
            types += ("orders.order.ready",)
        elif status == _STATUS_CLOSED:
            types += ("orders.order.closed",)
    return types


def tenant_of(message: object) -> str:
    """The tenant an event belongs to: its own tenant_id, else that of the object it carries."""
    direct = getattr(message, "tenant_id", "")
    if direct:
        return direct
    for name in ("order", "item", "category", "group"):
        inner = getattr(message, name, None)
        if inner is not None and getattr(inner, "tenant_id", ""):
            return inner.tenant_id
    return ""


def matches(subscribed: Sequence[str], event_type: str) -> bool:
    return event_type == PING or WILDCARD in subscribed or event_type in subscribed


# ---- what an admin may subscribe ----

def event_types_field(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InvalidInput("must be a non-empty list of event types (or [\"*\"])", field="event_types")
    result: list[str] = []
    for item in value:
        if not isinstance(item, str) or (item != WILDCARD and item not in EVENT_TYPES):
            raise InvalidInput(f"unknown event type {str(item)[:80]!r}; known: {', '.join(EVENT_TYPES)}",
                               field="event_types")
        if item not in result:
            result.append(item)
    return result


def description_field(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise InvalidInput(f"must be a string of at most {MAX_DESCRIPTION} characters", field="description")
    return reject_nul(value, "description")


def target_url_field(value: object) -> tuple[str, str]:
    """(url, host) of an http(s) target with a host and no credentials in it."""
    if not isinstance(value, str) or not value:
        raise InvalidInput("is required", field="url")
    if len(value) > MAX_URL:
        raise InvalidInput(f"must be at most {MAX_URL} characters", field="url")
    reject_nul(value, "url")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InvalidInput("is not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("must be an http(s) URL with a host", field="url")
    if parts.username or parts.password:
        raise InvalidInput("must not carry credentials", field="url")
    if any(ch.isspace() for ch in value):
        raise InvalidInput("must not contain whitespace", field="url")
    return value, parts.hostname


# ---- target addresses ----

def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64 well-known prefix, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public_address(text: str) -> bool:
    """Whether a target at this address is reachable on the public internet only: not private,
    loopback, link-local, multicast, reserved, unspecified, shared (CGNAT) or documentation space."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])   # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_public_address(str(inner))
    if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified):
        return False
    return address.is_global


def refused_addresses(addresses: Sequence[str]) -> list[str]:
    """The non-public ones among a host's addresses (a host with any of them is refused: DNS may hand
    out either)."""
    return [a for a in addresses if not is_public_address(a)]


def literal_address(host: str) -> str | None:
    """The host as an IP address when it is one (brackets of an IPv6 literal removed)."""
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return None
    return candidate


# ---- signature ----

def sign(secret: str, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256(secret, "<timestamp>.<body>")."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex>[,v1=<hex>]`: one v1 per valid secret (two during a rotation's overlap,
    the new one first), so a receiver holding either secret verifies."""
    return ",".join([f"t={timestamp}"] + [f"v1={sign(secret, timestamp, body)}" for secret in secrets])


def verify_signature(header: str, secret: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in a few lines): parse t and the v1 entries,
    reject an old or future timestamp, recompute and compare in constant time."""
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


# ---- delivery ----

@dataclass(frozen=True)
class PostResult:
    """What one POST came back with: a status code, or the error that stopped it (timeout, refused)."""

    status_code: int | None
    latency_ms: int
    error: str | None = None


# ---- retries ----

def next_attempt_at(attempts: int, window_start: datetime, now: datetime, *, base: float, cap: float,
                    horizon: timedelta = RETRY_HORIZON, rand: Callable[[], float] = random.random) -> datetime | None:
    """When to try again after `attempts` failed attempts (exponential backoff, full jitter), or None
    when that would fall after `window_start + horizon`: the delivery is dead-lettered."""
    due = now + timedelta(seconds=backoff_seconds(attempts, base=base, cap=cap, rand=rand))
    return None if due > window_start + horizon else due
