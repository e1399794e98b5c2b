from chassis.config import ServiceSettings, load_settings, validate_aes_key
from pydantic import Field, field_validator

SERVICE = "payroll"
SOURCE = "/auraconnect/payroll"  # CloudEvents source of every event payroll publishes


class Settings(ServiceSettings):
    # Peers are optional here; the process that calls one requires its address (see settings()).
    auth_grpc_addr: str | None = Field(None, description="auth gRPC host:port (locations and staff)")
    tax_grpc_addr: str | None = Field(None, description="tax gRPC host:port (withholding: paycheck preview, pay runs)")
    # The HTTP process (staff records: SSNs and bank accounts) requires it; others run without.
    # A value given must be a valid key, so a bad secret fails at boot.
    pii_encryption_key: str | None = Field(None, description="base64 AES-256 key for SSNs and bank accounts")

    # The pay-run worker (entrypoints/worker.py).
    pay_run_lease_seconds: float = Field(30.0, gt=1, description="a job's lease; a dead worker's job is taken over after it")
    pay_run_poll_seconds: float = Field(1.0, gt=0, description="how often an idle worker looks for a job")
    pay_run_chunk_size: int = Field(200, ge=1, le=5000, description="employees per tax batch call and per transaction")
    pay_run_ahead: bool = Field(True, description="read and compute the next chunk in a thread while one is stored")
    pay_run_chunk_pause_seconds: float = Field(0.0, ge=0, le=60, description="a pause after each chunk (0: none)")

    @field_validator("pii_encryption_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        return None if value is None else validate_aes_key(value)


def settings(*require: str) -> Settings:
    """The environment's settings; exits naming each of `require` (settings this process uses) left unset."""
    return load_settings(Settings, require=require)
