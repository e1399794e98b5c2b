"""Rotates the JWT signing key with no failed request (see service_layer/key_rotation.py).

    python -m auth.entrypoints.rotate_keys [--publish-delay SECONDS] [--retire-only]

--publish-delay defaults to JWKS_CACHE_SECONDS + 10 s: the new key is in every verifier's cache
before it signs anything. Prints the outcome as JSON.
"""
from __future__ import annotations

import argparse
import json
import logging

from chassis.logs import setup_logging

from auth.bootstrap import bootstrap
from auth.config import SERVICE, settings
from auth.service_layer import key_rotation
from auth.service_layer.audit import Actor

MARGIN_SECONDS = 10


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publish-delay", type=float, default=None,
                        help="seconds between publishing the next key and signing with it")
    parser.add_argument("--retire-only", action="store_true", help="only unpublish keys whose tokens expired")
    args = parser.parse_args(argv)
    config = settings()
    setup_logging(SERVICE, "rotate_keys", config.log_level)
    container = bootstrap(config)
    actor = Actor("operator:rotate_keys")
    if args.retire_only:
        retired = key_rotation.retire(container.uow, config.access_token_ttl_seconds, actor, clock=container.clock)
        result = {"retired": retired}
    else:
        delay = args.publish_delay if args.publish_delay is not None else config.jwks_cache_seconds + MARGIN_SECONDS
        if delay < config.jwks_cache_seconds:
            logging.getLogger(__name__).warning(
                "publish delay %.0fs is shorter than the JWKS cache (%ss): verifiers may refuse new tokens",
                delay, config.jwks_cache_seconds)
        result = key_rotation.rotate(container.uow, container.keyring, delay, config.access_token_ttl_seconds, actor,
                                     clock=container.clock)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
