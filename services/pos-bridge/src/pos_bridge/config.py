from chassis.config import ServiceSettings, load_settings, validate_aes_key
from pydantic import Field, field_validator

SERVICE = "pos-bridge"
SOURCE = "/auraconnect/pos-bridge"  # CloudEvents source of every event pos-bridge publishes


class Settings(ServiceSettings):
    # orders' CreateOrder, where POS orders land: required by the consumer (the inbound worker).
    orders_grpc_addr: str | None = Field(None, description="orders gRPC host:port")
    # Seals each connection's POS credentials and webhook signature key (AES-256-GCM). Required by the
    # processes that read or write connections (http, consumer); a bad value fails at boot.
    pos_credentials_key: str | None = Field(None, description="base64 AES-256 key for POS credentials")
    webhook_max_bytes: int = Field(256 * 1024, description="largest inbound webhook body accepted (413 above)")
    # Toast's webhooks carry the whole order (every check, selection, payment, modifier): a large party's
    # order passes 256 KiB. The gateway's API body cap (MAX_API_BODY_BYTES, 1 MiB) still applies above it.
    webhook_max_bytes_toast: int = Field(1024 * 1024, description="largest Toast webhook body accepted (413 above)")
    inbound_poll_seconds: float = Field(0.2, description="how often the inbound worker looks for new events")
    inbound_workers: int = Field(4, ge=1, le=32, description="threads processing stored webhooks (fetch + CreateOrder)")
    # HTTP worker processes on one port (chassis.runtime.run_http_workers): a burst of webhooks is
    # HMAC checks and inserts in sync handlers, one core per process.
    http_workers: int = Field(2, ge=1, le=32)
    # Outbound webhooks for integrators (their secrets are sealed with pos_credentials_key too).
    webhooks_allow_private_targets: bool = Field(
        False, description="development only: allow targets on private/loopback addresses (the local stack sets it)")
    webhooks_retry_base_seconds: float = Field(30.0, gt=0, description="first retry wait (doubles, full jitter)")
    webhooks_retry_cap_seconds: float = Field(4 * 3600.0, gt=0, description="longest wait between two attempts")
    webhooks_retry_horizon_hours: float = Field(72.0, gt=0, description="dead-lettered after this long failing")
    webhooks_secret_overlap_hours: float = Field(24.0, ge=0, description="old secret stays valid after a rotation")
    webhooks_timeout_seconds: float = Field(10.0, gt=0, description="per-attempt timeout of a target")
    webhooks_senders: int = Field(2, ge=1, le=32, description="sender threads of the consumer process")
    webhooks_poll_seconds: float = Field(0.2, gt=0, description="how often an idle sender looks for due deliveries")
    webhooks_log_retention_days: float = Field(30.0, gt=0, description="finished deliveries are forgotten after this")
    reconcile_poll_seconds: float = Field(60.0, description="how often each Clover / Toast connection is polled "
                                          "for changed orders (reconciliation beside the webhooks)")
    outbound_poll_seconds: float = Field(0.5, description="how often the outbound sender looks for due changes")
    menu_pull_seconds: float = Field(900.0, description="how often each connection's POS menu is pulled")
    toast_signature_input: str = Field("body+timestamp", description="what Toast-Signature signs: "
                                       "'body+timestamp' (raw body + the payload's timestamp) or 'body'")

    @field_validator("toast_signature_input")
    @classmethod
    def _toast_signing(cls, value: str) -> str:
        if value not in ("body+timestamp", "body"):
            raise ValueError("must be 'body+timestamp' or 'body'")
        return value

    @field_validator("pos_credentials_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        return None if value is None else validate_aes_key(value)


def settings(*require: str) -> Settings:
    """The environment's settings; exits naming each of `require` (settings this process uses) left unset."""
    return load_settings(Settings, require=require)
