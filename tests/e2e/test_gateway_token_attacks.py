"""The gateway refuses every bad token, for REST and gRPC alike, before any service sees it.

Tokens are forged with the real signing key where the attack is about claims (expired, not yet
valid, wrong issuer/audience, no exp), so a refusal proves Envoy checks the claim, not only the
signature.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import grpc
import jwt
import pytest
from auraconnect.auth.v1 import auth_service_pb2 as auth_pb
from auraconnect.auth.v1 import auth_service_pb2_grpc as auth_grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.e2e.auth_support import bearer, client, grpc_channel, signing_key

pytestmark = pytest.mark.e2e

ISSUER, AUDIENCE = "https://auth.auraconnect.local", "auraconnect"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hs256(claims: dict, secret: bytes, kid: str) -> str:
    """The classic key-confusion attack: HMAC keyed with the verifier's public key (PyJWT refuses
    to build it, so by hand)."""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.fixture(scope="module")
def forge(platform):
    key = signing_key(platform)
    demo = platform.demo

    def claims(**overrides) -> dict:
        now = int(time.time())
        base = {"iss": ISSUER, "aud": AUDIENCE, "sub": demo["admin_user_id"], "tenant_id": demo["tenant_id"],
                "roles": ["admin"], "permissions": ["settings:read", "staff:read"], "location_ids": [],
                "iat": now, "nbf": now, "exp": now + 300, "jti": uuid.uuid4().hex}
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}

    def sign(private_key=None, algorithm="ES256", kid=None, **overrides) -> str:
        return jwt.encode(claims(**overrides), private_key or key.private_key, algorithm=algorithm,
                          headers={"kid": kid or key.kid})

    other_ec = ec.generate_private_key(ec.SECP256R1())
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    valid = sign()
    header, payload, signature = valid.split(".")
    now = int(time.time())
    cases = {
        "missing": None,
        "garbage": "garbage",
        "malformed_two_parts": "abc.def",
        "not_base64": "!!!.@@@.###",
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': key.kid})}.{_b64(claims())}.",
        "alg_none_with_signature": f"{_b64({'alg': 'none', 'kid': key.kid})}.{_b64(claims())}.{signature}",
        "bad_signature_same_kid": sign(other_ec),
        "tampered_payload": f"{header}.{_b64(claims(tenant_id=str(uuid.uuid4())))}.{signature}",
        "unknown_kid": sign(other_ec, kid="not-a-kid"),
        "hs256_with_public_key_as_secret": _hs256(claims(), public_pem, key.kid),
        "rs256_foreign_key": sign(other_rsa, algorithm="RS256"),
        "expired": sign(exp=now - 600, iat=now - 1200, nbf=now - 1200),
        "not_yet_valid": sign(nbf=now + 600, iat=now + 600, exp=now + 900),
        "no_exp": sign(exp=None),
        "wrong_issuer": sign(iss="https://evil.example.com"),
        "wrong_audience": sign(aud="someone-else"),
    }
    return valid, cases


CASES = ["missing", "garbage", "malformed_two_parts", "not_base64", "alg_none", "alg_none_with_signature",
         "bad_signature_same_kid", "tampered_payload", "unknown_kid", "hs256_with_public_key_as_secret",
         "rs256_foreign_key", "expired", "not_yet_valid", "no_exp", "wrong_issuer", "wrong_audience"]


def test_valid_forged_token_passes_so_refusals_are_meaningful(gateway, forge):
    valid, _ = forge
    with client(gateway, valid) as http:
        assert http.get("/api/auth/v1/me").status_code == 200


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("path", ["/api/auth/v1/me", "/api/orders/v1/orders/" + str(uuid.UUID(int=1)),
                                  "/api/payroll/v1/tips?staff_id=" + str(uuid.UUID(int=1)),
                                  "/api/pos-bridge/v1/connections"])
def test_rest_refuses(gateway, forge, case, path):
    _, cases = forge
    with client(gateway, cases[case]) as http:
        response = http.get(path)
    # Envoy answers (401; 403 for a wrong audience) with its own "Jwt ..." message: no service ran.
    assert response.status_code in (401, 403), (case, response.status_code, response.text)
    assert "jwt" in response.text.lower(), response.text


@pytest.mark.parametrize("case", CASES)
def test_grpc_refuses(platform, forge, case):
    _, cases = forge
    token = cases[case]
    with grpc_channel(platform) as channel:
        stub = auth_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListLocations(auth_pb.ListLocationsRequest(), metadata=bearer(token) if token else None, timeout=10)
    assert raised.value.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED), case
    assert "jwt" in (raised.value.details() or "").lower(), raised.value.details()


def test_grpc_valid_token_passes(platform, forge):
    valid, _ = forge
    with grpc_channel(platform) as channel:
        response = auth_grpc.AuthServiceStub(channel).ListLocations(
            auth_pb.ListLocationsRequest(), metadata=bearer(valid), timeout=10)
    # Other tests may add locations to the demo tenant; the seeded one is always there.
    assert platform.demo["location_id"] in [loc.location_id for loc in response.locations]


def test_a_smuggled_identity_header_is_dropped(gateway, platform, forge, second_tenant):
    """A client cannot send its own verified-claims header: Envoy strips it before jwt_authn."""
    valid, _ = forge
    fake = _b64({"sub": second_tenant.user_id, "tenant_id": second_tenant.tenant_id,
                 "permissions": ["staff:read"], "roles": ["admin"]})
    with client(gateway) as http:
        alone = http.get("/api/auth/v1/me", headers={"x-jwt-payload": fake})
    assert alone.status_code == 401
    with client(gateway, valid) as http:
        mixed = http.get("/api/auth/v1/me", headers={"x-jwt-payload": fake})
    assert mixed.status_code == 200
    assert mixed.json()["tenant_id"] == platform.demo["tenant_id"]


def test_grpc_smuggled_identity_metadata_is_dropped(platform, forge, second_tenant):
    valid, _ = forge
    fake = _b64({"sub": second_tenant.user_id, "tenant_id": second_tenant.tenant_id, "permissions": []})
    with grpc_channel(platform) as channel:
        stub = auth_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.ListLocations(auth_pb.ListLocationsRequest(), metadata=[("x-jwt-payload", fake)], timeout=10)
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
        mixed = stub.ListLocations(auth_pb.ListLocationsRequest(),
                                   metadata=[*bearer(valid), ("x-jwt-payload", fake)], timeout=10)
    assert {loc.tenant_id for loc in mixed.locations} == {platform.demo["tenant_id"]}


def test_public_routes_need_no_token(gateway):
    with client(gateway) as http:
        assert http.get("/healthz").status_code == 200
        jwks = http.get("/.well-known/jwks.json")
        assert jwks.status_code == 200 and jwks.json()["keys"]
        assert all("d" not in key for key in jwks.json()["keys"])  # never a private part
        # The API documentation is public (GET only, see test_gateway_docs.py); everything else under
        # /api/auth/ needs a token, e.g. the user list.
        assert http.get("/api/auth/v1/openapi.json").status_code == 200
        assert http.get("/api/auth/v1/users").status_code == 401
