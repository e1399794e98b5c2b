from chassis.config import ServiceSettings, load_settings

SERVICE = "tax"


class Settings(ServiceSettings):
    # How long a process trusts its in-memory copy of the rate tables before re-reading them.
    rates_cache_seconds: float = 30.0


def settings() -> Settings:
    return load_settings(Settings)
