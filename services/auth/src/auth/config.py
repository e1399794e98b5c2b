from chassis.config import ServiceSettings, load_settings, validate_aes_key
from pydantic import Field, field_validator

SERVICE = "auth"


class Settings(ServiceSettings):
    auth_key_encryption_key: str = Field(description="base64 AES-256 key sealing the JWT signing keys")
    jwt_issuer: str = "https://auth.auraconnect.local"
    jwt_audience: str = "auraconnect"
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)

    @field_validator("auth_key_encryption_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        return validate_aes_key(value)


def settings() -> Settings:
    return load_settings(Settings)
