"""Benchmark: what the Envoy gateway itself adds to a request (issue 13: at most 1 ms p50).

    .venv/bin/python bench/bench_gateway.py [--seconds 12] [--clients 1,16] [--keep] [--port-base N]

Starts a small stack of its own (PostgreSQL, Redis, the trace collector, auth-http for login and the
JWKS, orders-http, and Envoy rendered from gateway/envoy.yaml.tmpl exactly as `make up` renders it) in its
own state dir and free port block, logs in the demo admin, and sends the SAME request with the SAME
bearer token
    direct    to the orders HTTP process (which verifies the token itself: chassis.internal_token)
    gateway   through Envoy (jwt_authn, tracing, access log, body buffer, router) to that process
on `GET /api/orders/v1/whoami`, the cheapest authenticated route (no database), so the service's own time
does not hide Envoy's. The two paths alternate in short windows (a shared, noisy machine then loads
both alike); each client keeps one HTTP/1.1 connection open (http.client, keep-alive). Prints p50/p99
per path and the difference, at each client count, plus Envoy's own counters for the run.
Takes about --seconds x client counts x 2 plus ~15-20 s of stack start.

Findings (issue 13; 2-core machine shared with other stacks, load average 12-17, same run alternating
the two Envoy configs, 1 client): Envoy as it was cost 8.7-8.8 ms p50 over direct and 770-920 us of its
own CPU per request; two changes brought that to 1.0-3.1 ms and 450-560 us (at 16 clients 480-520 ->
220-240 us CPU per request):
  * jwt_authn `jwt_cache_config`: a verified token is kept, so its ES256 check runs once, not per request
    (stats: jwt_cache_hit on all but the first request of each token);
  * span export batched (runtime tracing.opentelemetry.min_flush_spans 512, flush_interval_ms 1000):
    Envoy's default exported to the collector every 5 spans, an extra gRPC call (and a wake-up of the
    Python collector) every fifth request.
Tried and kept as they were: --concurrency 1 (no better), access log off (within noise), tracing off
(saves ~100 us CPU more, but the platform's traces start at the gateway). Upstream connections are
already reused (upstream_cx_total = client count). On a loaded machine most of the remaining wall-time
difference is scheduling: each request wakes one more process.
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
from devstack import procs
from devstack.layout import REPO_ROOT, SERVICES_BY_NAME, Layout
from devstack.stack import Stack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tax_api import cpu_seconds, free_port_base, login  # noqa: E402

PATH = "/api/orders/v1/whoami"
TARGET_MS = 1.0
WINDOW_S = 1.0


def window(port: int, headers: dict, clients: int, seconds: float, connections: list) -> list[float]:
    """`clients` threads, each on its own kept-alive connection, for `seconds`; latencies in ms."""
    stop = time.perf_counter() + seconds
    results: list[list[float]] = [[] for _ in range(clients)]

    def client(i: int) -> None:
        conn = connections[i]
        out = results[i]
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", PATH, headers=headers)
            response = conn.getresponse()
            response.read()
            out.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                raise SystemExit(f"{PATH} on port {port}: HTTP {response.status}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for r in results for x in r]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def envoy_stats(layout: Layout) -> dict[str, int]:
    text = httpx.get(f"http://127.0.0.1:{layout.envoy_admin_port}/stats", timeout=5).text
    wanted = ("jwt_authn.allowed", "jwt_authn.jwt_cache_hit", "jwt_authn.jwt_cache_miss", "jwks_fetch_success",
              "cluster.orders_http.upstream_cx_total", "cluster.orders_http.upstream_rq_total")
    stats = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        if any(name.endswith(w) for w in wanted) and value.strip().isdigit():
            stats[name] = int(value)
    return stats


def run(args, layout: Layout, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    direct_port = layout.service_port(SERVICES_BY_NAME["orders"], "http")
    ports = {"direct": direct_port, "gateway": layout.envoy_port}
    before = envoy_stats(layout)
    pids = {"envoy": procs.running_pid(layout.run_dir, "envoy"),
            "orders": procs.running_pid(layout.run_dir, "orders-http")}
    rows = []
    for clients in args.clients:
        conns = {path: [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(clients)]
                 for path, port in ports.items()}
        for path, port in ports.items():       # warm: connections open, caches filled
            window(port, headers, clients, 0.5, conns[path])
        samples: dict[str, list[float]] = {"direct": [], "gateway": []}
        envoy_cpu = 0.0     # Envoy's own CPU seconds while the gateway path ran: immune to a busy machine
        rounds = max(1, int(args.seconds / (2 * WINDOW_S)))
        for _ in range(rounds):
            for path, port in ports.items():
                cpu0 = cpu_seconds(pids["envoy"])
                samples[path] += window(port, headers, clients, WINDOW_S, conns[path])
                if path == "gateway":
                    envoy_cpu += cpu_seconds(pids["envoy"]) - cpu0
        for pool in conns.values():
            for conn in pool:
                conn.close()
        stats = {p: (statistics.median(v), percentile(v, 0.99), len(v)) for p, v in samples.items()}
        stats["envoy_cpu_us"] = envoy_cpu / max(1, len(samples["gateway"])) * 1e6
        rows.append((clients, stats))
    after = envoy_stats(layout)

    print(f"\ngateway cost on GET {PATH} (same token both ways); Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'clients':>7}  {'direct p50':>10} {'p99':>7} {'n':>6}   {'gateway p50':>11} {'p99':>7} {'n':>6}   "
          f"{'diff p50':>8} {'diff p99':>8}   {'envoy CPU/req':>13}")
    worst = 0.0
    for clients, r in rows:
        (dp50, dp99, dn), (gp50, gp99, gn) = r["direct"], r["gateway"]
        print(f"{clients:>7}  {dp50:>10.3f} {dp99:>7.3f} {dn:>6}   {gp50:>11.3f} {gp99:>7.3f} {gn:>6}   "
              f"{gp50 - dp50:>8.3f} {gp99 - dp99:>8.3f}   {r['envoy_cpu_us']:>10.0f} us")
        if clients == 1:
            worst = gp50 - dp50
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print("envoy during the run: " + ", ".join(f"{k.split('.', 1)[-1]}={v}" for k, v in sorted(delta.items()) if v))
    verdict = "meets" if worst <= TARGET_MS else "ABOVE"
    print(f"\ngateway's own cost at 1 client: {worst:.3f} ms p50 -> {verdict} the {TARGET_MS:.0f} ms target "
          f"(latencies in ms, client-observed wall time; Envoy CPU is its /proc utime+stime per request, "
          f"10 ms ticks, so read it over many requests)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12.0, help="measured seconds per client count (both paths)")
    ap.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16])
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("AURA_BENCH_GATEWAY_PORT_BASE", 0)),
                    help="first port of the stack's block (default: the first free block from 24000)")
    ap.add_argument("--state-dir", default=os.environ.get("AURA_BENCH_GATEWAY_STATE_DIR",
                                                          str(REPO_ROOT / ".stack-test-bench-gateway")))
    ap.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    ap.add_argument("--reuse", action="store_true", help="measure a stack already started with --keep")
    args, _ = ap.parse_known_args()

    layout = Layout(state_dir=Path(args.state_dir).resolve(), port_base=args.port_base or free_port_base(24_000))
    stack = Stack(layout)
    started = time.monotonic()
    try:
        if args.reuse:
            import json

            demo = json.loads((layout.state_dir / "demo.json").read_text())
        else:
            print(f"starting a small stack in {layout.state_dir} on ports {layout.port_base}+ ...", flush=True)
            demo = stack.start_slice((("auth", "http"), ("orders", "http")))
            print(f"stack up in {time.monotonic() - started:.1f}s", flush=True)
        token = login(layout, demo, stack.secrets["DEMO_ADMIN_PASSWORD"])
        return run(args, layout, token)
    finally:
        if not args.keep:
            stack.down()


if __name__ == "__main__":
    sys.exit(main())
