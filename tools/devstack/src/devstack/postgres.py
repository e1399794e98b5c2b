"""One PostgreSQL server for the stack; one schema and one login role per service.

Each service role owns its schema and has no rights on any other: a service cannot read another's
tables even by mistake. The database itself is not open to PUBLIC.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from devstack.layout import SERVICES, Layout

DATABASE = "aura"


def _bin_dir() -> Path:
    for version in ("17", "16", "15"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "initdb").exists():
            return path
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("PostgreSQL server binaries not found: run `make bootstrap` (apt-get install postgresql)")


def _as_db_owner(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; on CI and dev machines we are root, so use its own user.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def data_dir(layout: Layout) -> Path:
    return layout.state_dir / "postgres"


def superuser_url(layout: Layout, password: str, database: str = DATABASE) -> str:
    return f"postgresql://postgres:{password}@127.0.0.1:{layout.postgres_port}/{database}"


def service_url(layout: Layout, package: str, password: str) -> str:
    return f"postgresql+psycopg://{package}_svc:{password}@127.0.0.1:{layout.postgres_port}/{DATABASE}"


def start(layout: Layout, superuser_password: str) -> None:
    bin_dir = _bin_dir()
    root = data_dir(layout)
    data = root / "data"
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (root, *root.rglob("*")):
            os.chown(path, user.pw_uid, user.pw_gid)
    if not (data / "PG_VERSION").exists():
        password_file = root / "pwfile"
        password_file.write_text(superuser_password + "\n")
        if os.geteuid() == 0:
            os.chown(password_file, pwd.getpwnam("postgres").pw_uid, -1)
        subprocess.run(_as_db_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                                     "-A", "scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8",
                                     "--no-instructions"]), check=True, capture_output=True)
        password_file.unlink()
    if (data / "postmaster.pid").exists() and pid(layout):
        return
    options = (f"-p {layout.postgres_port} -k {root} -c listen_addresses=127.0.0.1"
               " -c max_connections=200 -c shared_buffers=64MB")
    subprocess.run(_as_db_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "postgres.log"),
                                 "-w", "-t", "60", "-o", options, "start"]), check=True, capture_output=True)


def pid(layout: Layout) -> int | None:
    pid_path = data_dir(layout) / "data" / "postmaster.pid"
    try:
        value = int(pid_path.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    from devstack.procs import alive

    return value if alive(value) else None


def stop(layout: Layout) -> bool:
    if not pid(layout):
        return False
    subprocess.run(_as_db_owner([str(_bin_dir() / "pg_ctl"), "-D", str(data_dir(layout) / "data"),
                                 "-m", "fast", "-w", "stop"]), check=True, capture_output=True)
    return True


def wait_ready(layout: Layout, password: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(superuser_url(layout, password, "postgres"), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def provision(layout: Layout, secrets: dict[str, str]) -> None:
    """Database, per-service roles and schemas; safe to run again."""
    admin = secrets["POSTGRES_SUPERUSER_PASSWORD"]
    with psycopg.connect(superuser_url(layout, admin, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
        for service in SERVICES:
            password = secrets[f"DB_PASSWORD_{service.package.upper()}"]
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (service.role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(psycopg.sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.SQL(verb), psycopg.sql.Identifier(service.role), psycopg.sql.Literal(password)))
    with psycopg.connect(superuser_url(layout, admin), autocommit=True) as conn:
        conn.execute(f"REVOKE ALL ON DATABASE {DATABASE} FROM PUBLIC")
        conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for service in SERVICES:
            conn.execute(f"GRANT CONNECT ON DATABASE {DATABASE} TO {service.role}")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {service.package} AUTHORIZATION {service.role}")
            conn.execute(f"REVOKE ALL ON SCHEMA {service.package} FROM PUBLIC")
