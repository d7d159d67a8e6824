"""Keeps one HAProxy running in master-worker mode: start it, reload it, restart it when it dies, stop it.

HAProxy runs as ``haproxy -W -S <master.sock> -f <config>``: the master (the process this supervisor
started, and signals by its PID only) parses the configuration and forks a worker that serves. A reload
(``SIGUSR2`` to the master) re-executes the master on the configuration file as it is on disk; the new
worker takes the listening sockets over from the old one (``expose-fd listeners`` on the stats socket),
so no connection is refused, and the old worker finishes its requests and leaves. The master CLI
(``show proc``) says how many reloads were tried and how many failed, and which workers run: a reload
that fails keeps the old worker serving.

When the worker dies, the master kills the rest and exits (HAProxy's default ``exit-on-failure``); when
the master dies, its workers notice and exit. Either way the supervisor sees the master exit, records why
(``exits``), makes sure no worker of it is left (by their PIDs), and starts HAProxy again on the
configuration on disk, which the data plane keeps the last good one. The work directory is made 0700 and
the log 0600; the sockets are created 0600. This module neither writes configuration nor reads statistics.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

from vamp import errors
from vamp.adapters import private_files, tasks
from vamp.adapters.haproxy import runtime

_POLL_SECONDS = 0.01
_LOG_TAIL_BYTES = 2000
_WORKER_EXIT = re.compile(r"Current worker \(?(\d+)\)? exited with code (\d+)(?: \(([^)]*)\))?")
_PROC_LINE = re.compile(r"^(\d+)\s+(master|worker)\s+(\d+)(?:\s+\[failed: (\d+)\])?")


@dataclass(frozen=True, slots=True)
class Exit:
    """How one HAProxy master ended. ``returncode`` is negative for a signal, as in ``subprocess``."""

    pid: int
    returncode: int
    requested: bool
    """Whether the supervisor asked it to stop."""
    log_tail: str = ""

    @property
    def reason(self) -> str:
        """``HAProxy (pid 7) killed by SIGKILL``, or the worker's death that made the master exit."""
        if self.returncode < 0:
            how = f"killed by {signal.Signals(-self.returncode).name}"
        else:
            how = f"exited with status {self.returncode}"
            worker = _WORKER_EXIT.findall(self.log_tail)
            if worker and not self.requested:
                pid, code, what = worker[-1]
                how += f" after its worker (pid {pid}) exited with code {code}" + (
                    f" ({what})" if what else ""
                )
        return f"HAProxy (pid {self.pid}) {how}{' on request' if self.requested else ''}"


@dataclass(frozen=True, slots=True)
class Processes:
    """What the master CLI's ``show proc`` says."""

    master: int
    reloads: int
    """Reloads tried since the master started."""
    failed: int
    """Reloads that failed (the workers of the previous configuration kept serving)."""
    workers: tuple[tuple[int, int], ...]
    """``(pid, reloads it has lived through)`` of each worker: 0 for the worker of the latest successful
    reload (after a failed one, the serving worker counts it too)."""

    @property
    def current(self) -> int | None:
        """The PID of the worker of the latest configuration."""
        return next((pid for pid, reloads in self.workers if reloads == 0), None)


def parse_proc(text: str) -> Processes:
    """``show proc``'s answer as ``Processes``.

    Raises:
        errors.DataPlaneError: the answer lists no master.
    """
    master = reloads = failed = -1
    workers = []
    for line in text.splitlines():
        found = _PROC_LINE.match(line.strip())
        if found is None:
            continue
        pid, kind, count, failures = found.groups()
        if kind == "master":
            master, reloads, failed = int(pid), int(count), int(failures or 0)
        else:
            workers.append((int(pid), int(count)))
    if master < 0:
        raise errors.DataPlaneError(f"HAProxy's master CLI answered 'show proc' without a master: {text!r}")
    return Processes(master, reloads, failed, tuple(workers))


class Supervisor:
    """One HAProxy master and its workers, kept running until ``stop``.

    Args:
        config: the configuration file, read at every start and reload.
        workdir: where the master CLI socket and ``haproxy.log`` live.
        runtime_socket: the configuration's stats socket, which must answer before HAProxy counts as up.
        executable: the ``haproxy`` binary.
        ready_timeout: seconds to wait for HAProxy to serve after each start or reload.
        stop_timeout: seconds between SIGTERM and SIGKILL when stopping.
        restart_delay: the longest wait before a restart; the wait doubles, from nothing, while HAProxy
            keeps dying within a second of starting.
    """

    def __init__(
        self,
        config: Path,
        workdir: Path,
        *,
        runtime_socket: Path,
        executable: str = "haproxy",
        ready_timeout: float = 10.0,
        stop_timeout: float = 5.0,
        restart_delay: float = 2.0,
    ) -> None:
        self._config = config
        self._workdir = workdir
        self.runtime_socket = runtime_socket
        self.master_socket = workdir / "master.sock"
        self._executable = executable
        self._ready_timeout = ready_timeout
        self._stop_timeout = stop_timeout
        self._restart_delay = restart_delay
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._workers: set[int] = set()
        self.exits: list[Exit] = []
        """Every exit of a master so far, oldest first."""
        self.restarts = 0
        self.restarted = asyncio.Event()
        """Set after each restart that brought HAProxy back; clear it to wait for the next one."""

    @property
    def log_path(self) -> Path:
        return self._workdir / "haproxy.log"

    @property
    def pid(self) -> int | None:
        """The PID of the running master, if one is running."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def start(self) -> None:
        """Start HAProxy and return once its worker serves; from then on, restart it whenever it dies.

        Raises:
            errors.DataPlaneError: HAProxy exited or did not serve within ``ready_timeout``; the message
                quotes the end of its log.
        """
        try:
            private_files.folder(self._workdir)
        except OSError as exc:
            raise errors.DataPlaneError(
                f"Cannot make HAProxy's folder {self._workdir}: {exc.strerror}."
            ) from exc
        await self._launch()
        self._watcher = asyncio.create_task(self._watch(), name=f"haproxy supervisor {self._workdir}")

    async def stop(self) -> None:
        """Stop HAProxy: SIGTERM to the master, SIGKILL after ``stop_timeout``; then any worker left."""
        if self._watcher is not None:
            await tasks.cancel(self._watcher)
            self._watcher = None
        process = self._process
        if process is not None and process.returncode is None:
            await self._terminate(process)
        await self._end_workers()

    async def __aenter__(self) -> Supervisor:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def processes(self) -> Processes:
        """The master's ``show proc``; its workers are remembered, to be ended by PID if left behind.

        Raises:
            errors.DataPlaneError: the master CLI does not answer.
        """
        found = parse_proc(await self.master_command("show proc"))
        self._workers = {pid for pid, _ in found.workers}
        return found

    async def reload(self) -> bool:
        """Reload the master on the configuration on disk; whether the new worker took over.

        ``False`` means HAProxy could not load the configuration and the old worker keeps serving.

        Raises:
            errors.DataPlaneError: HAProxy is not running, or did not finish the reload within
                ``ready_timeout``.
        """
        process = self._running()
        before = await self.processes()
        process.send_signal(signal.SIGUSR2)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ready_timeout
        while True:
            with contextlib.suppress(errors.DataPlaneError):  # the master re-executes itself meanwhile
                after = await self.processes()
                if after.reloads > before.reloads and after.failed > before.failed:
                    return False
                if after.reloads > before.reloads and after.current is not None:
                    return True
            if process.returncode is not None or loop.time() >= deadline:
                raise errors.DataPlaneError(
                    f"HAProxy (pid {process.pid}) did not finish reloading {self._config} within "
                    f"{self._ready_timeout:g} s. The end of {self.log_path}:\n{self.log_tail()}"
                )
            await asyncio.sleep(_POLL_SECONDS)

    async def master_command(self, command: str) -> str:
        """The master CLI's whole answer to ``command``."""
        try:
            async with asyncio.timeout(2.0):
                reader, writer = await asyncio.open_unix_connection(str(self.master_socket))
                try:
                    writer.write(command.encode() + b"\n")
                    writer.write_eof()
                    return (await reader.read()).decode(errors="replace")
                finally:
                    writer.close()
        except (OSError, TimeoutError) as exc:
            raise errors.DataPlaneError(
                f"HAProxy's master CLI ({runtime.url_of(self.master_socket)}) does not answer "
                f"{command!r}: {exc or 'timed out'}"
            ) from exc

    def log_tail(self, start: int | None = None) -> str:
        """The end of HAProxy's log, or everything after offset ``start``."""
        try:
            with self.log_path.open("rb") as log:
                if start is None:
                    log.seek(0, os.SEEK_END)
                    start = max(0, log.tell() - _LOG_TAIL_BYTES)
                log.seek(start)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _running(self) -> asyncio.subprocess.Process:
        process = self._process
        if process is None or process.returncode is not None:
            raise errors.DataPlaneError("HAProxy is not running right now (it is being restarted).")
        return process

    async def _launch(self) -> None:
        for stale in (self.master_socket, self.runtime_socket):  # a dead master's, to tell when it is up
            stale.unlink(missing_ok=True)
        with private_files.append(self.log_path) as log:
            try:
                process = await asyncio.create_subprocess_exec(
                    self._executable,
                    "-W",
                    "-S",
                    f"{self.master_socket},mode,600",
                    "-f",
                    str(self._config),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            except OSError as exc:
                raise errors.DataPlaneError(f"Cannot start HAProxy ({self._executable}): {exc}") from exc
        self._process = process
        await self._await_serving(process)

    async def _await_serving(self, process: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._ready_timeout
        while True:
            if process.returncode is not None:
                raise errors.DataPlaneError(
                    f"HAProxy (pid {process.pid}) exited with status {process.returncode} while starting. "
                    f"The end of {self.log_path}:\n{self.log_tail()}"
                )
            if self.master_socket.exists() and self.runtime_socket.exists():
                with contextlib.suppress(errors.DataPlaneError):
                    if (await self.processes()).current is not None:
                        await runtime.Runtime(self.runtime_socket, timeout=1.0).info()
                        return
            if loop.time() >= deadline:
                process.kill()
                await process.wait()
                raise errors.DataPlaneError(
                    f"HAProxy (pid {process.pid}) did not serve within {self._ready_timeout:g} s. "
                    f"The end of {self.log_path}:\n{self.log_tail()}"
                )
            await asyncio.sleep(_POLL_SECONDS)

    async def _watch(self) -> None:
        delay = 0.0
        while True:
            process = self._process
            assert process is not None
            alive_since = asyncio.get_running_loop().time()
            returncode = await process.wait()
            self.exits.append(Exit(process.pid, returncode, requested=False, log_tail=self.log_tail()))
            await self._end_workers()
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

    async def _end_workers(self) -> None:
        """Wait for the workers of a master that is gone to exit, and SIGKILL those that do not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._stop_timeout
        while any(_alive(pid) for pid in self._workers) and loop.time() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
        for pid in self._workers:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._workers.clear()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
