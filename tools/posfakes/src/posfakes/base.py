"""What every fake POS after Square shares: a real HTTP server on loopback, a log of the requests
(tokens masked), faults on command (429 with Retry-After, 5xx, slow answers), webhook deliveries
recorded, and a JSON control API under /_fake/.

A provider's fake subclasses FakePos and supplies `handle_api` (its API), `fault_error` (its error
shape for an injected failure) and `control` (its own /_fake/ operations)."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx


class FakeHttpError(Exception):
    """An error answer of the provider's API: status, its body, extra headers."""

    def __init__(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Fault:
    status: int                   # 429, 500, 503, ... or 200 with a delay (a slow answer: client timeout)
    count: int = 1
    retry_after: int | None = None
    delay_s: float = 0.0
    path_prefix: str = "/"


class FakePos:
    name = "pos"
    fault_prefix = "/"                       # which paths an injected fault hits unless told
    response_headers: dict[str, str] = {}    # sent with every API answer (Square's square-version)

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name=f"fake-{self.name}", daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):   # `with FakeSquare() as fake:` serves for the block (a test fixture's lifetime)
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self._server.serve_forever()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ shared state
    def reset(self) -> None:
        with self.lock:
            self.faults: list[Fault] = []
            self.requests: list[dict] = []
            self.deliveries: list[dict] = []
            self.latency_s = 0.0   # every API answer takes this long (to observe concurrency)

    def inject(self, status: int, count: int = 1, retry_after: int | None = None, delay_s: float = 0.0,
               path_prefix: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(status, count, retry_after, delay_s, path_prefix or self.fault_prefix))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def record(self, method: str, path: str, query: dict, headers: dict[str, str], status: int) -> None:
        safe = {k: v for k, v in headers.items() if k != "authorization"}
        safe["authorization"] = "Bearer ***" if headers.get("authorization", "").startswith("Bearer ") else ""
        with self.lock:
            self.requests.append({"method": method, "path": path, "query": query, "headers": safe,
                                  "status": status})

    def deliver(self, url: str, body: bytes, headers: dict[str, str], times: int = 1,
                timeout: float = 10.0, **note) -> list[int]:
        """POST a webhook `times` times (a duplicate delivery); the statuses answered, 0 when unreachable."""
        statuses = []
        for _ in range(times):
            try:
                status = httpx.post(url, content=body, headers={"content-type": "application/json", **headers},
                                    timeout=timeout).status_code
            except httpx.HTTPError:
                status = 0
            statuses.append(status)
            with self.lock:
                self.deliveries.append({"url": url, "status": status, **note})
        return statuses

    # ------------------------------------------------------------------ provider hooks
    def handle_api(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                   body: bytes) -> tuple[int, object, dict[str, str]]:
        raise NotImplementedError

    def fault_error(self, fault: Fault) -> FakeHttpError:
        raise NotImplementedError

    def control(self, method: str, path: str, payload: dict) -> tuple[int, object] | None:
        """The provider's own /_fake/ operations; None when the path is not one of them."""
        return None

    def begin(self, headers: dict[str, str]) -> object:
        """Called before an API request is served (a concurrency count); its result goes to `end`.
        May raise FakeHttpError (a limit hit), having undone its own count."""
        return None

    def end(self, token: object) -> None:
        """After the request (token None when `begin` refused it)."""

    def _common_control(self, method: str, path: str, payload: dict) -> tuple[int, object]:
        if method == "POST" and path == "/_fake/faults":
            self.inject(int(payload["status"]), int(payload.get("count", 1)), payload.get("retry_after"),
                        float(payload.get("delay_s", 0)), payload.get("path_prefix"))
            return 200, {"ok": True}
        if method == "DELETE" and path == "/_fake/faults":
            self.clear_faults()
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/latency":
            with self.lock:
                self.latency_s = float(payload["seconds"])
            return 200, {"ok": True}
        if method == "GET" and path == "/_fake/requests":
            with self.lock:
                return 200, {"requests": list(self.requests), "deliveries": list(self.deliveries)}
        if method == "POST" and path == "/_fake/reset":
            self.reset()
            return 200, {"ok": True}
        return 404, {"error": f"no control {method} {path}"}


def _handler(fake: FakePos):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _reply(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in {**fake.response_headers, **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if parts.path.startswith("/_fake/"):
                try:
                    payload = json.loads(body) if body else {}
                    answer = fake.control(method, parts.path, payload) or fake._common_control(
                        method, parts.path, payload)
                except (KeyError, ValueError, TypeError, IndexError) as error:
                    answer = 400, {"error": repr(error)}
                self._reply(*answer)
                return
            fault = fake.take_fault(parts.path)
            if fault is not None and fault.delay_s:
                time.sleep(fault.delay_s)
            token = None
            try:
                token = fake.begin(headers)   # may refuse (a concurrency or rate limit)
                if fault is not None and fault.status >= 400:
                    raise fake.fault_error(fault)
                if fake.latency_s:
                    time.sleep(fake.latency_s)
                status, payload, extra = fake.handle_api(method, parts.path, query, headers, body)
            except FakeHttpError as error:
                status, payload, extra = error.status, error.body, error.headers
            finally:
                fake.end(token)
            fake.record(method, parts.path, query, headers, status)
            try:
                self._reply(status, payload, extra)
            except (BrokenPipeError, ConnectionResetError):
                pass   # the client gave up (a timeout we injected)

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self._dispatch("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._dispatch("PUT")

        def do_PATCH(self) -> None:  # noqa: N802
            self._dispatch("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._dispatch("DELETE")

    return Handler
