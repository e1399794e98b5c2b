"""Forgets Idempotency-Keys older than 24 hours (run from cron; PostgreSQL only)."""
from orders.bootstrap import bootstrap
from orders.config import settings
from orders.service_layer.checks import purge_idempotency_keys

if __name__ == "__main__":
    container = bootstrap(settings())
    print(f"purged {purge_idempotency_keys(container.uow, clock=container.clock)} idempotency keys")
