"""Service-to-service trust: a service believes an identity only when a credential it can verify says so.

Before issue 13 a service believed the `x-jwt-payload` header, so any process that reached a service
port could act as any user of any tenant. Now every request that needs an identity must carry
`Authorization: Bearer <token>`, and the token is one of two kinds:

* the end user's access token (ES256, signed by auth): Envoy verifies it at the edge and forwards it
  unchanged (jwt_authn `forward: true`); the service verifies it again against auth's JWKS
  (AUTH_JWKS_URL, cached like Envoy caches it, re-read on an unknown `kid`);
* an internal token (EdDSA, issuer `auraconnect-internal`) that a peer or a background job mints for ONE
  callee (`aud` = the callee's package, e.g. "tax"), living 60 s, carrying the identity claims it acts for
  (the end user's, or `service:<name>` for a job). Each service signs with its OWN Ed25519 key
  (INTERNAL_TOKEN_SIGNING_KEY) and names itself (`kid` and `azp` = its service name, OTEL_SERVICE_NAME);
  a callee holds only the public keys of the services the catalogue lets call it
  (INTERNAL_TOKEN_PEER_KEYS, `orders=<key>,payroll=<key>`) and believes a token only under the key of
  the service it names.

Why signed tokens and not mutual TLS (the other design issue 13 allows):
* mTLS authenticates the *calling process*, not the user it acts for: the callee would still have to
  believe an unsigned identity header from any holder of any service certificate. A token binds the
  identity claims to a signature, so a peer can only assert the identity it was handed.
* it keeps one port per process, plaintext h2c behind Envoy and probes (`/livez`, gRPC health) that
  need no client certificate; no CA, rotation of certificates or per-service mounts to run.
* cost: verifying is a dict lookup for a token already seen (tokens are cached until they expire, at
  most 60 s); a first sighting costs ~0.1 ms (ES256) or ~0.02 ms (HS256), minting ~0.02 ms and is
  cached per (identity, audience) for half the lifetime (see bench/bench_gateway.py for the numbers).
Why a key per service, public keys at the callee (before: one HMAC key shared by all): a compromised
service can mint only as itself, and only to the services that accept it as a caller (tax's key is
worth nothing at orders); a callee cannot mint at all with what it holds. The audience still stops a
token from being replayed to another service.
Rotation of a service's key: add its new public key next to the old one in every callee's
INTERNAL_TOKEN_PEER_KEYS (`orders=<new>,orders=<old>`), roll the callees, switch the service's
INTERNAL_TOKEN_SIGNING_KEY, roll it, then drop the old public key a minute later (tokens live 60 s).

Mint a dev token for a direct call: `python -m chassis.internal_token --service orders --tenant <uuid>
--permission orders:read ...` signs as OTEL_SERVICE_NAME with INTERNAL_TOKEN_SIGNING_KEY, so it works
against a callee that accepts that service (`make up` keeps every service's key in .stack/secrets.env
as INTERNAL_TOKEN_SIGNING_KEY_<PACKAGE>).
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chassis.identity import Identity, IdentityError, identity_from_claims

log = logging.getLogger(__name__)

KEY_ENV = "INTERNAL_TOKEN_SIGNING_KEY"       # this service's Ed25519 private key (base64url of the 32-byte seed)
PEER_KEYS_ENV = "INTERNAL_TOKEN_PEER_KEYS"   # callers' public keys: "orders=<base64url>,payroll=<base64url>"
CALLER_ENV = "OTEL_SERVICE_NAME"             # the service a process signs as
JWKS_URL_ENV = "AUTH_JWKS_URL"
INTERNAL_ISSUER = "auraconnect-internal"
INTERNAL_ALGORITHM = "EdDSA"
USER_ALGORITHM = "ES256"
LIFETIME_SECONDS = 60
LEEWAY_SECONDS = 5          # the gateway's clock skew for user tokens, and ours for internal ones
TEST_CALLER = "tests"       # bearer_for_tests signs as this caller, trusted only in the test's process
_CACHE_LIMIT = 10_000


class CredentialError(Exception):
    """No credential, or one we do not accept (bad signature, expired, wrong audience, ...)."""


def audience_of(service: str) -> str:
    """The audience naming a service: its package ("pos-bridge" -> "pos_bridge")."""
    return service.replace("-", "_")


def audience_of_method(method: str) -> str:
    """'/auraconnect.tax.v1.TaxService/CalculateSalesTax' -> 'tax'."""
    parts = method.lstrip("/").split(".")
    if len(parts) < 3 or parts[0] != "auraconnect":
        raise CredentialError(f"cannot tell the callee of {method!r}")
    return parts[1]


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def signing_key_from_text(text: str) -> Ed25519PrivateKey:
    """INTERNAL_TOKEN_SIGNING_KEY's value: base64url of a 32-byte Ed25519 seed."""
    try:
        seed = _b64decode(text)
    except (ValueError, TypeError):
        seed = b""
    if len(seed) != 32:
        raise SystemExit(f"configuration error: {KEY_ENV}: must be the base64url of a 32-byte Ed25519 key")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The value a callee lists for this key in INTERNAL_TOKEN_PEER_KEYS."""
    return _b64encode(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def new_signing_key_text() -> str:
    return _b64encode(os.urandom(32))


def signing_key() -> Ed25519PrivateKey | None:
    value = os.environ.get(KEY_ENV, "")
    return signing_key_from_text(value) if value else None


def peer_keys(text: str | None = None) -> dict[str, list[Ed25519PublicKey]]:
    """INTERNAL_TOKEN_PEER_KEYS parsed: caller service -> its public keys (two while one rotates)."""
    text = os.environ.get(PEER_KEYS_ENV, "") if text is None else text
    keys: dict[str, list[Ed25519PublicKey]] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        name, _, value = entry.partition("=")
        try:
            raw = _b64decode(value)
            if not name or len(raw) != 32:
                raise ValueError
            keys.setdefault(name.strip(), []).append(Ed25519PublicKey.from_public_bytes(raw))
        except (ValueError, TypeError):
            raise SystemExit(f"configuration error: {PEER_KEYS_ENV}: {entry[:40]!r} is not <service>=<base64url "
                             "of a 32-byte Ed25519 public key>") from None
    return keys


def missing_configuration() -> list[str]:
    """Environment variables a process that verifies or mints credentials lacks. INTERNAL_TOKEN_PEER_KEYS
    may be empty: a service no peer calls (payroll, pos-bridge) accepts only user tokens."""
    return [name for name in (KEY_ENV, CALLER_ENV, JWKS_URL_ENV) if not os.environ.get(name)]


def require_configured() -> None:
    """At start-up of an API process: exit(2) naming each missing variable (fail at boot, not per call)."""
    missing = missing_configuration()
    for name in missing:
        print(f"configuration error: {name}: required to authenticate callers", flush=True)
    if missing:
        raise SystemExit(2)
    signing_key()       # validates the values
    peer_keys()


# --------------------------------------------------------------------------------------- minting

def mint(claims: dict, audience: str, *, key: Ed25519PrivateKey | None = None, lifetime: int = LIFETIME_SECONDS,
         now: float | None = None, caller: str | None = None) -> str:
    """An internal token for `audience` carrying the identity `claims` (sub, tenant_id, roles, ...),
    signed by `caller` (default: this service, OTEL_SERVICE_NAME) with its key (default: INTERNAL_TOKEN_SIGNING_KEY)."""
    caller = caller or os.environ.get(CALLER_ENV)
    if not caller:
        raise CredentialError(f"{CALLER_ENV} is not set: cannot tell peers who calls")
    if key is None:
        key = signing_key()
        if key is None:
            raise CredentialError(f"{KEY_ENV} is not set: cannot call peers")
    issued = int(now if now is not None else time.time())
    payload = {**claims, "iss": INTERNAL_ISSUER, "aud": audience, "iat": issued, "exp": issued + lifetime,
               "jti": uuid.uuid4().hex, "azp": caller}
    return jwt.encode(payload, key, algorithm=INTERNAL_ALGORITHM, headers={"kid": caller})


_minted: dict[tuple[str, str], tuple[str, float]] = {}
_minted_lock = threading.Lock()


def token_for(identity: Identity, audience: str) -> str:
    """A cached internal token for `identity` to `audience`, re-minted at half its lifetime."""
    claims = identity.claims()
    cache_key = (json.dumps(claims, sort_keys=True), audience)
    now = time.time()
    with _minted_lock:
        hit = _minted.get(cache_key)
        if hit and hit[1] > now:
            return hit[0]
    token = mint(claims, audience, now=now)
    with _minted_lock:
        if len(_minted) >= _CACHE_LIMIT:
            _minted.clear()
        _minted[cache_key] = (token, now + LIFETIME_SECONDS / 2)
    return token


# --------------------------------------------------------------------------------------- JWKS

class Jwks:
    """auth's public keys, fetched from AUTH_JWKS_URL, kept `ttl` seconds (then re-read in the
    background), re-read at once (at most once a second) when a token names a kid we do not know (a key
    auth has just published). A key auth stops publishing is dropped at the next read."""

    def __init__(self, url: str, ttl: float, fetch: Callable[[str], dict] | None = None) -> None:
        self.url, self.ttl = url, ttl
        self._fetch = fetch or _http_get_json
        self._keys: dict[str, object] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str):
        now = time.monotonic()
        if kid in self._keys and now - self._fetched_at > self.ttl:
            # Known key, stale list: serve it and refresh in the background, so a gRPC event loop
            # never waits on the fetch once it has keys.
            self._fetched_at = now - self.ttl + 1.0     # one background refresh a second at most
            threading.Thread(target=self._refresh, args=(now,), daemon=True).start()
        elif kid not in self._keys and now - self._fetched_at > 1.0:
            self._refresh(now)
        try:
            return self._keys[kid]
        except KeyError:
            raise CredentialError("token signed with a key auth does not publish") from None

    def _refresh(self, now: float) -> None:
        with self._lock:
            if now < self._fetched_at:      # another thread refreshed while we waited
                return
            try:
                document = self._fetch(self.url)
            except Exception as error:  # noqa: BLE001 - keep the old keys, say why
                log.warning("cannot fetch JWKS from %s: %s", self.url, error)
                self._fetched_at = now - self.ttl + 1.0     # retry in a second, not on every request
                return
            keys = {}
            for jwk in document.get("keys", []):
                if jwk.get("kid") and jwk.get("kty") == "EC":
                    keys[jwk["kid"]] = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(jwk))
            self._keys, self._fetched_at = keys, time.monotonic()


def _http_get_json(url: str) -> dict:
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise CredentialError(f"{JWKS_URL_ENV} must be an http(s) URL")
    with urllib.request.urlopen(url, timeout=2.0) as response:  # noqa: S310 - scheme checked above
        return json.loads(response.read())


# --------------------------------------------------------------------------------------- verifying

class Verifier:
    """Turns a bearer token into the Identity it proves, for one service (`audience`)."""

    def __init__(self, audience: str, keys: dict[str, list[Ed25519PublicKey]], jwks: Jwks | None,
                 user_issuer: str, user_audience: str) -> None:
        self.audience, self.keys, self.jwks = audience, keys, jwks     # keys: caller -> its public keys
        self.user_issuer, self.user_audience = user_issuer, user_audience
        self._seen: dict[str, tuple[Identity, float]] = {}

    def cached(self, token: str | None) -> Identity | None:
        """The identity of a token verified before and not yet expired, else None: never does I/O
        (an async route asks this first and verifies a new token off the event loop)."""
        hit = self._seen.get(token) if token else None
        return hit[0] if hit is not None and hit[1] > time.time() else None

    def identity(self, token: str | None) -> Identity:
        if not token:
            raise CredentialError("no credential: send Authorization: Bearer <token>")
        hit = self._seen.get(token)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        claims = self._verify(token)
        try:
            identity = identity_from_claims(claims, raw=token)
        except IdentityError as error:
            raise CredentialError(str(error)) from None
        if len(self._seen) >= _CACHE_LIMIT:
            self._seen.clear()
        self._seen[token] = (identity, min(claims["exp"] + LEEWAY_SECONDS, time.time() + LIFETIME_SECONDS))
        return identity

    def _verify(self, token: str) -> dict:
        header = _header(token)
        options = {"require": ["exp", "iss", "aud", "sub"]}
        try:
            if header.get("alg") == INTERNAL_ALGORITHM:
                return self._verify_internal(token, str(header.get("kid")), options)
            if header.get("alg") == USER_ALGORITHM and self.jwks is not None:
                return jwt.decode(token, self.jwks.key(str(header.get("kid"))), algorithms=[USER_ALGORITHM],
                                  audience=self.user_audience, issuer=self.user_issuer,
                                  leeway=LEEWAY_SECONDS, options=options)
        except jwt.ExpiredSignatureError:
            raise CredentialError("credential expired") from None
        except jwt.InvalidAudienceError:
            raise CredentialError(f"credential is not for {self.audience}") from None
        except jwt.PyJWTError as error:
            raise CredentialError(f"credential refused: {error}") from None
        raise CredentialError("credential of an unknown kind")

    def _verify_internal(self, token: str, caller: str, options: dict) -> dict:
        keys = self.keys.get(caller)
        if not keys:
            raise CredentialError(f"{caller!r} may not call {self.audience} (not in {PEER_KEYS_ENV})")
        error: jwt.PyJWTError | None = None
        for key in keys:
            try:
                claims = jwt.decode(token, key, algorithms=[INTERNAL_ALGORITHM], audience=self.audience,
                                    issuer=INTERNAL_ISSUER, leeway=LEEWAY_SECONDS, options=options)
            except jwt.InvalidSignatureError as bad:
                error = bad
                continue
            if claims.get("azp") != caller:
                raise CredentialError("internal credential names another caller than its key")
            if claims["exp"] - claims.get("iat", 0) > LIFETIME_SECONDS:
                raise CredentialError("internal credential lives too long")
            return claims
        raise error or CredentialError("credential refused")


def _header(token: str) -> dict:
    """The JOSE header, to pick the key: read here rather than with jwt.get_unverified_header, which
    decodes (and validates character by character) the whole token a second time."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):
        raise CredentialError("credential is not a JWT") from None
    if not isinstance(header, dict):
        raise CredentialError("credential is not a JWT")
    return header


_verifiers: dict[str, Verifier] = {}
_jwks: dict[str, Jwks] = {}
_verifiers_lock = threading.Lock()


def verifier(service: str) -> Verifier:
    """The process's verifier for `service`, configured from the environment (read once)."""
    audience = audience_of(service)
    found = _verifiers.get(audience)
    if found is not None:
        return found
    with _verifiers_lock:
        if audience not in _verifiers:
            url = os.environ.get(JWKS_URL_ENV)
            jwks = None
            if url:
                jwks = _jwks.get(url) or _jwks.setdefault(url, Jwks(url, float(os.environ.get("JWKS_CACHE_SECONDS", 60))))
            _verifiers[audience] = Verifier(
                audience, peer_keys(), jwks,
                os.environ.get("JWT_ISSUER", "https://auth.auraconnect.local"),
                os.environ.get("JWT_AUDIENCE", "auraconnect"))
        return _verifiers[audience]


def reset() -> None:
    """Forget configured verifiers and minted tokens (tests that change the environment)."""
    with _verifiers_lock:
        _verifiers.clear()
        _jwks.clear()
    with _minted_lock:
        _minted.clear()


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authorization_for(identity: Identity, audience: str) -> tuple[str, str]:
    """The header (or gRPC metadata) carrying an internal token for `identity` to `audience`."""
    return ("authorization", f"Bearer {token_for(identity, audience)}")


_test_key: Ed25519PrivateKey | None = None


def bearer_for_tests(identity: Identity, service: str) -> str:
    """`Bearer <token>` for a test calling an app or servicer in-process: signed by the caller "tests"
    with a throwaway key this process adds to INTERNAL_TOKEN_PEER_KEYS (and INTERNAL_TOKEN_SIGNING_KEY /
    OTEL_SERVICE_NAME when unset, so the app under test starts)."""
    global _test_key
    if _test_key is None:
        _test_key = Ed25519PrivateKey.generate()
    entry = f"{TEST_CALLER}={public_key_text(_test_key)}"
    listed = os.environ.get(PEER_KEYS_ENV, "")
    if entry not in listed.split(","):
        os.environ[PEER_KEYS_ENV] = ",".join(filter(None, (listed, entry)))
        os.environ.setdefault(KEY_ENV, new_signing_key_text())
        os.environ.setdefault(CALLER_ENV, TEST_CALLER)
        reset()
    return f"Bearer {mint(identity.claims(), audience_of(service), key=_test_key, caller=TEST_CALLER)}"


# --------------------------------------------------------------------------------------- dev CLI

def _fingerprint(key: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(key).digest()[:6]).decode()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m chassis.internal_token",
        description=f"Mint a short-lived internal token for a direct call to one service (reads {KEY_ENV}).")
    parser.add_argument("--service", required=True, help="the callee, e.g. orders, tax, pos-bridge")
    parser.add_argument("--tenant", required=True, help="tenant UUID the call acts in")
    parser.add_argument("--subject", default="service:dev-cli", help="user id, or service:<name>")
    parser.add_argument("--permission", action="append", default=[], help="repeatable, e.g. orders:read")
    parser.add_argument("--role", action="append", default=[], help="repeatable; adds the role's permissions")
    parser.add_argument("--lifetime", type=int, default=LIFETIME_SECONDS, help="seconds (at most 60)")
    args = parser.parse_args(argv)
    key, caller = signing_key(), os.environ.get(CALLER_ENV)
    if key is None or not caller:
        parser.error(f"{KEY_ENV} and {CALLER_ENV} must name a service and its key (for `make up`: "
                     f"{CALLER_ENV}=pos-bridge {KEY_ENV}=<INTERNAL_TOKEN_SIGNING_KEY_POS_BRIDGE of .stack/secrets.env>)")
    try:
        uuid.UUID(args.tenant)
    except ValueError:
        parser.error("--tenant must be a UUID")
    permissions = set(args.permission)
    if args.role:
        from chassis.rbac import permissions_for_roles

        permissions |= set(permissions_for_roles(args.role))
    claims = {"sub": args.subject, "tenant_id": args.tenant, "roles": args.role,
              "permissions": sorted(permissions), "location_ids": []}
    print(mint(claims, audience_of(args.service), key=key, lifetime=min(args.lifetime, LIFETIME_SECONDS),
               caller=caller))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
