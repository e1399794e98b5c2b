"""orders settings. Each entrypoint requires the optional ones it uses (`load_settings(require=...)`)."""
from chassis.config import ServiceSettings, load_settings

SERVICE = "orders"
SOURCE = "/auraconnect/orders"  # CloudEvents source of everything orders publishes


class Settings(ServiceSettings):
    tax_grpc_addr: str | None = None  # the HTTP API prices orders with it
    auth_grpc_addr: str | None = None  # servers, location time zones (business dates, pricing), menu locations


def settings(require: tuple[str, ...] = ()) -> Settings:
    return load_settings(Settings, require=require)
