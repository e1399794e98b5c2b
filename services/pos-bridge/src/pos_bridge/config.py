from chassis.config import ServiceSettings, load_settings

SERVICE = "pos-bridge"


class Settings(ServiceSettings):
    orders_grpc_addr: str


def settings() -> Settings:
    return load_settings(Settings)
