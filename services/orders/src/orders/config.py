"""orders settings. Each entrypoint requires the optional ones it uses (`load_settings(require=...)`)."""
from chassis.config import ServiceSettings, load_settings
from pydantic import Field

SERVICE = "orders"
SOURCE = "/auraconnect/orders"  # CloudEvents source of everything orders publishes


class Settings(ServiceSettings):
    tax_grpc_addr: str | None = None  # the HTTP API prices orders with it
    auth_grpc_addr: str | None = None  # servers, location time zones (business dates, pricing), menu locations
    # Connections per process (plus as many again in overflow): one per request in flight, since a
    # placement runs in one transaction. Sized for 16+ concurrent requests per process.
    db_pool_size: int = Field(16, ge=1, le=100)
    # HTTP worker processes on one port (chassis.runtime.run_http_workers): sync handlers hold one
    # process to one core; two use both cores of the 2-core machines the bench runs on.
    http_workers: int = Field(2, ge=1, le=32)


def settings(require: tuple[str, ...] = ()) -> Settings:
    return load_settings(Settings, require=require)
