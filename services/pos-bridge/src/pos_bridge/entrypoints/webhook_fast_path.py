"""The POS webhook route as plain ASGI in front of the FastAPI app, in the served process.

Profiled under a burst (bench/bench_pos_webhooks.py, py-spy --gil), the FastAPI stack cost a webhook
more CPU than verifying and storing it: the OpenTelemetry middleware alone walks every route of the
app per request to name its span, then the middlewares, routing and the endpoint's dependency
machinery. The acknowledgement has a latency target (p99 < 100 ms at 200/s), so this answers
`POST /api/pos-bridge/v1/webhooks/{provider}/{connection_id}` itself and passes everything else on.

It keeps what the stack gave the route: the body limit (413, by Content-Length up front and by
counting), the NUL refusal (422, PostgreSQL text cannot hold one), DomainErrors as their status and
JSON (401 bad signature, 503 + Retry-After paused or database down), 500 for the unexpected, and
the request counter and latency histogram under the route's template. Not a span per webhook: Envoy
traces each request at the edge, and the processing that follows runs in another process anyway.
The FastAPI route stays (OpenAPI, TestClient tests); both call the same WebhookReceiver."""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from chassis import metrics
from chassis.errors import DependencyUnavailable, DomainError, InvalidInput

from pos_bridge.service_layer.webhook_receive import WebhookReceiver

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "1"


class WebhookFastPath:
    def __init__(self, app, receiver: WebhookReceiver, base: str, max_bytes: int,
                 clock: Callable[[], datetime], limits: dict[str, int] | None = None) -> None:
        self.app, self.receiver, self.max_bytes, self.clock = app, receiver, max_bytes, clock
        self.limits = limits or {}   # per provider (Toast's webhooks carry the whole order)
        self.prefix = f"{base}/webhooks/"
        self.template = f"{base}/webhooks/{{provider}}/{{connection_id}}"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._lifespan(receive), send)
            return
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        parts = scope["path"][len(self.prefix):].split("/")
        if len(parts) != 2 or not all(parts):
            await self.app(scope, receive, send)   # not this route: FastAPI answers (404)
            return
        started = time.perf_counter()
        status, body, extra = await self._answer(parts[0], parts[1], scope, receive)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        metrics.HTTP_REQUESTS.labels("POST", self.template, str(status)).inc()
        metrics.HTTP_LATENCY.labels("POST", self.template).observe(time.perf_counter() - started)

    def _lifespan(self, receive):
        """The worker's start opens the inbox's pool (the first webhooks find connections ready, not
        a pool to open under a burst); its stop closes it. The app's own lifespan follows as before."""
        async def watching():
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.receiver.inbox.open()
            elif message["type"] == "lifespan.shutdown":
                await self.receiver.inbox.close()
            return message
        return watching

    async def _answer(self, provider: str, connection_id: str, scope, receive) -> tuple[int, bytes, list]:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        declared = headers.get("content-length", "")
        max_bytes = self.limits.get(provider, self.max_bytes)
        if declared.isdigit() and int(declared) > max_bytes:
            return self._too_large(provider, max_bytes)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return 400, b'{"error":"InvalidInput","message":"the client went away"}', []
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                return self._too_large(provider, max_bytes)
            chunks.append(chunk)
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        if b"\x00" in raw or b"\\u0000" in raw or "\x00" in connection_id:
            return self._error(InvalidInput("body: must not contain NUL characters", field="body"))
        if provider not in self.receiver.providers:
            return self._error(InvalidInput("unknown provider", field="provider"))
        try:
            received = await self.receiver.receive(provider, connection_id, headers, raw, self.clock())
        except DomainError as error:
            return self._error(error)
        except Exception:  # noqa: BLE001 - answered 500 like the app's handler does, and logged
            log.exception("unhandled error on POST %s", scope["path"])
            return 500, b'{"error":"InternalError","message":"internal error"}', []
        if received.verification:
            return 200, b'{"verification":"received"}', []
        return 200, json.dumps({"stored": received.stored, "duplicates": received.duplicates}).encode(), []

    @staticmethod
    def _too_large(provider: str, max_bytes: int) -> tuple[int, bytes, list]:
        return 413, json.dumps({"error": "PayloadTooLarge", "field": "body",
                                "message": f"a {provider} webhook body is at most {max_bytes} bytes"}).encode(), []

    @staticmethod
    def _error(error: DomainError) -> tuple[int, bytes, list]:
        extra = [(b"retry-after", RETRY_AFTER_SECONDS.encode())] if isinstance(error, DependencyUnavailable) else []
        return error.http_status, json.dumps(error.to_dict()).encode(), extra
