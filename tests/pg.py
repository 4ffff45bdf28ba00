"""A real PostgreSQL server for tests: ``initdb`` and ``pg_ctl`` in a temporary directory.

As root (CI), the server runs as the ``postgres`` user, since PostgreSQL refuses root.
Each test gets its own database on the one server.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def available() -> bool:
    return _binary("initdb") is not None and _binary("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One running server; ``new_database()`` hands out isolated databases."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.user = "reviewer"
        self._as: list[str] = []
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(_binary("initdb") or "initdb", "-D", str(self.data), "-A", "trust",
                  "-U", self.user, "-E", "UTF8", "--no-locale")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c fsync=on -c synchronous_commit=on")
        self._run(_binary("pg_ctl") or "pg_ctl", "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(_binary("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "fast", "-w",
                  "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    root = Path(tempfile.mkdtemp(prefix="reviewer-pg-"))
    os.chmod(root, 0o755)
    server = PostgresServer(root)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
