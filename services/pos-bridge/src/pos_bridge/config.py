from chassis.config import ServiceSettings, load_settings
from pydantic import Field

SERVICE = "pos-bridge"
SOURCE = "/auraconnect/pos-bridge"  # CloudEvents source of every event pos-bridge publishes


class Settings(ServiceSettings):
    # No process calls orders yet; the POS sync that pushes orders in will require it (see settings()).
    orders_grpc_addr: str | None = Field(None, description="orders gRPC host:port")


def settings(*require: str) -> Settings:
    """The environment's settings; exits naming each of `require` (settings this process uses) left unset."""
    return load_settings(Settings, require=require)
