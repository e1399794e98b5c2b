"""Platform operator: creates a tenant (restaurant group) with its first location and first admin.

    python -m auth.entrypoints.create_tenant --slug SLUG --name NAME --admin-email EMAIL \
        --location-name NAME --time-zone America/New_York --state PA [--address ADDR] [--admin-name NAME] \
        [--platform-operator]

--platform-operator makes the platform operator's own tenant: its first admin is also the platform
operator (permissions on data every tenant shares, e.g. the tax rule tables); more operators are
granted with `python -m auth.entrypoints.platform_operator`. No API can do either.

The admin's initial password is read from TENANT_ADMIN_PASSWORD or, with --password-stdin, from
standard input (never from the command line, where other users could read it). All or nothing:
a bad value exits 2 naming the field and writes nothing. Prints the new ids as JSON.
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
from auth.service_layer import key_rotation
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import LocationInput, NewTenant, create_tenant


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-name", default="Administrator")
    parser.add_argument("--location-name", required=True)
    parser.add_argument("--time-zone", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--address", default="")
    parser.add_argument("--password-stdin", action="store_true")
    parser.add_argument("--platform-operator", action="store_true",
                        help="the platform operator's own tenant (its first admin is the platform operator)")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else os.environ.get("TENANT_ADMIN_PASSWORD")
    if not password:
        sys.exit("configuration error: TENANT_ADMIN_PASSWORD: field required (or use --password-stdin)")
    config = settings()
    setup_logging(SERVICE, "create_tenant", config.log_level)
    container = bootstrap(config)
    operator = os.environ.get("USER", "unknown")
    try:
        key_rotation.ensure_active_key(container.uow, container.keyring, clock=container.clock)
        result = create_tenant(container.uow, Actor(f"operator:{operator}"), NewTenant(
            args.slug, args.name, LocationInput(args.location_name, args.time_zone, args.state, args.address),
            args.admin_email, password, args.admin_name, platform_operator=args.platform_operator),
            clock=container.clock)
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
