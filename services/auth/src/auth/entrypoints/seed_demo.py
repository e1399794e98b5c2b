"""Creates the demo tenant, one location and its admin (idempotent); prints their ids as JSON.

The admin password comes from DEMO_ADMIN_PASSWORD (the local stack generates one), never from code.
The first run goes through the same use case as a platform operator's create_tenant (audit, events).
"""
from __future__ import annotations

import json
import os
import sys

from chassis.errors import DomainError

from auth.bootstrap import bootstrap
from auth.config import settings
from auth.service_layer import key_rotation
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import LocationInput, NewTenant, ensure_tenant

TENANT_SLUG = "demo"
ADMIN_EMAIL = "admin@demo.auraconnect.local"


def main() -> None:
    password = os.environ.get("DEMO_ADMIN_PASSWORD")
    if not password:
        sys.exit("configuration error: DEMO_ADMIN_PASSWORD: field required")
    container = bootstrap(settings())
    try:
        key_rotation.ensure_active_key(container.uow, container.keyring, clock=container.clock)
        result = ensure_tenant(container.uow, Actor("operator:seed_demo"), NewTenant(
            TENANT_SLUG, "Demo Restaurant Group",
            LocationInput("Demo Bistro, Center City", "America/New_York", "PA", "1500 Market St, Philadelphia, PA 19102"),
            ADMIN_EMAIL, password, "Demo Admin"), clock=container.clock)
    except DomainError as error:
        sys.exit(f"seed_demo: {error}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
