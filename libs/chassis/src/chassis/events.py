"""CloudEvents Kafka protocol binding, binary content mode.

The payload is the protobuf message itself; the event's attributes travel as `ce_*` headers so a
stock Kafka client can route and filter without decoding the payload.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CONTENT_TYPE = "application/protobuf"
SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class EventEnvelope:
    """The CloudEvents attributes of one event."""

    event_id: str
    event_type: str  # full protobuf message name, e.g. auraconnect.orders.v1.OrderPlaced
    source: str  # e.g. /auraconnect/orders
    time: datetime
    subject: str | None = None

    def to_headers(self, trace_headers: dict[str, str] | None = None) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", self.event_id),
            ("ce_type", self.event_type),
            ("ce_source", self.source),
            ("ce_time", self.time.isoformat().replace("+00:00", "Z")),
            ("content-type", CONTENT_TYPE),
        ]
        if self.subject:
            headers.append(("ce_subject", self.subject))
        for name, value in (trace_headers or {}).items():
            headers.append((name, value))
        return [(name, value.encode()) for name, value in headers]

    @classmethod
    def from_headers(cls, headers: list[tuple[str, bytes]]) -> EventEnvelope:
        values = decode_headers(headers)
        missing = [h for h in ("ce_id", "ce_type", "ce_source", "ce_time") if h not in values]
        if missing:
            raise ValueError(f"not a CloudEvent: missing header(s) {', '.join(missing)}")
        if values.get("ce_specversion") != SPEC_VERSION:
            raise ValueError(f"unsupported ce_specversion {values.get('ce_specversion')!r}")
        return cls(
            event_id=values["ce_id"],
            event_type=values["ce_type"],
            source=values["ce_source"],
            time=datetime.fromisoformat(values["ce_time"].replace("Z", "+00:00")),
            subject=values.get("ce_subject"),
        )


def decode_headers(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    return {name: (value or b"").decode("utf-8", "replace") for name, value in (headers or [])}
