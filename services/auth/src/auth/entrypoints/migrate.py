"""Brings the auth schema to head (needs PostgreSQL only)."""
from pathlib import Path

from chassis.runtime import run_migrations

from auth.config import SERVICE, settings

if __name__ == "__main__":
    run_migrations(SERVICE, settings(), Path(__file__).parents[1] / "migrations")
