"""Pieces of the relay and the consumer that need no broker: backoff, trace headers, dead-letter records."""
from __future__ import annotations

import pytest
from chassis import consumer, telemetry
from chassis.errors import DependencyUnavailable, InvalidInput
from chassis.retry import Backoff
from google.protobuf.message import DecodeError
from opentelemetry import baggage, context, propagate
from sqlalchemy.exc import DataError, OperationalError

pytestmark = pytest.mark.unit

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    backoff = Backoff(base_s=0.1, max_s=2.0)
    delays = [backoff.next() for _ in range(10)]
    # "Equal jitter": the n-th delay lies in [d/2, d] with d = base * 2^n, so it grows for sure
    # every two steps however the dice fall, and never passes the cap.
    for n, delay in enumerate(delays):
        d = min(2.0, 0.1 * 2 ** n)
        assert d / 2 <= delay <= d
    assert delays[3] > delays[1] and max(delays) <= 2.0
    assert len({round(d, 6) for d in delays[5:]}) > 1, "jittered, not a fixed delay"
    backoff.reset()
    assert backoff.next() <= 0.1


def test_client_baggage_does_not_travel_in_event_headers():
    # What FastAPI's instrumentation does with a client's request headers (global propagator).
    incoming = {"traceparent": TRACEPARENT, "baggage": "tenant=evil,role=admin"}
    token = context.attach(propagate.extract(incoming))
    try:
        headers = telemetry.inject_headers()
    finally:
        context.detach(token)
    assert headers.get("traceparent", "").startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert "baggage" not in headers

    # Rows written before the fix may hold baggage: the relay rebuilds the context from the stored
    # headers with extract_context, which keeps the trace and drops the baggage.
    stored = telemetry.extract_context({"traceparent": TRACEPARENT, "baggage": "tenant=evil"})
    assert baggage.get_all(stored) == {}
    token = context.attach(stored)
    try:
        assert "baggage" not in telemetry.inject_headers()
    finally:
        context.detach(token)


def test_dead_letter_record_keeps_exact_bytes_even_with_nul():
    headers = [("ce_id", b"a\x00b"), ("x\x00name", b"\xff\x00\x01")]
    stored = consumer.encode_record(b"key\x00", headers)
    import json

    text = json.dumps(stored)
    assert "\\u0000" not in text, "JSONB cannot hold NUL"
    key, decoded = consumer.decode_record(json.loads(text))
    assert key == b"key\x00" and decoded == headers
    # The old format (a plain name -> value object) still reads.
    assert consumer.decode_record({"ce_id": "x"}) == (None, [("ce_id", b"x")])


@pytest.mark.parametrize(("error", "permanent"), [
    (consumer.PermanentEventError("bad"), True),
    (DecodeError("truncated"), True),
    (InvalidInput("must be positive", field="tip_cents"), True),
    (DataError("INSERT", {}, Exception("NUL")), True),
    (DependencyUnavailable("tax is down"), False),
    (OperationalError("SELECT 1", {}, Exception("server closed the connection")), False),
    (ConnectionError("reset"), False),
    (RuntimeError("a bug: waits for a fix rather than losing the event"), False),
])
def test_only_what_can_never_succeed_is_permanent(error, permanent):
    assert consumer.is_permanent(error) is permanent
