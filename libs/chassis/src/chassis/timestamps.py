"""protobuf Timestamp <-> timezone-aware UTC datetime, written once."""
from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(value: datetime) -> Timestamp:
    """An aware datetime as a Timestamp (a naive one is refused: we never guess a time zone)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: times are timezone-aware UTC")
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def optional_timestamp(value: datetime | None) -> Timestamp | None:
    return None if value is None else to_timestamp(value)
