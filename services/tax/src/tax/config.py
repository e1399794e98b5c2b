from chassis.config import ServiceSettings

SERVICE = "tax"
SOURCE = "/auraconnect/tax"  # CloudEvents source of the events tax publishes (none yet)


class Settings(ServiceSettings):
    # How often a process asks (Redis, else PostgreSQL) whether the rule tables changed. A change made
    # through this process applies at once; through another replica, within this many seconds.
    rules_check_seconds: float = 1.0
    # Tax rules and sales rates are platform data shared by every tenant. When set (comma-separated
    # tenant UUIDs), only admins (settings:update) of these operator tenants may add rule rows; when
    # empty, any tenant's admin may (local development and the demo only).
    rules_admin_tenant_ids: str = ""

    @property
    def rules_admin_tenants(self) -> frozenset[str]:
        return frozenset(t.strip().lower() for t in self.rules_admin_tenant_ids.split(",") if t.strip())

