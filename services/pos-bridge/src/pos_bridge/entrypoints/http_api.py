"""pos-bridge REST API under /api/pos-bridge/v1: parses requests, calls use cases, answers JSON.

The webhook routes are public at the gateway (no JWT: a POS cannot log in); each request is verified
here against its connection's signature key instead."""
from __future__ import annotations

from chassis import readiness
from chassis.errors import InvalidInput
from chassis.http import create_app, current_identity
from chassis.identity import Identity
from chassis.runtime import run_http_workers
from fastapi import Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from pos_bridge.bootstrap import PosBridgeContainer, bootstrap
from pos_bridge.config import SERVICE, settings
from pos_bridge.entrypoints.routes_subscriptions import register_subscription_routes
from pos_bridge.entrypoints.webhook_fast_path import WebhookFastPath
from pos_bridge.service_layer import connections, inbound, sync
from pos_bridge.service_layer.webhook_receive import WebhookReceiver

BASE = "/api/pos-bridge/v1"


def readiness_checks(container: PosBridgeContainer) -> dict[str, readiness.Check]:
    """What requests here use: PostgreSQL only (never Redis or Kafka; the POS is called by the worker)."""
    return {"postgres": readiness.postgres(container.engine)} if container.engine is not None else {}


def build_app(container: PosBridgeContainer):
    app = create_app(SERVICE, readiness_checks(container))
    uow = container.uow
    base = BASE
    # Per provider: Toast's webhooks carry the whole order, the others a thin event or a payment.
    limits = {"toast": container.config.webhook_max_bytes_toast}

    def sealer():
        if container.sealer is None:
            raise RuntimeError("POS_CREDENTIALS_KEY is not configured")
        return container.sealer

    @app.get(f"{base}/connections", tags=["connections"])
    def list_connections(location_id: str | None = Query(None, description="only this location's"),
                         identity: Identity = Depends(current_identity)) -> dict:
        """The tenant's POS connections: settings:read."""
        return {"connections": [c.as_json() for c in connections.list_connections(uow, identity, location_id)]}

    @app.post(f"{base}/connections", tags=["connections"], status_code=201)
    def create_connection(body: dict = Body(..., examples=[{
            "provider": "square", "location_id": "uuid", "external_merchant_id": "MLEFBHHSJGVHD",
            "external_location_id": "L1", "api_base_url": "https://connect.squareupsandbox.com",
            "credentials": {"access_token": "..."},
            "webhook": {"notification_url": "https://example.com/api/pos-bridge/v1/webhooks/square/<id>",
                        "signature_key": "..."}}]),
            identity: Identity = Depends(current_identity)) -> dict:
        """Link a location to a POS account: settings:update. credentials and webhook.signature_key are
        write-only (sealed at rest, never returned)."""
        return connections.create_connection(uow, sealer(), identity, body).as_json()

    @app.get(f"{base}/connections/{{connection_id}}", tags=["connections"])
    def get_connection(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        return connections.get_connection(uow, identity, connection_id).as_json()

    @app.put(f"{base}/connections/{{connection_id}}/webhook", tags=["connections"])
    def set_webhook(connection_id: str, body: dict = Body(..., examples=[{
            "notification_url": "https://example.com/api/pos-bridge/v1/webhooks/square/<connection_id>",
            "signature_key": "..."}]), identity: Identity = Depends(current_identity)) -> dict:
        """The POS's webhook subscription for this connection: settings:update (the key is write-only)."""
        return connections.set_webhook(uow, sealer(), identity, connection_id, body).as_json()

    @app.post(f"{base}/connections/{{connection_id}}/pause", tags=["connections"])
    def pause(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Stop taking webhooks (the POS retries them) and processing: settings:update."""
        return connections.set_active(uow, identity, connection_id, False).as_json()

    @app.post(f"{base}/connections/{{connection_id}}/resume", tags=["connections"])
    def resume(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        return connections.set_active(uow, identity, connection_id, True).as_json()

    @app.delete(f"{base}/connections/{{connection_id}}", tags=["connections"], status_code=204)
    def delete(connection_id: str, identity: Identity = Depends(current_identity)) -> Response:
        connections.delete_connection(uow, identity, connection_id, container.clock())
        return Response(status_code=204)

    @app.get(f"{base}/connections/{{connection_id}}/sync", tags=["connections"])
    def sync_status(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Sync status (settings:read): last successful sync, lag, queued outbound changes, failures,
        conflicts, the circuit breaker, inbound events by status, POS orders held, the reconciliation
        poll (Clover, Toast)."""
        events, orders = inbound.list_inbound(uow, identity, connection_id)
        by_status: dict[str, int] = {}
        for event in events:
            by_status[event.status] = by_status.get(event.status, 0) + 1
        polling = connections.get_connection(uow, identity, connection_id).as_json()["polling"]
        return {"connection_id": connection_id, "events": by_status, "orders": len(orders),
                "failures": [e.as_json() for e in events if e.status == "failed"][-20:], "polling": polling,
                **sync.sync_status(uow, identity, connection_id, container.clock())}

    @app.get(f"{base}/connections/{{connection_id}}/sync/audit", tags=["sync"])
    def sync_audit(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Every overwrite the sync made, newest first (settings:read)."""
        return {"audit": sync.list_audit(uow, identity, connection_id)}

    @app.get(f"{base}/connections/{{connection_id}}/sync/reviews", tags=["sync"])
    def sync_reviews(connection_id: str, status: str | None = Query(None, description="open | resolved"),
                     identity: Identity = Depends(current_identity)) -> dict:
        """The manual review queue: fields the conflict policy could not decide (settings:read)."""
        return {"reviews": sync.list_reviews(uow, identity, connection_id, status)}

    @app.post(f"{base}/connections/{{connection_id}}/sync/reviews/{{review_id}}/resolve", tags=["sync"])
    def resolve_review(connection_id: str, review_id: str, body: dict = Body(..., examples=[{"choice": "pos"}]),
                       identity: Identity = Depends(current_identity)) -> dict:
        """Decide a review: `{"choice": "pos"|"aura"}` (settings:update); audited."""
        return sync.resolve_review(uow, identity, connection_id, review_id, body, container.clock(),
                                   container.menu_writer)

    @app.get(f"{base}/connections/{{connection_id}}/sync/policy", tags=["sync"])
    def sync_policy(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """The conflict policy in force per field (pos | aura | lww | review) and the overrides (settings:read)."""
        return sync.get_policy(uow, identity, connection_id)

    @app.put(f"{base}/connections/{{connection_id}}/sync/policy", tags=["sync"])
    def set_sync_policy(connection_id: str, body: dict = Body(..., examples=[{"overrides": {"description": "pos"}}]),
                        identity: Identity = Depends(current_identity)) -> dict:
        """Override the default conflict policy's rules for this connection (settings:update)."""
        return sync.set_policy(uow, identity, connection_id, body)

    @app.post(f"{base}/connections/{{connection_id}}/sync/menu-pull", tags=["sync"], status_code=202)
    def menu_pull(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Ask for a menu pull now (settings:update); the consumer process runs it within seconds."""
        sync.request_menu_pull(uow, identity, connection_id)
        return {"requested": True}

    @app.get(f"{base}/connections/{{connection_id}}/events", tags=["connections"])
    def events(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Every POS notification stored for the connection, oldest first (settings:read)."""
        return {"events": [e.as_json() for e in inbound.list_inbound(uow, identity, connection_id)[0]]}

    @app.get(f"{base}/connections/{{connection_id}}/orders", tags=["connections"])
    def pos_orders(connection_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """The POS orders fetched for the connection, newest version each (settings:read)."""
        return {"orders": [o.as_json() for o in inbound.list_inbound(uow, identity, connection_id)[1]]}

    # One per worker process, shared with the fast path (build_served_app): the connections it remembers.
    receiver = app.state.webhook_receiver = WebhookReceiver(container.webhook_inbox, container.sealer,
                                                            container.providers)

    @app.post(f"{base}/webhooks/{{provider}}/{{connection_id}}", tags=["webhooks"])
    async def webhook(provider: str, connection_id: str, request: Request) -> JSONResponse:
        """A POS notification: verified against the connection's signature key (401 otherwise, nothing
        stored), stored once per provider event id, acknowledged; processed asynchronously.

        Async with no thread hand-off and no body model (the HMAC needs the raw bytes anyway): the
        receiver remembers each connection's unsealed key and stores with one statement
        (service_layer/webhook_receive.py). The served process answers this route in front of
        FastAPI (webhook_fast_path.py) with the same receiver; this one documents it and serves
        in-process test clients."""
        max_bytes = limits.get(provider, container.config.webhook_max_bytes)
        too_large = JSONResponse({"error": "PayloadTooLarge", "field": "body",
                                  "message": f"a {provider} webhook body is at most {max_bytes} bytes"}, 413)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return too_large
        raw = await request.body()
        if len(raw) > max_bytes:
            return too_large
        if provider not in container.providers:
            raise InvalidInput("unknown provider", field="provider")
        received = await receiver.receive(provider, connection_id, request.headers, raw, container.clock())
        if received.verification:
            return JSONResponse({"verification": "received"})
        return JSONResponse({"stored": received.stored, "duplicates": received.duplicates})

    register_subscription_routes(app, container, base)
    return app


def build_served_app(container: PosBridgeContainer):
    """What an HTTP worker serves: the app behind the POS webhook fast path."""
    app = build_app(container)
    return WebhookFastPath(app, app.state.webhook_receiver, BASE, container.config.webhook_max_bytes,
                           container.clock, limits={"toast": container.config.webhook_max_bytes_toast})


if __name__ == "__main__":
    config = settings("pos_credentials_key")
    run_http_workers(SERVICE, config, lambda: build_served_app(bootstrap(config)), config.http_workers)
