"""Run a background loop (outbox relay, consumer) as a process with health, metrics and clean stop."""
from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chassis.readiness import Check, run_checks

log = logging.getLogger(__name__)


def start_health_server(host: str, port: int, readiness: dict[str, Check],
                        alive: Callable[[], bool]) -> ThreadingHTTPServer:
    """/livez, /readyz and /metrics for processes that have no HTTP API of their own."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            if self.path == "/livez":
                ok = alive()
                self._reply(200 if ok else 503, {"status": "ok" if ok else "stopped"})
            elif self.path == "/readyz":
                results = run_checks(readiness)
                ready = alive() and all(v == "ok" for v in results.values())
                self._reply(200 if ready else 503, {"status": "ok" if ready else "unavailable", "checks": results})
            elif self.path == "/metrics":
                body = generate_latest()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE_LATEST)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self._reply(404, {"error": "not found"})

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # probes would flood the log
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server


def run_worker(loop: Callable[[threading.Event], None], host: str, health_port: int,
               readiness: dict[str, Check]) -> None:
    """Runs `loop(stop)` until SIGTERM/SIGINT sets `stop`; the loop finishes its current unit of work."""
    stop = threading.Event()
    worker = threading.Thread(target=loop, args=(stop,), name="worker")

    def request_stop(signum, _frame) -> None:
        log.info("signal %s: finishing current work", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    health_server = start_health_server(host, health_port, readiness, alive=worker.is_alive)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.5)
    health_server.shutdown()
    if not stop.is_set():
        raise SystemExit("worker loop ended unexpectedly")
