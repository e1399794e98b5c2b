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
    "JWKS_CACHE_SECONDS": "60", "OTEL_HOST": "127.0.0.1", "OTEL_PORT": "17030",
    "LOGIN_RATE_PER_MINUTE": "60",
}


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
    return Template(text).substitute({**DEFAULTS, **values})


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
