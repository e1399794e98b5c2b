from chassis.config import ServiceSettings, load_settings, validate_aes_key
from pydantic import Field, field_validator

SERVICE = "auth"
SOURCE = "/auraconnect/auth"


class Settings(ServiceSettings):
    auth_key_encryption_key: str = Field(description="base64 AES-256 key sealing the JWT signing keys")
    jwt_issuer: str = "https://auth.auraconnect.local"
    jwt_audience: str = "auraconnect"
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    # Refresh tokens: each one lives this long, and a family (one login) at most the family limit.
    refresh_token_ttl_seconds: int = Field(14 * 86400, ge=300)
    refresh_family_max_seconds: int = Field(30 * 86400, ge=300)
    # How long verifiers (Envoy's remote JWKS) cache our JWKS: a new key is published at least this
    # long (plus a margin) before it signs anything. Keep equal to the gateway's JWKS_CACHE_SECONDS.
    jwks_cache_seconds: int = Field(60, ge=1, le=86400)
    # Login throttling (Redis). Failures are counted per account (tenant + email, known or not, so the
    # answer never tells whether an account exists) and per client address, within a window.
    login_failure_window_seconds: int = Field(900, ge=10)
    login_account_max_failures: int = Field(5, ge=1)
    login_address_max_failures: int = Field(50, ge=1)
    login_lockout_seconds: int = Field(900, ge=1)
    # Hops of trusted proxies in front of us that append to X-Forwarded-For (Envoy: 1).
    trusted_proxy_hops: int = Field(1, ge=0, le=5)

    @field_validator("auth_key_encryption_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        return validate_aes_key(value)


def settings(*require: str) -> Settings:
    """The process's settings; `require` names the optional ones it uses (e.g. "redis_url")."""
    return load_settings(Settings, require=require)
