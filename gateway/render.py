"""Renders envoy.yaml.tmpl for a given set of upstream addresses (local stack or a deployment).

Usage: python gateway/render.py > envoy.yaml   (values from environment variables, see DEFAULTS)
The local launcher calls `render(values)` directly.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("envoy.yaml.tmpl")
SERVICES = {"auth": "auth", "orders": "orders", "payroll": "payroll", "tax": "tax", "pos-bridge": "pos_bridge"}
DEFAULTS = {
    "LISTEN_ADDRESS": "127.0.0.1", "LISTEN_PORT": "17000", "ADMIN_PORT": "17001",
    "JWT_ISSUER": "https://auth.auraconnect.local", "JWT_AUDIENCE": "auraconnect",
    # How long Envoy caches auth's JWKS; the auth service waits at least this long before signing
    # with a newly published key. The environment may shorten it (tests of key rotation).
    "JWKS_CACHE_SECONDS": os.environ.get("JWKS_CACHE_SECONDS", "60"),
    "OTEL_HOST": "127.0.0.1", "OTEL_PORT": "17030",
    # Per client address (the peer Envoy sees), per minute.
    "LOGIN_RATE_PER_MINUTE": os.environ.get("LOGIN_RATE_PER_MINUTE", "60"),
    "REFRESH_RATE_PER_MINUTE": os.environ.get("REFRESH_RATE_PER_MINUTE", "120"),
}

# A token bucket per client address (dynamic descriptors: one bucket per distinct remote address,
# at most max_dynamic_descriptors of them, least recently used evicted), for a public route.
RATE_LIMIT = """
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: NAME_rate_limit
                    token_bucket: {max_tokens: 100000, tokens_per_fill: 100000, fill_interval: 60s}
                    filter_enabled: {runtime_key: NAME_rl_enabled, default_value: {numerator: 100, denominator: HUNDRED}}
                    filter_enforced: {runtime_key: NAME_rl_enforced, default_value: {numerator: 100, denominator: HUNDRED}}
                    max_dynamic_descriptors: 20000
                    rate_limits:
                    - actions: [{remote_address: {}}]
                    descriptors:
                    - entries: [{key: remote_address}]
                      token_bucket: {max_tokens: RATE, tokens_per_fill: RATE, fill_interval: 60s}
                    response_headers_to_add:
                    - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                      header: {key: retry-after, value: "60"}"""


def _rate_limit(name: str, per_minute: str) -> str:
    if not per_minute.isdigit() or int(per_minute) < 1:
        raise ValueError(f"{name.upper()}_RATE_PER_MINUTE must be a positive integer")
    return "\n" + RATE_LIMIT.strip("\n").replace("NAME", name).replace("RATE", per_minute)


ROUTE_BLOCK = """
              - match: {prefix: "/auraconnect.PKG.v1.", grpc: {}}
                route: {cluster: PKG_grpc, timeout: 30s}
              - match: {prefix: "/api/NAME/"}
                route: {cluster: PKG_http, timeout: 30s}"""

CLUSTER_BLOCK = """
  - name: PKG_KIND
    type: STRICT_DNS
    connect_timeout: 2s
    HTTP2_OPTIONS
    load_assignment:
      cluster_name: PKG_KIND
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: "${VAR_HOST}", port_value: ${VAR_PORT}}}}"""

HTTP2_OPTIONS = """typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: {http2_protocol_options: {}}"""


def _route_blocks() -> tuple[str, str]:
    """Routes and clusters for every service: REST by /api/<name>/, gRPC by package prefix."""
    routes, clusters = [], []
    for name, package in SERVICES.items():
        routes.append(ROUTE_BLOCK.replace("PKG", package).replace("NAME", name))
        for kind in ("http", "grpc"):
            block = CLUSTER_BLOCK.replace("HTTP2_OPTIONS", HTTP2_OPTIONS if kind == "grpc" else "")
            clusters.append(block.replace("PKG", package).replace("KIND", kind)
                            .replace("VAR", f"{package.upper()}_{kind.upper()}"))
    return "".join(routes), "".join(clusters)


def render(values: dict[str, str]) -> str:
    routes, clusters = _route_blocks()
    text = TEMPLATE.read_text().replace("#SERVICE_ROUTES#", routes).replace("#SERVICE_CLUSTERS#", clusters)
    merged = {**DEFAULTS, **values}
    merged["LOGIN_RATE_LIMIT"] = _rate_limit("login", merged["LOGIN_RATE_PER_MINUTE"])
    merged["REFRESH_RATE_LIMIT"] = _rate_limit("refresh", merged["REFRESH_RATE_PER_MINUTE"])
    return Template(text).substitute(merged)


def local_values(port_of) -> dict[str, str]:
    """Values for services on 127.0.0.1; port_of(service_name, kind) gives each port."""
    values = {}
    for name, package in SERVICES.items():
        for kind in ("http", "grpc"):
            values[f"{package.upper()}_{kind.upper()}_HOST"] = "127.0.0.1"
            values[f"{package.upper()}_{kind.upper()}_PORT"] = str(port_of(name, kind))
    return values


if __name__ == "__main__":
    env = {k: v for k, v in os.environ.items() if k in DEFAULTS or k.endswith(("_HOST", "_PORT"))}
    sys.stdout.write(render(env))
