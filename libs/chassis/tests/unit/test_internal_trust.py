"""Issue 13, internal trust: a service believes only an identity a credential proves.

The forged-header tests use only the stable chassis API (create_app/require, identity_of), so they ran
(and failed: a forged `x-jwt-payload` was believed) against the chassis before chassis.internal_token.
"""
from __future__ import annotations

import json
import time
from concurrent import futures

import grpc
import jwt
import pytest
from chassis import grpc_server, internal_token
from chassis.grpc_client import call_metadata, peer_channel
from chassis.http import create_app, require
from chassis.identity import Identity, encode_claims
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends
from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit

TENANT = "5b0e8a4c-3a57-4d7c-9d7e-2f3c1a9b8e11"
# This process signs as payroll, a caller orders accepts; tax's key is one orders does not list.
PAYROLL_KEY = Ed25519PrivateKey.generate()
TAX_KEY = Ed25519PrivateKey.generate()
SEED = internal_token._b64encode(PAYROLL_KEY.private_bytes_raw())
JWKS_URL = "http://auth.test/.well-known/jwks.json"
ISSUER, USER_AUDIENCE = "https://auth.auraconnect.local", "auraconnect"
CLAIMS = {"sub": "user-1", "tenant_id": TENANT, "roles": ["admin"], "permissions": ["orders:read"],
          "location_ids": []}
FORGED = encode_claims({**CLAIMS, "permissions": ["orders:read", "payroll:delete"]})
USER_KEY = ec.generate_private_key(ec.SECP256R1())


def user_jwks(_url: str) -> dict:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(USER_KEY.public_key()))
    return {"keys": [{**jwk, "kid": "user-key-1", "alg": "ES256", "use": "sig"}]}


def user_token(**overrides) -> str:
    now = int(time.time())
    claims = {**CLAIMS, "iss": ISSUER, "aud": USER_AUDIENCE, "iat": now, "exp": now + 300, **overrides}
    return jwt.encode(claims, USER_KEY, algorithm="ES256", headers={"kid": "user-key-1"})


@pytest.fixture(autouse=True)
def configured(monkeypatch):
    monkeypatch.setenv("INTERNAL_TOKEN_SIGNING_KEY", SEED)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "payroll")
    monkeypatch.setenv("INTERNAL_TOKEN_PEER_KEYS", f"payroll={internal_token.public_key_text(PAYROLL_KEY)}")
    monkeypatch.setenv("AUTH_JWKS_URL", JWKS_URL)
    if hasattr(internal_token, "reset"):
        internal_token.reset()
        internal_token._jwks[JWKS_URL] = internal_token.Jwks(JWKS_URL, 60, fetch=user_jwks)
    yield
    if hasattr(internal_token, "reset"):
        internal_token.reset()


# ------------------------------------------------------------------------------------------- HTTP

@pytest.fixture
def client() -> TestClient:
    app = create_app("orders", {})

    @app.get("/api/orders/v1/probe")
    def whoami(identity: Identity = Depends(require("orders:read"))) -> dict:
        return {"sub": identity.subject, "permissions": sorted(identity.permissions)}

    @app.post("/api/orders/v1/echo")
    async def echo(body: dict) -> dict:
        return {"keys": len(body)}

    return TestClient(app)


def test_http_a_forged_identity_header_without_a_credential_is_401(client):
    response = client.get("/api/orders/v1/probe", headers={"x-jwt-payload": FORGED})
    assert response.status_code == 401, response.text


def test_http_a_forged_header_next_to_a_valid_credential_buys_nothing(client):
    response = client.get("/api/orders/v1/probe", headers={
        "x-jwt-payload": FORGED, "authorization": f"Bearer {internal_token.mint(CLAIMS, 'orders')}"})
    assert response.status_code == 200 and response.json()["permissions"] == ["orders:read"]


@pytest.mark.parametrize("token", [
    pytest.param(lambda: internal_token.mint(CLAIMS, "tax"), id="internal-wrong-audience"),
    pytest.param(lambda: internal_token.mint(CLAIMS, "orders", now=time.time() - 120), id="internal-expired"),
    pytest.param(lambda: internal_token.mint(CLAIMS, "orders", key=TAX_KEY), id="internal-other-key"),
    # a compromised tax signs with its own key as itself: orders does not accept tax as a caller
    pytest.param(lambda: internal_token.mint(CLAIMS, "orders", key=TAX_KEY, caller="tax"), id="internal-not-a-caller"),
    pytest.param(lambda: internal_token.mint(CLAIMS, "orders", key=TAX_KEY, caller="tests"), id="internal-unlisted"),
    # the old shared-secret kind is gone
    pytest.param(lambda: jwt.encode({**CLAIMS, "aud": "orders", "iss": "auraconnect-internal", "azp": "payroll",
                                     "exp": int(time.time()) + 30}, "k" * 40, algorithm="HS256",
                                    headers={"kid": "internal"}), id="internal-hs256"),
    pytest.param(lambda: internal_token.mint(CLAIMS, "orders", lifetime=3600), id="internal-too-long"),
    pytest.param(lambda: user_token(aud="elsewhere"), id="user-wrong-audience"),
    pytest.param(lambda: user_token(exp=int(time.time()) - 60), id="user-expired"),
    pytest.param(lambda: user_token(iss="https://evil"), id="user-wrong-issuer"),
    pytest.param(lambda: jwt.encode({**CLAIMS, "aud": "orders", "iss": "auraconnect-internal",
                                     "exp": int(time.time()) + 30}, None, algorithm="none"), id="alg-none"),
    pytest.param(lambda: FORGED, id="unsigned-claims"),
])
def test_http_refuses_a_bad_credential(client, token):
    response = client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {token()}"})
    assert response.status_code == 401, response.text


def test_http_accepts_the_users_token_the_gateway_forwards(client):
    response = client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {user_token()}"})
    assert response.status_code == 200 and response.json()["sub"] == "user-1"


def test_http_accepts_an_internal_token_for_this_service(client):
    token = internal_token.mint({**CLAIMS, "sub": "service:payroll"}, "orders")
    response = client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["sub"] == "service:payroll"


def test_http_accepts_both_keys_of_a_caller_during_its_rotation(client, monkeypatch):
    new = Ed25519PrivateKey.generate()
    monkeypatch.setenv("INTERNAL_TOKEN_PEER_KEYS", f"payroll={internal_token.public_key_text(new)},"
                                                   f"payroll={internal_token.public_key_text(PAYROLL_KEY)}")
    internal_token.reset()
    for key in (new, PAYROLL_KEY):
        token = internal_token.mint(CLAIMS, "orders", key=key)
        assert client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_a_token_whose_claims_name_another_caller_than_its_key_is_refused(client):
    now = int(time.time())
    token = jwt.encode({**CLAIMS, "iss": "auraconnect-internal", "aud": "orders", "iat": now, "exp": now + 30,
                        "azp": "tax"}, PAYROLL_KEY, algorithm="EdDSA", headers={"kid": "payroll"})
    assert client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_bad_key_configuration_stops_the_process(monkeypatch):
    monkeypatch.setenv("INTERNAL_TOKEN_PEER_KEYS", "payroll=not-a-key")
    with pytest.raises(SystemExit, match="INTERNAL_TOKEN_PEER_KEYS"):
        internal_token.require_configured()
    monkeypatch.setenv("INTERNAL_TOKEN_PEER_KEYS", "")
    monkeypatch.setenv("INTERNAL_TOKEN_SIGNING_KEY", "k" * 40)
    with pytest.raises(SystemExit, match="INTERNAL_TOKEN_SIGNING_KEY"):
        internal_token.require_configured()


def test_bearer_for_tests_works_next_to_a_configured_process(client):
    identity = Identity("user-1", TENANT, (), frozenset({"orders:read"}))
    response = client.get("/api/orders/v1/probe",
                          headers={"authorization": internal_token.bearer_for_tests(identity, "orders")})
    assert response.status_code == 200 and response.json()["sub"] == "user-1"


def test_probes_need_no_credential(client):
    assert client.get("/livez").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_an_api_process_without_its_keys_does_not_start(monkeypatch):
    monkeypatch.delenv("INTERNAL_TOKEN_SIGNING_KEY")
    with pytest.raises(SystemExit) as stopped:
        internal_token.require_configured()
    assert stopped.value.code == 2


def test_jwks_is_read_again_for_a_new_kid():
    calls = []

    def fetch(url):
        calls.append(url)
        return user_jwks(url)

    jwks = internal_token.Jwks(JWKS_URL, 60, fetch=fetch)
    jwks.key("user-key-1")
    jwks.key("user-key-1")
    assert len(calls) == 1
    jwks._fetched_at -= 2          # a second later a token names a kid we have not seen
    with pytest.raises(internal_token.CredentialError):
        jwks.key("user-key-2")
    assert len(calls) == 2


# ------------------------------------------------------------------------------------------- gRPC

WHO = "/auraconnect.orders.v1.OrdersService/Who"


@pytest.fixture
def grpc_port():
    def who(request: bytes, context) -> bytes:
        try:
            identity = grpc_server.identity_of(context)
        except Exception as error:  # noqa: BLE001 - the servicer maps Unauthenticated like handle_errors
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
        return json.dumps({"sub": identity.subject, "permissions": sorted(identity.permissions)}).encode()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "auraconnect.orders.v1.OrdersService", {"Who": grpc.unary_unary_rpc_method_handler(who)})])
    port = server.add_insecure_port("127.0.0.1:0")
    if hasattr(grpc_server, "set_audience"):
        grpc_server.set_audience(["auraconnect.orders.v1.OrdersService"])
    server.start()
    yield port
    server.stop(0)


def call(channel, metadata) -> dict:
    return json.loads(channel.unary_unary(WHO)(b"", metadata=metadata, timeout=5))


def test_grpc_a_forged_identity_without_a_credential_is_unauthenticated(grpc_port):
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        with pytest.raises(grpc.RpcError) as refused:
            call(channel, [("x-jwt-payload", FORGED)])
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("audience, age", [("tax", 0), ("orders", 120)], ids=["wrong-audience", "expired"])
def test_grpc_refuses_a_bad_internal_token(grpc_port, audience, age):
    token = internal_token.mint(CLAIMS, audience, now=time.time() - age)
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        with pytest.raises(grpc.RpcError) as refused:
            call(channel, [("authorization", f"Bearer {token}")])
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grpc_a_peer_channel_signs_the_identity_for_its_callee(grpc_port):
    identity = Identity("user-1", TENANT, ("admin",), frozenset({"orders:read"}))
    channel = peer_channel(f"127.0.0.1:{grpc_port}")
    assert call(channel, call_metadata(identity)) == {"sub": "user-1", "permissions": ["orders:read"]}
    # a background job's own identity travels the same way
    from chassis.identity import service_identity

    job = service_identity("payroll", TENANT, frozenset({"orders:read"}))
    assert call(channel, call_metadata(job))["sub"] == "service:payroll"


def test_grpc_accepts_the_users_token_the_gateway_forwards(grpc_port):
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        assert call(channel, [("authorization", f"Bearer {user_token()}")])["sub"] == "user-1"


def test_minted_tokens_are_reused_within_half_their_life():
    identity = Identity("user-1", TENANT, (), frozenset({"orders:read"}))
    first = internal_token.token_for(identity, "tax")
    assert internal_token.token_for(identity, "tax") == first != internal_token.token_for(identity, "auth")
    claims = jwt.decode(first, PAYROLL_KEY.public_key(), algorithms=["EdDSA"], audience="tax")
    assert claims["exp"] - claims["iat"] == 60 and claims["permissions"] == ["orders:read"]
    assert claims["azp"] == "payroll" and jwt.get_unverified_header(first)["kid"] == "payroll"


def test_the_dev_cli_mints_a_token_the_service_accepts(capsys, client):
    assert internal_token.main(["--service", "orders", "--tenant", TENANT, "--permission", "orders:read"]) == 0
    token = capsys.readouterr().out.strip()
    response = client.get("/api/orders/v1/probe", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["sub"] == "service:dev-cli"
    # signed as this process's service (payroll): a callee that does not list payroll refuses it


# ------------------------------------------------------------------------------------------- body limit

def test_a_body_over_the_limit_is_413_by_its_content_length(client):
    response = client.post("/api/orders/v1/echo", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413, response.status_code
    assert response.json()["error"] == "PayloadTooLarge"


def test_a_chunked_body_over_the_limit_is_413_by_counting(client):
    def chunks():
        yield b'{"a": "'
        for _ in range(300):
            yield b"x" * 4096
        yield b'"}'

    response = client.post("/api/orders/v1/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_body_under_the_limit_is_served(client):
    response = client.post("/api/orders/v1/echo", json={"a": "x" * 1000})
    assert response.status_code == 200 and response.json() == {"keys": 1}


def test_the_limit_is_configurable(monkeypatch):
    monkeypatch.setenv("MAX_REQUEST_BODY_BYTES", "100")
    app = create_app("orders", {})

    @app.post("/echo")
    async def echo(body: dict) -> dict:
        return {}

    test = TestClient(app)
    assert test.post("/echo", json={"a": "x" * 50}).status_code == 200
    assert test.post("/echo", json={"a": "x" * 150}).status_code == 413


def test_every_app_says_who_it_believes_the_caller_is(client):
    assert client.get("/api/orders/v1/whoami").status_code == 401
    token = internal_token.mint(CLAIMS, "orders")
    me = client.get("/api/orders/v1/whoami", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["subject"] == "user-1" and me.json()["tenant_id"] == TENANT


def test_a_stale_jwks_is_refreshed_in_the_background():
    calls = []

    def fetch(url):
        calls.append(url)
        return user_jwks(url)

    jwks = internal_token.Jwks(JWKS_URL, 60, fetch=fetch)
    jwks.key("user-key-1")
    jwks._fetched_at -= 61                       # the list is stale; the key is still known
    assert jwks.key("user-key-1") is not None    # answered at once from the old list
    deadline = time.monotonic() + 5
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(calls) == 2
