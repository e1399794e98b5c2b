"""Creates the demo tenant, one location and its admin (idempotent); prints their ids as JSON.

The admin password comes from DEMO_ADMIN_PASSWORD (the local stack generates one), never from code.
The first run goes through the same use case as a platform operator's create_tenant (audit, events).
"""
from __future__ import annotations

import json
import os
import sys

from chassis.errors import DomainError
from sqlalchemy import select

from auth.adapters import keys
from auth.adapters.orm import Location, User
from auth.bootstrap import wire
from auth.config import settings
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import LocationInput, create_tenant, find_tenant

TENANT_SLUG = "demo"
ADMIN_EMAIL = "admin@demo.auraconnect.local"


def main() -> None:
    password = os.environ.get("DEMO_ADMIN_PASSWORD")
    if not password:
        sys.exit("configuration error: DEMO_ADMIN_PASSWORD: field required")
    wiring = wire(settings())
    try:
        with wiring.db.begin() as session:
            keys.ensure_active_key(session, wiring.sealer)
            tenant = find_tenant(session, TENANT_SLUG)
            if tenant is None:
                tenant, location, admin = create_tenant(
                    session, Actor("operator:seed_demo"), TENANT_SLUG, "Demo Restaurant Group",
                    LocationInput("Demo Bistro, Center City", "America/New_York", "PA",
                                  "1500 Market St, Philadelphia, PA 19102"),
                    ADMIN_EMAIL, password, "Demo Admin")
            else:
                location = session.scalars(select(Location).where(Location.tenant_id == tenant.id)
                                           .order_by(Location.created_at)).first()
                admin = session.scalars(select(User).where(User.tenant_id == tenant.id,
                                                           User.email == ADMIN_EMAIL)).first()
            result = {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug, "location_id": str(location.id),
                      "admin_user_id": str(admin.id), "admin_email": ADMIN_EMAIL}
    except DomainError as error:
        sys.exit(f"seed_demo: {error}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
