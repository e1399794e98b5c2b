"""Platform operator: grants (or takes back) the platform operator role of a user of a platform-operator tenant.

    python -m auth.entrypoints.platform_operator grant --tenant SLUG --email EMAIL
    python -m auth.entrypoints.platform_operator revoke --tenant SLUG --email EMAIL

The tenant must have been created with `create_tenant --platform-operator`. The role carries the
platform permissions (chassis.rbac.PLATFORM_ROLES) from the user's next token (login or refresh).
Audited (`user.roles_changed`, actor operator:$USER) with a UserUpdated event. Bad input exits 2
naming the field, writing nothing. Prints the user as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from chassis.errors import DomainError
from chassis.logs import setup_logging

from auth.bootstrap import bootstrap
from auth.config import SERVICE, settings
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import set_platform_operator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("grant", "revoke"))
    parser.add_argument("--tenant", required=True, help="slug of a platform-operator tenant")
    parser.add_argument("--email", required=True)
    args = parser.parse_args(argv)
    config = settings()
    setup_logging(SERVICE, "platform_operator", config.log_level)
    container = bootstrap(config)
    operator = os.environ.get("USER", "unknown")
    try:
        user = set_platform_operator(container.uow, Actor(f"operator:{operator}"), args.tenant, args.email,
                                     args.action == "grant", clock=container.clock)
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(json.dumps(user))


if __name__ == "__main__":
    main()
