"""REST API of integrators' webhook subscriptions, under /api/pos-bridge/v1/webhook-subscriptions.

Admins (settings:update) create, change, rotate, test, replay and delete; settings:read lists and
reads the delivery log. The secret is in the answer of create and rotate-secret only."""
from __future__ import annotations

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI, Query
from fastapi.responses import Response

from pos_bridge.domain.subscriptions import EVENT_TYPES, SIGNATURE_HEADER, WILDCARD
from pos_bridge.service_layer import subscriptions


def register_subscription_routes(app: FastAPI, container, base: str = "/api/pos-bridge/v1") -> None:
    uow, policy = container.uow, container.webhook_policy
    path = f"{base}/webhook-subscriptions"

    def sealer():
        if container.sealer is None:
            raise RuntimeError("POS_CREDENTIALS_KEY is not configured")
        return container.sealer

    @app.get(f"{base}/webhook-event-types", tags=["webhooks"])
    def event_types() -> dict:
        """The public event types a subscription may name ("*" = all), and how deliveries are signed."""
        return {"event_types": [{"type": name, "description": text} for name, text in EVENT_TYPES.items()],
                "wildcard": WILDCARD, "signature_header": SIGNATURE_HEADER}

    @app.post(path, tags=["webhooks"], status_code=201)
    def create(body: dict = Body(..., examples=[{
            "url": "https://integrator.example.com/hooks/aura", "description": "our ERP",
            "event_types": ["orders.order.placed", "orders.order.closed"]}]),
            identity: Identity = Depends(current_identity)) -> dict:
        """Subscribe a public http(s) URL to event types: settings:update. `secret` is shown this once."""
        view, secret = subscriptions.create_subscription(uow, sealer(), container.resolver, policy, identity, body)
        return view.as_json() | {"secret": {"set": True, "value": secret, "previous_valid_until": None}}

    @app.get(path, tags=["webhooks"])
    def list_all(identity: Identity = Depends(current_identity)) -> dict:
        return {"subscriptions": [s.as_json() for s in subscriptions.list_subscriptions(uow, identity)]}

    # Routes with a ":verb" suffix come before the plain /{id} ones so the id never swallows the verb.
    @app.post(f"{path}/{{subscription_id}}:rotate-secret", tags=["webhooks"])
    def rotate(subscription_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """A new secret (shown this once); the old one keeps verifying until `previous_valid_until`."""
        view, secret = subscriptions.rotate_secret(uow, sealer(), policy, identity, subscription_id,
                                                   container.clock())
        answer = view.as_json()
        answer["secret"]["value"] = secret
        return answer

    @app.post(f"{path}/{{subscription_id}}:test", tags=["webhooks"], status_code=202)
    def test(subscription_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Queue a `webhooks.ping` event to the URL; follow it in the delivery log."""
        return subscriptions.send_test(uow, identity, subscription_id, container.clock()).as_json()

    @app.post(f"{path}/{{subscription_id}}/deliveries/{{delivery_id}}:replay", tags=["webhooks"])
    def replay(subscription_id: str, delivery_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """Send a dead-lettered delivery again (due now, a fresh 3-day retry window)."""
        return subscriptions.replay_delivery(uow, identity, subscription_id, delivery_id,
                                             container.clock()).as_json()

    @app.get(f"{path}/{{subscription_id}}/deliveries", tags=["webhooks"])
    def deliveries(subscription_id: str, limit: int = Query(50, description="newest first, 1..100"),
                   identity: Identity = Depends(current_identity)) -> dict:
        """The delivery log: status, attempts (status code, latency, error), next retry."""
        return {"deliveries": [d.as_json() for d in
                               subscriptions.list_deliveries(uow, identity, subscription_id, limit)]}

    @app.get(f"{path}/{{subscription_id}}", tags=["webhooks"])
    def get(subscription_id: str, identity: Identity = Depends(current_identity)) -> dict:
        return subscriptions.get_subscription(uow, identity, subscription_id).as_json()

    @app.patch(f"{path}/{{subscription_id}}", tags=["webhooks"])
    def update(subscription_id: str, body: dict = Body(..., examples=[{"event_types": ["*"], "active": False}]),
               identity: Identity = Depends(current_identity)) -> dict:
        """Change url, event_types, description or active (false pauses: pending deliveries die)."""
        return subscriptions.update_subscription(uow, container.resolver, policy, identity, subscription_id,
                                                 body).as_json()

    @app.delete(f"{path}/{{subscription_id}}", tags=["webhooks"], status_code=204)
    def delete(subscription_id: str, identity: Identity = Depends(current_identity)) -> Response:
        subscriptions.delete_subscription(uow, identity, subscription_id, container.clock())
        return Response(status_code=204)
