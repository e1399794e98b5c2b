from chassis.config import ServiceSettings, load_settings, validate_aes_key
from pydantic import Field, field_validator

SERVICE = "payroll"


class Settings(ServiceSettings):
    tax_grpc_addr: str
    auth_grpc_addr: str
    pii_encryption_key: str = Field(description="base64 AES-256 key for SSNs and bank accounts")

    @field_validator("pii_encryption_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        return validate_aes_key(value)


def settings() -> Settings:
    return load_settings(Settings)
