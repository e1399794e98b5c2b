"""Benchmark: a burst of signed Square webhooks through Envoy into pos-bridge (issue 12, "Speed").

    .venv/bin/python bench/bench_pos_webhooks.py [--rate 200] [--seconds 2] [--warmup 20] [--port-base N] [--keep]

Starts a slice of its own (PostgreSQL, Redis, Kafka, the trace collector, auth and tax http+grpc,
orders grpc, pos-bridge http+consumer, Envoy), connects the demo location to a fake Square (the
contract-faithful one of tools/posfakes, `python -m posfakes square` in a process of its own, so that
answering pos-bridge's fetches never competes with the sender for this process's GIL), creates
rate x seconds orders on it, then sends one signed thin `order.created` webhook per order to the
gateway at --rate per second, after --warmup webhooks at 10/s that are not measured (each HTTP worker
opens its database pool at start, but the first requests still meet cold code paths and caches).

The sender is open loop and cheap: every request is built and signed before the burst, each has its
due time, and one asyncio loop writes it on an idle keep-alive connection (a new one when all are
busy) at that time, whatever the answers before it do. Latency counts from the due time, so a sender
that fell behind would count its own lateness (its largest lateness is printed: it should be ~1 ms).

Acknowledgement: from the due time to the 200; pos-bridge answers after verifying the signature and
committing the event, nothing more. Checked against the server's side: Envoy's access log
(%DURATION% of each webhook: Envoy + pos-bridge, no client). Processing: the consumer process's
inbound workers fetch the full order from the fake and place it in orders (gRPC CreateOrder): from the
event's received_at to its processed_at, read from pos-bridge's table. CPU seconds per process during
the burst and until the last event is processed (from /proc; the http workers and PostgreSQL's
backends counted with their parents). Prints all against the targets (p99 acknowledgement < 100 ms;
every event processed within 5 s of its arrival) with the load average: the machine is shared, and a
load above its core count shows in the tail.

What the acknowledgement costs (services/pos-bridge/README.md, "Inbound webhooks"): the served HTTP
workers answer the route in plain ASGI in front of FastAPI, async with no thread hand-off, verify
with the connection's signature key that each worker remembers unsealed, and store with one
INSERT ... ON CONFLICT guarded by the connection row's xmin (psycopg async pool). The consumer runs
at nice 10 (services/catalogue.toml) so that processing a burst does not take the cores the
acknowledgements need. pos-bridge-http CPU per webhook, measured here: 6.0 ms with the first version
(FastAPI route, SQLAlchemy session in a worker thread), 2.9 ms async with the single INSERT, 1.35 ms
with the fast path.

Runs on 2026-11-30, 2-core machine shared with other sessions' stacks and tests (load average 8 to 25);
CPU-s are pos-bridge-http's during the burst, ms/webhook in brackets:
    first version, load 8.5:            ack p50 1810 ms, p99 2407 ms; processing max 6.1 s; 2.39 (6.0)
    async + one INSERT, load 17.9:      ack p50 3519 ms, p99 3943 ms; processing max 3.0 s; 1.15 (2.9)
    + fast path + nice, load 15:        ack p50 2020 ms, p99 2647 ms; processing max 8.1 s; 0.54 (1.35)
    the same without nice, load 12:     ack p50 2390 ms, p99 2708 ms; processing max 7.8 s; 0.56 (1.4)
    + warm-up, load 8.2:                ack p50 1043 ms, p99 1383 ms; processing max 8.9 s; 0.57 (1.4)
    the same at 50/s for 4 s, load 20:  ack p50  703 ms, p99 1072 ms;                       0.24 (1.2)
Envoy's access log agrees with the client within a few ms each time: the wait is on the server side,
queueing for CPU (every process gets a fraction of a core at such loads), mostly in the first second
of the burst. Earlier, on a quiet machine, first version: ack p50 89 ms, p99 363 ms; processing
slowest 4.2 s. Processing costs about 30 ms of CPU per event across the consumer, orders-grpc and
PostgreSQL (the bench's second CPU line): 400 events are ~12 CPU-s, ~6 s of 2 cores, so the 5 s target at this
burst depends on that cost more than on scheduling.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg
from devstack import postgres
from devstack.layout import Layout
from devstack.stack import Stack
from posfakes.square.server import DEFAULT_TOKEN, order_event
from posfakes.square.signing import SIGNATURE_HEADER, sign

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_orders import cpu_by_pid, cpu_used, percentile, process_pids  # noqa: E402
from bench_tax_api import login  # noqa: E402
from slice_runner import add_slice_options, run_on_slice  # noqa: E402

ACK_P99_TARGET_MS = 100.0
PROCESSED_TARGET_S = 5.0
SIGNATURE_KEY = "bench-square-signature-key"
SQUARE_LOCATION = "LBENCHSQUARE1"
PROCESSES = (("auth", "http"), ("auth", "grpc"), ("tax", "http"), ("tax", "grpc"), ("orders", "grpc"),
             ("pos-bridge", "http"), ("pos-bridge", "consumer"))
MEASURED = ("envoy", "pos-bridge-http", "pos-bridge-consumer", "orders-grpc")


def start_fake_square(layout: Layout) -> tuple[subprocess.Popen, str]:
    """`python -m posfakes square` on the block's fake_square port; (its process, its URL)."""
    port = layout.infra_port("fake_square")
    fake = subprocess.Popen([sys.executable, "-m", "posfakes", "square", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/_fake/requests", timeout=1).raise_for_status()
            return fake, url
        except httpx.HTTPError:
            if time.monotonic() > deadline or fake.poll() is not None:
                fake.kill()
                raise SystemExit("the fake Square did not start") from None
            time.sleep(0.2)


def connect(http: httpx.Client, gateway: str, demo: dict, square_url: str) -> tuple[str, str]:
    """The demo location linked to the fake Square; returns (connection id, notification URL)."""
    made = http.post("/api/pos-bridge/v1/connections", json={
        "provider": "square", "location_id": demo["location_id"], "external_merchant_id": "MBENCH",
        "external_location_id": SQUARE_LOCATION, "api_base_url": square_url,
        "credentials": {"access_token": DEFAULT_TOKEN}})
    made.raise_for_status()
    connection_id = made.json()["connection_id"]
    url = f"{gateway}/api/pos-bridge/v1/webhooks/square/{connection_id}"
    http.put(f"/api/pos-bridge/v1/connections/{connection_id}/webhook",
             json={"notification_url": url, "signature_key": SIGNATURE_KEY}).raise_for_status()
    return connection_id, url


def signed_requests(url: str, bodies: list[bytes]) -> list[bytes]:
    """Each webhook as the bytes of one HTTP/1.1 request, signed (all the sender's work done up front)."""
    target = httpx.URL(url)
    return [(f"POST {target.raw_path.decode()} HTTP/1.1\r\nhost: {target.host}:{target.port}\r\n"
             f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
             f"{SIGNATURE_HEADER}: {sign(SIGNATURE_KEY, url, body)}\r\nuser-agent: Square Connect v2\r\n\r\n"
             ).encode() + body for body in bodies]


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Write one request, read its whole answer; its status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    fields = {k.strip().lower(): v.strip() for k, _, v in
              (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)}
    if b"content-length" in fields:
        await reader.readexactly(int(fields[b"content-length"]))
    elif fields.get(b"transfer-encoding") == b"chunked":
        await reader.readuntil(b"0\r\n\r\n")
    return status


async def _burst(host: str, port: int, requests: list[bytes], rate: float) -> tuple[list[float], list[int], float]:
    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies, statuses = [0.0] * len(requests), [0] * len(requests)
    lateness = [0.0]
    start = loop.time() + 0.2

    async def one(index: int) -> None:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        lateness[0] = max(lateness[0], loop.time() - due)
        try:
            reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
            statuses[index] = await _exchange(reader, writer, requests[index])
            idle.append((reader, writer))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            statuses[index] = 0
        latencies[index] = (loop.time() - due) * 1000

    await asyncio.gather(*(one(i) for i in range(len(requests))))
    for _, writer in idle:
        writer.close()
    return latencies, statuses, lateness[0] * 1000


def send_burst(url: str, requests: list[bytes], rate: float) -> tuple[list[float], list[int], float]:
    """POST each request at its own due time (open loop); (latencies in ms from the due time, status
    codes, the sender's largest lateness in ms)."""
    target = httpx.URL(url)
    return asyncio.run(_burst(target.host, target.port, requests, rate))


def envoy_durations(layout: Layout, connection_id: str) -> list[float]:
    """%DURATION% (ms) of each webhook to this connection in Envoy's access log: the server side's view."""
    durations = []
    for line in (layout.logs_dir / "envoy.log").read_text(errors="replace").splitlines():
        if connection_id in line and line.startswith("{"):
            entry = json.loads(line)
            if entry.get("method") == "POST" and "/webhooks/" in entry.get("path", ""):
                durations.append(float(entry["duration_ms"]))
    return durations


def processing_delays(layout: Layout, password: str, connection_id: str, expected: int,
                      wait_s: float) -> tuple[list[float], int]:
    """Seconds from received_at to processed_at per event once all are done (or after wait_s);
    (delays, events still unprocessed)."""
    deadline = time.monotonic() + wait_s
    with psycopg.connect(postgres.superuser_url(layout, password), autocommit=True) as db:
        while True:
            rows = db.execute(
                "SELECT EXTRACT(EPOCH FROM processed_at - received_at) FROM pos_bridge.inbound_events "
                "WHERE connection_id = %s", (connection_id,)).fetchall()
            done = [float(row[0]) for row in rows if row[0] is not None]
            if len(done) >= expected or time.monotonic() > deadline:
                return done, max(0, expected - len(done))
            time.sleep(0.2)


def run(args, layout: Layout, stack: Stack, demo: dict) -> int:
    token = login(layout, demo, stack.secrets["DEMO_ADMIN_PASSWORD"])
    fake, square_url = start_fake_square(layout)
    try:
        with httpx.Client(base_url=layout.gateway_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as http:
            connection_id, url = connect(http, layout.gateway_url, demo, square_url)
        count, warm = int(args.rate * args.seconds), args.warmup
        with httpx.Client(base_url=square_url, timeout=10) as control:
            orders = [control.post("/_fake/orders", json={"location_id": SQUARE_LOCATION,
                                                          "reference_id": f"bench-{i}"}).json()
                      for i in range(warm + count)]
        requests = signed_requests(url, [
            json.dumps(order_event(order, "order.created", event_id=str(uuid.uuid4())),
                       separators=(",", ":")).encode() for order in orders])
        if warm:   # a few webhooks first, unmeasured: the burst meets warm workers, as in steady state
            warm_statuses = send_burst(url, requests[:warm], 10.0)[1]
            if set(warm_statuses) != {200}:
                raise SystemExit(f"the warm-up webhooks were answered {sorted(set(warm_statuses))}")
            requests = requests[warm:]
            time.sleep(1.0)
        pids = process_pids(layout, MEASURED)
        pids["fake square"] = [fake.pid]
        load = os.getloadavg()[0]
        print(f"sending {count} webhooks at {args.rate:.0f}/s (load average {load:.1f}) ...", flush=True)
        cpu0, own0 = cpu_by_pid(pids), time.process_time()
        began = time.perf_counter()
        latencies, statuses, lateness = send_burst(url, requests, args.rate)
        sent_in = time.perf_counter() - began
        cpu_burst = cpu_used(cpu0, cpu_by_pid(pids))
        cpu_burst["bench sender"] = time.process_time() - own0
        delays, missing = processing_delays(layout, stack.secrets["POSTGRES_SUPERUSER_PASSWORD"], connection_id,
                                            warm + count, wait_s=max(30.0, args.seconds * 10))
        cpu_all = cpu_used(cpu0, cpu_by_pid(pids))
        fetched = httpx.get(f"{square_url}/_fake/requests", timeout=30).json()["requests"]
        placed = sum(1 for r in fetched if r["method"] == "GET" and r["path"].startswith("/v2/orders/"))
    finally:
        fake.terminate()
        fake.wait(10)
    at_envoy = envoy_durations(layout, connection_id)[warm:]

    ok = sum(1 for s in statuses if s == 200)
    print(f"\nsigned Square webhooks through Envoy at {args.rate:.0f}/s for {args.seconds:.0f} s "
          f"({count} webhooks, sent in {sent_in:.2f} s, sender at most {lateness:.1f} ms late); "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"{'what':44} {'p50':>9} {'p99':>9} {'max':>9} {'n':>6}")
    print(f"{'acknowledged (verified + stored), ms':44} {percentile(latencies, 0.5):9.1f} "
          f"{percentile(latencies, 0.99):9.1f} {max(latencies):9.1f} {len(latencies):6}")
    if at_envoy:
        print(f"{'  the same at Envoy (access log), ms':44} {percentile(at_envoy, 0.5):9.1f} "
              f"{percentile(at_envoy, 0.99):9.1f} {max(at_envoy):9.1f} {len(at_envoy):6}")
    if delays:
        print(f"{'processed (fetched + CreateOrder), s':44} {percentile(delays, 0.5):9.2f} "
              f"{percentile(delays, 0.99):9.2f} {max(delays):9.2f} {len(delays):6}")
    print(f"CPU seconds during the burst ({sent_in:.1f} s): "
          + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cpu_burst.items())
          + f"; total {sum(cpu_burst.values()):.2f} of {sent_in * (os.cpu_count() or 1):.1f} available")
    print("CPU seconds until the last event was processed: "
          + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cpu_all.items()))
    others = ", ".join(f"{n} x {status or 'no answer'}" for status, n in sorted(Counter(statuses).items()) if status != 200)
    print(f"answers: {ok} x 200{', ' + others if others else ''}; unprocessed after the wait: {missing}; "
          f"order fetches from the fake: {placed}")
    ack_ok = percentile(latencies, 0.99) < ACK_P99_TARGET_MS and ok == count
    processed_ok = not missing and delays and max(delays) <= PROCESSED_TARGET_S
    print(f"p99 acknowledgement {percentile(latencies, 0.99):.1f} ms (target < {ACK_P99_TARGET_MS:.0f} ms): "
          f"{'MET' if ack_ok else 'NOT MET'}; slowest processing "
          f"{max(delays) if delays else float('nan'):.2f} s (target every event within "
          f"{PROCESSED_TARGET_S:.0f} s): {'MET' if processed_ok else 'NOT MET'}")
    return 0 if ok == count else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=200.0, help="webhooks per second")
    ap.add_argument("--seconds", type=float, default=2.0, help="length of the burst")
    ap.add_argument("--warmup", type=int, default=20, help="webhooks sent at 10/s before the burst, not measured")
    add_slice_options(ap, "pos")
    args, _ = ap.parse_known_args()

    return run_on_slice(args, PROCESSES, run, with_kafka=True)


if __name__ == "__main__":
    sys.exit(main())
