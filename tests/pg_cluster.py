"""A throwaway PostgreSQL cluster for the test session (issue 14).

Debian's server programs (``/usr/lib/postgresql/<version>/bin``, installed by
scripts/bootstrap.sh) make a cluster in a fresh temporary directory, listening on 127.0.0.1 on
a free port only (no Unix socket), with durability off (fsync, full-page writes: a test
cluster is thrown away). As root (CI) the programs run as the ``postgres`` user, which owns
the directory; otherwise as the current user. Each pytest-xdist worker starts its own.

If the cluster cannot start the session fails with the server's own output: the PostgreSQL
tests are never skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class ClusterError(RuntimeError):
    pass


def server_bin() -> Path:
    env = os.environ.get("ASSISTCASE_PG_BIN")
    if env:
        return Path(env)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not candidates:
        raise ClusterError(
            "PostgreSQL's server programs were not found (initdb): install Debian's "
            "postgresql package (scripts/bootstrap.sh does) or set ASSISTCASE_PG_BIN")
    return candidates[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.bin = server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="assistcase-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.superuser = "postgres"
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise ClusterError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n"
                               f"{done.stderr}\n{log}")
        return done

    def start(self) -> "Cluster":
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(self.bin / "initdb", "-D", self.data, "-U", self.superuser, "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        opts = (f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                "-c shared_buffers=64MB -c max_locks_per_transaction=128")
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w",
                  "-t", "60", "start")
        self.started = True
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w",
                          "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        """Run statements on the maintenance database, outside a transaction."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.superuser,
                             dbname="postgres", autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    def create(self, name: str, template: str | None = None) -> str:
        self.admin(f'CREATE DATABASE "{name}"'
                   + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""))
        return self.url(name)

    def drop(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
