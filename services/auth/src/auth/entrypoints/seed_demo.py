"""Creates the demo tenant, one location and its admin (idempotent); prints their ids as JSON.

The admin password comes from DEMO_ADMIN_PASSWORD (the local stack generates one), never from code.
"""
from __future__ import annotations

import json
import os
import sys

from chassis.crypto import Sealer
from chassis.db import make_engine, make_session_factory, session_scope
from sqlalchemy import select

from auth.adapters import keys
from auth.adapters.orm import Location, Tenant, User
from auth.config import settings
from auth.domain.passwords import hash_password

TENANT_SLUG = "demo"
ADMIN_EMAIL = "admin@demo.auraconnect.local"


def main() -> None:
    password = os.environ.get("DEMO_ADMIN_PASSWORD")
    if not password:
        sys.exit("configuration error: DEMO_ADMIN_PASSWORD: field required")
    config = settings()
    sessions = make_session_factory(make_engine(config.database_url, config.db_schema))
    with session_scope(sessions) as session:
        keys.ensure_active_key(session, Sealer(config.auth_key_encryption_key))
        tenant = session.scalars(select(Tenant).where(Tenant.slug == TENANT_SLUG)).first()
        if tenant is None:
            tenant = Tenant(slug=TENANT_SLUG, name="Demo Restaurant Group")
            session.add(tenant)
            session.flush()
        location = session.scalars(select(Location).where(Location.tenant_id == tenant.id)).first()
        if location is None:
            location = Location(tenant_id=tenant.id, name="Demo Bistro, Center City",
                                address="1500 Market St, Philadelphia, PA 19102",
                                time_zone="America/New_York", state="PA")
            session.add(location)
            session.flush()
        admin = session.scalars(select(User).where(User.tenant_id == tenant.id, User.email == ADMIN_EMAIL)).first()
        if admin is None:
            admin = User(tenant_id=tenant.id, email=ADMIN_EMAIL, display_name="Demo Admin",
                         password_hash=hash_password(password), roles=["admin"], location_ids=[])
            session.add(admin)
            session.flush()
        result = {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug, "location_id": str(location.id),
                  "admin_user_id": str(admin.id), "admin_email": ADMIN_EMAIL}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
