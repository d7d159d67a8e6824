"""A throwaway PostgreSQL server for tests that need a real one.

``start()`` finds Debian's binaries (/usr/lib/postgresql/*/bin, the newest version) and, as root,
installs them when they are missing (``apt-get update && apt-get install -y postgresql``). It runs
``initdb`` into a new folder under the system's temp folder and starts ``postgres`` on a free port of
127.0.0.1 with its socket in that folder, and returns once the server accepts connections.
PostgreSQL refuses to run as root, so as root both run as the ``postgres`` system user
(``runuser -u postgres --``), in a folder that user owns. ``PostgresServer.stop()`` stops the server
by its own PID (from ``postmaster.pid``) and removes the folder. Durability is switched off: these
databases live for one test session.

Shared by every suite that needs PostgreSQL; the store adapter's tests use it through the
``postgres_server`` fixture in tests/adapters/store/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

USER = "vamp"
INSTALL = (("apt-get", "update"), ("apt-get", "install", "-y", "postgresql"))
"""What installs Debian's PostgreSQL when it is missing (run as root)."""
_STARTUP_SECONDS = 60.0
_SHUTDOWN_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class PostgresServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"

    def url(self, database: str) -> str:
        """The address of ``database`` in the form a user gives it (``--store``)."""
        return f"postgresql://{USER}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its name."""
        name = f"test_{uuid.uuid4().hex}"
        with self._connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def empty_tables(self, database: str, tables: Sequence[str]) -> None:
        """Remove every row of ``tables`` in ``database`` and restart their id sequences."""
        names = sql.SQL(", ").join(sql.Identifier(table) for table in tables)
        with self._connect(database) as connection:
            connection.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(names))

    def stop(self) -> None:
        pid_file = self.folder / "data" / "postmaster.pid"
        if pid_file.exists():
            # SIGQUIT is PostgreSQL's "immediate shutdown": no final checkpoint, as the data goes next.
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
        try:
            self.process.wait(timeout=_SHUTDOWN_SECONDS)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=USER, dbname=database, autocommit=True, connect_timeout=5
        )


def start() -> PostgresServer:
    """Start a new server; raises ``RuntimeError`` (with the server's log) when it does not come up."""
    binaries = _binaries()
    folder = Path(tempfile.mkdtemp(prefix="vamp-postgres-"))
    as_postgres: tuple[str, ...] = ()
    if os.getuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ("runuser", "-u", "postgres", "--")
    data = folder / "data"
    initdb = (str(binaries / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8")
    _run((*as_postgres, *initdb, "--no-locale", "--no-sync"))
    port = _free_port()
    log = folder / "postgres.log"
    server_command = (str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port))
    settings = ("-k", str(folder), "-F", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
    with log.open("wb") as output:
        process = subprocess.Popen(
            (*as_postgres, *server_command, *settings), stdout=output, stderr=subprocess.STDOUT
        )
    server = PostgresServer(port=port, folder=folder, process=process)
    deadline = time.monotonic() + _STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL exited with {process.returncode}:\n{log.read_text()}")
        try:
            server._connect().close()
            return server
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                log_text = log.read_text()
                server.stop()
                raise RuntimeError(f"PostgreSQL did not accept connections in time:\n{log_text}") from None
            time.sleep(0.05)


def _binaries() -> Path:
    found = _installed()
    if found is None and os.getuid() == 0:
        for command in INSTALL:
            _run(command)
        found = _installed()
    if found is None:
        commands = " && ".join(" ".join(command) for command in INSTALL)
        raise RuntimeError(f"PostgreSQL is not installed; install it as root with: {commands}")
    return found


def _run(command: Sequence[str]) -> None:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with {done.returncode}:\n{done.stdout}{done.stderr}")


def _installed() -> Path | None:
    """The newest of Debian's PostgreSQL binary folders, or ``None``."""
    folders = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/postgres")]
    return max(folders, key=lambda folder: int(folder.parent.name), default=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
