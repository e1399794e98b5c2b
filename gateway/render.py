"""Renders envoy.yaml.tmpl for a given set of upstream addresses (local stack or a deployment).

The services routed, and the local stack's ports, come from the service catalogue
(services/catalogue.toml), read with tools/devstack/src/devstack/catalogue.py loaded by path, so this
script needs only the standard library and always reads the catalogue of its own checkout.

Usage: python gateway/render.py > envoy.yaml
    Without variables: the local stack of `make up` (port base AURA_PORT_BASE, default 17000).
    Any value can be overridden from the environment: LISTEN_PORT, <PKG>_HTTP_HOST/_PORT, ... (see DEFAULTS).
The local launcher calls `render(local_values(port_base))`; k8s/generate.py calls `render(...)` with
in-cluster addresses.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("envoy.yaml.tmpl")
CATALOGUE_MODULE = Path(__file__).resolve().parent.parent / "tools" / "devstack" / "src" / "devstack" / "catalogue.py"
LOCAL_PORT_BASE = 17000


def catalogue_module():
    name = "auraconnect_catalogue"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CATALOGUE_MODULE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module      # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]


def load_catalogue():
    """The catalogue (AURA_CATALOGUE, else services/catalogue.toml), read afresh."""
    return catalogue_module().load()


DEFAULTS = {
    "LISTEN_ADDRESS": "127.0.0.1",
    "JWT_ISSUER": "https://auth.auraconnect.local", "JWT_AUDIENCE": "auraconnect",
    # How long Envoy caches auth's JWKS; the auth service waits at least this long before signing
    # with a newly published key. The environment may shorten it (tests of key rotation).
    "JWKS_CACHE_SECONDS": os.environ.get("JWKS_CACHE_SECONDS", "60"),
    "OTEL_HOST": "127.0.0.1",
    # Per client address (the peer Envoy sees), per minute.
    "LOGIN_RATE_PER_MINUTE": os.environ.get("LOGIN_RATE_PER_MINUTE", "60"),
    "REFRESH_RATE_PER_MINUTE": os.environ.get("REFRESH_RATE_PER_MINUTE", "120"),
    # Request body caps (bytes): API routes, and the public login/refresh routes (a few hundred bytes
    # of JSON; 16 KiB leaves room and stops an 8 MB body at the edge).
    "MAX_API_BODY_BYTES": os.environ.get("MAX_API_BODY_BYTES", str(1024 * 1024)),
    "MAX_AUTH_BODY_BYTES": os.environ.get("MAX_AUTH_BODY_BYTES", str(16 * 1024)),
}

BODY_LIMIT = """
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                    buffer: {max_request_bytes: BYTES}"""


def _body_limit(name: str, value: str) -> str:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer")
    return BODY_LIMIT.replace("BYTES", value)

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


ROUTE_BLOCKS = {
    "grpc": """
              - match: {prefix: "/auraconnect.PKG.v1.", grpc: {}}
                route: {cluster: PKG_grpc, timeout: 30s}""",
    # Progress streams (Server-Sent Events, e.g. a pay run's) outlive the 30 s a request may take: no
    # overall timeout, but the stream must say something (a keep-alive comment) at least every 60 s.
    "http": """
              - match: {safe_regex: {regex: "^/api/NAME/v1/[^?]+/progress$$"}}
                route: {cluster: PKG_http, timeout: 0s, idle_timeout: 60s}
              - match: {prefix: "/api/NAME/"}
                route: {cluster: PKG_http, timeout: 30s}""",
}

# The API documentation of every service is public: GET only, exact paths, so nothing else under
# /api/<name>/ escapes jwt_authn (the rule after these requires a token for every other path).
PUBLIC_DOCS_RULES = """
              - match: {path: "/api/NAME/v1/docs", headers: [{name: ":method", string_match: {exact: GET}}]}
              - match: {path: "/api/NAME/v1/openapi.json", headers: [{name: ":method", string_match: {exact: GET}}]}"""

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

# HTTP/1.1 upstreams: Envoy drops an idle connection after 30 s, before the service would (uvicorn keeps
# it 75 s, chassis.http.run_http). Otherwise the service may close a connection just as Envoy sends a
# request on it, and that request fails with 503 "upstream connect error ... connection termination".
HTTP1_OPTIONS = """typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: {idle_timeout: 30s}
        explicit_http_config: {http_protocol_options: {}}"""

API_KINDS = ("grpc", "http")    # what the gateway routes; relays and consumers are never exposed


def _var(package: str, kind: str) -> str:
    return f"{package.upper()}_{kind.upper()}"


def _service_blocks(catalogue) -> tuple[str, str, str]:
    """Routes, public jwt_authn rules and clusters for every service in the catalogue:
    REST by /api/<name>/, gRPC by package prefix."""
    routes, rules, clusters = [], [], []
    for svc in catalogue.services:
        kinds = [k for k in API_KINDS if k in svc.kinds]
        routes += [ROUTE_BLOCKS[k].replace("PKG", svc.package).replace("NAME", svc.name) for k in kinds]
        for kind in reversed(kinds):
            block = CLUSTER_BLOCK.replace("HTTP2_OPTIONS", HTTP2_OPTIONS if kind == "grpc" else HTTP1_OPTIONS)
            clusters.append(block.replace("PKG", svc.package).replace("KIND", kind)
                            .replace("VAR", _var(svc.package, kind)))
        if "http" in svc.kinds:
            rules.append(PUBLIC_DOCS_RULES.replace("NAME", svc.name))
    return "".join(routes), "".join(rules).lstrip("\n"), "".join(clusters)


def render(values: dict[str, str], catalogue=None) -> str:
    catalogue = catalogue or load_catalogue()
    routes, rules, clusters = _service_blocks(catalogue)
    text = (TEMPLATE.read_text().replace("#SERVICE_ROUTES#", routes)
            .replace("#PUBLIC_DOCS_RULES#", rules).replace("#SERVICE_CLUSTERS#", clusters))
    merged = {**DEFAULTS, **values}
    merged["LOGIN_RATE_LIMIT"] = _rate_limit("login", merged["LOGIN_RATE_PER_MINUTE"])
    merged["REFRESH_RATE_LIMIT"] = _rate_limit("refresh", merged["REFRESH_RATE_PER_MINUTE"])
    merged["AUTH_BODY_LIMIT"] = _body_limit("MAX_AUTH_BODY_BYTES", merged["MAX_AUTH_BODY_BYTES"])
    _body_limit("MAX_API_BODY_BYTES", merged["MAX_API_BODY_BYTES"])
    return Template(text).substitute(merged)


def local_values(port_base: int, catalogue=None) -> dict[str, str]:
    """The local stack: Envoy, its admin, the collector and every service on 127.0.0.1, at the
    catalogue's offsets from port_base."""
    catalogue = catalogue or load_catalogue()
    values = {"LISTEN_PORT": str(port_base + catalogue.infra_offset("envoy")),
              "ADMIN_PORT": str(port_base + catalogue.infra_offset("envoy_admin")),
              "OTEL_PORT": str(port_base + catalogue.infra_offset("otel_collector"))}
    for svc in catalogue.services:
        for kind in (k for k in API_KINDS if k in svc.kinds):
            values[f"{_var(svc.package, kind)}_HOST"] = "127.0.0.1"
            values[f"{_var(svc.package, kind)}_PORT"] = str(port_base + svc.port_offset(kind))
    return values


if __name__ == "__main__":
    base = int(os.environ.get("AURA_PORT_BASE", LOCAL_PORT_BASE))
    overrides = {k: v for k, v in os.environ.items() if k in DEFAULTS or k.endswith(("_HOST", "_PORT"))}
    sys.stdout.write(render(local_values(base) | overrides))
