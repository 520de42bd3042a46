"""A throwaway PostgreSQL server on loopback, for the end-to-end tests and the benchmark."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """A PostgreSQL server of its own with a database `tap_infinity`, as TARGET_POSTGRES_*
    settings. Needs the server binaries (`make postgres` installs them). Stopped at the end
    whatever happened; its data directory is removed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    if not found[-1]:
        raise RuntimeError("PostgreSQL server binaries not found: `make postgres` installs them")
    bin_dir = Path(found[-1]).parent
    data = Path(tempfile.mkdtemp(prefix="tap-infinity-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", "postgres", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log")]
    subprocess.run(_as_postgres([*pg_ctl, "-o", options, "-w", "start"]), check=True, capture_output=True)
    try:
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "tap_infinity"],
            check=True,
            capture_output=True,
        )
        yield {
            "TARGET_POSTGRES_HOST": "127.0.0.1",
            "TARGET_POSTGRES_PORT": str(port),
            "TARGET_POSTGRES_USER": "postgres",
            "TARGET_POSTGRES_PASSWORD": "unused-trust-auth",
            "TARGET_POSTGRES_DATABASE": "tap_infinity",
        }
    finally:
        subprocess.run(_as_postgres([*pg_ctl, "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def connect(settings: dict[str, str], **options: Any) -> psycopg.Connection[Any]:
    """A connection to the database the TARGET_POSTGRES_* settings name."""
    return psycopg.connect(
        host=settings["TARGET_POSTGRES_HOST"],
        port=int(settings["TARGET_POSTGRES_PORT"]),
        user=settings["TARGET_POSTGRES_USER"],
        dbname=settings["TARGET_POSTGRES_DATABASE"],
        **options,
    )
