from chassis.config import ServiceSettings

SERVICE = "tax"
SOURCE = "/auraconnect/tax"  # CloudEvents source of the events tax publishes (none yet)


class Settings(ServiceSettings):
    # How often a process asks (Redis, else PostgreSQL) whether the rule tables changed. A change made
    # through this process applies at once; through another replica, within this many seconds.
    rules_check_seconds: float = 1.0
    # Who may change the rule tables (platform data every tenant shares) is a platform permission
    # (chassis.rbac.PLATFORM_RULES_UPDATE) that only auth's platform operator role carries.
