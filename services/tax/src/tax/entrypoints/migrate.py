"""Schema migrations: PostgreSQL only (no tax adapters, so no container: the chassis runs them)."""
from pathlib import Path

from chassis.config import load_settings
from chassis.runtime import run_migrations

from tax.config import SERVICE, Settings

if __name__ == "__main__":
    run_migrations(SERVICE, load_settings(Settings), Path(__file__).parents[1] / "migrations")
