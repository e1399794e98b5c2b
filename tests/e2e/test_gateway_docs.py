"""The API documentation of every service is public through the gateway; nothing else is."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from devstack.layout import SERVICES

pytestmark = pytest.mark.e2e

HTTP_SERVICES = [s.name for s in SERVICES if "http" in s.kinds]
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
PUBLIC = {"/api/auth/v1/login", "/api/auth/v1/refresh", "/.well-known/jwks.json"}


def envoy_refused(response: httpx.Response) -> bool:
    """A 401 from jwt_authn (before any service saw the request), not a service's own 401."""
    return response.status_code == 401 and response.text == "Jwt is missing"


@pytest.mark.parametrize("service", HTTP_SERVICES)
def test_docs_and_openapi_need_no_token(gateway, service):
    docs = httpx.get(f"{gateway}/api/{service}/v1/docs", timeout=10)
    assert docs.status_code == 200, docs.text
    assert "swagger-ui" in docs.text and f"/api/{service}/v1/openapi.json" in docs.text
    spec = httpx.get(f"{gateway}/api/{service}/v1/openapi.json", timeout=10)
    assert spec.status_code == 200, spec.text
    assert spec.json()["openapi"].startswith("3.")
    assert any(path.startswith(f"/api/{service}/v1/") for path in spec.json()["paths"])


@pytest.mark.parametrize("service", HTTP_SERVICES)
def test_every_other_route_still_needs_a_token(gateway, service):
    spec = httpx.get(f"{gateway}/api/{service}/v1/openapi.json", timeout=10).json()
    paths = [p for p in spec["paths"] if p not in PUBLIC]
    assert paths, f"{service} documents no protected route"
    with httpx.Client(base_url=gateway, timeout=10) as client:
        for path in paths:
            concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            for method in (m for m in spec["paths"][path] if m in HTTP_METHODS):
                response = client.request(method.upper(), concrete)
                assert envoy_refused(response), (method, concrete, response.status_code, response.text)
        # Only GET of the two exact documentation paths is public.
        assert envoy_refused(client.post(f"/api/{service}/v1/openapi.json"))
        assert envoy_refused(client.get(f"/api/{service}/v1/docs/oauth2-redirect"))
        assert envoy_refused(client.get(f"/api/{service}/v1/openapi.jsonx"))
