from chassis.config import ServiceSettings, load_settings

SERVICE = "orders"


class Settings(ServiceSettings):
    tax_grpc_addr: str
    auth_grpc_addr: str


def settings() -> Settings:
    return load_settings(Settings)
