"""Keeps one child process running: start it, wait until it is ready, restart it when it dies, stop it.

Shared by the proxies' supervisors (``envoy.supervisor``, ``haproxy.supervisor``), which say only what
is their own: how the process is launched (``_prepare`` and ``_command``), how its readiness is known
(``_await_ready``, polling with ``_check_alive``), and what else must go when it does (``_after_exit``).
Everything else is here, once:

- the work directory, made 0700, and the log file in it, 0600, which takes the process's output and is
  quoted (``log_tail``) when it fails to start or dies;
- the watch: when the process dies, its exit is recorded (``exits``, an ``Exit`` each, with the end of
  the log), and it is started again after a wait that doubles from 0.1 s up to ``restart_delay`` while
  it keeps dying within a second of becoming ready, and is nothing after a longer life
  (``restart_wait``); each restart that brings it back to ready counts in ``restarts`` and sets
  ``restarted``;
- the stop: SIGTERM, then SIGKILL after ``stop_timeout``, by its PID only (each process is started in a
  session of its own), recorded as an exit asked for.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Self

from vamp import errors
from vamp.adapters import private_files, tasks
from vamp.ports import gateway_agent

POLL_SECONDS = 0.01
"""How often readiness and liveness are polled."""
LOG_TAIL_BYTES = 2000
"""How much of the end of the log an error or an exit quotes."""
_SHORT_LIFE_SECONDS = 1.0
_FIRST_RESTART_WAIT = 0.1


def restart_wait(previous: float, lived: float, longest: float) -> float:
    """Seconds to wait before restarting a process that was ready for ``lived`` seconds.

    Nothing after a life longer than a second; otherwise twice the ``previous`` wait, at least 0.1 s
    and at most ``longest``.
    """
    if lived > _SHORT_LIFE_SECONDS:
        return 0.0
    return min(longest, max(previous * 2, _FIRST_RESTART_WAIT))


@dataclass(frozen=True, slots=True)
class Exit:
    """How one supervised process ended. ``returncode`` is negative for a signal, as in ``subprocess``.

    Each supervisor names its program (``program``) in a subclass of its own.
    """

    program: ClassVar[str] = "The process"

    pid: int
    returncode: int
    requested: bool
    """Whether the supervisor asked it to stop."""
    log_tail: str = ""

    @property
    def reason(self) -> str:
        """``Envoy (pid 7) killed by SIGKILL`` or ``… exited with status 1``; whether that was asked for."""
        return f"{self.program} (pid {self.pid}) {self._how()}{' on request' if self.requested else ''}"

    def _how(self) -> str:
        if self.returncode < 0:
            return f"killed by {signal.Signals(-self.returncode).name}"
        return f"exited with status {self.returncode}"


class SupervisedProcess(abc.ABC):
    """One child process, kept running from ``start`` until ``stop``.

    Args:
        workdir: the process's folder, where its log ``log_name`` is written.
        ready_timeout: seconds to wait for readiness after each start.
        stop_timeout: seconds between SIGTERM and SIGKILL when stopping.
        restart_delay: the longest wait before a restart (``restart_wait``).
    """

    not_ready: ClassVar[str] = "was not ready"
    """What the timeout message says the process did not do in time: ``was not live``."""
    exit_record: ClassVar[type[Exit]] = Exit
    """How this program's exits are recorded: an ``Exit`` that names it (``Exit.program``)."""

    def __init__(
        self,
        workdir: Path,
        log_name: str,
        *,
        ready_timeout: float,
        stop_timeout: float,
        restart_delay: float,
    ) -> None:
        self._workdir = workdir
        self._log_name = log_name
        self._ready_timeout = ready_timeout
        self._stop_timeout = stop_timeout
        self._restart_delay = restart_delay
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.exits: list[Exit] = []
        """Every exit so far, oldest first."""
        self.restarts = 0
        self.restarted = asyncio.Event()
        """Set after each restart that brought the process back to ready; clear it to wait for the next."""

    @property
    def program(self) -> str:
        """The program's name in messages: ``Envoy``, ``HAProxy``."""
        return self.exit_record.program

    @property
    def log_path(self) -> Path:
        return self._workdir / self._log_name

    @property
    def pid(self) -> int | None:
        """The PID of the running process, if one is running."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def start(self) -> None:
        """Start the process and return once it is ready; from then on, restart it whenever it dies.

        Raises:
            errors.DataPlaneError: the folder cannot be made, or the process exited or was not ready
                within ``ready_timeout``; the message quotes the end of its log.
        """
        try:
            private_files.folder(self._workdir)
        except OSError as exc:
            raise errors.DataPlaneError(
                f"Cannot make {self.program}'s folder {self._workdir}: {exc.strerror}."
            ) from exc
        await self._launch()
        self._watcher = asyncio.create_task(self._watch(), name=self._watch_name())

    async def stop(self) -> None:
        """Stop the process: SIGTERM, then SIGKILL if it has not exited after ``stop_timeout``."""
        if self._watcher is not None:
            await tasks.cancel(self._watcher)
            self._watcher = None
        process = self._process
        if process is not None and process.returncode is None:
            await self._terminate(process)
        await self._after_exit()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def health(self, admin_url: str) -> gateway_agent.Health:
        """How the process is doing, for the gateway agent; ``admin_url`` is where it is administered."""
        return gateway_agent.Health(
            pid=self.pid,
            restarts=self.restarts,
            exits=tuple(exit.reason for exit in self.exits),
            admin_url=admin_url,
        )

    def log_tail(self, start: int | None = None) -> str:
        """The end of the log, or everything after offset ``start``."""
        try:
            with self.log_path.open("rb") as log:
                if start is None:
                    log.seek(0, os.SEEK_END)
                    start = max(0, log.tell() - LOG_TAIL_BYTES)
                log.seek(start)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        """The log's length in bytes so far; 0 before there is one."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    @abc.abstractmethod
    def _command(self) -> list[str]:
        """The command line that starts the process: the executable, then its arguments."""

    def _cannot_start(self, executable: str, exc: OSError) -> str:
        """What to say when ``executable`` cannot be started."""
        return f"Cannot start {self.program} ({executable}): {exc}"

    @abc.abstractmethod
    async def _await_ready(self, process: asyncio.subprocess.Process) -> None:
        """Return once ``process`` is ready; poll with ``_check_alive`` until then."""

    @abc.abstractmethod
    def _prepare(self) -> None:
        """Before each start: what a dead predecessor left that would be in the way (its sockets)."""

    @abc.abstractmethod
    async def _after_exit(self) -> None:
        """After each exit, asked for or not: end what the process leaves behind (HAProxy's workers)."""

    def _watch_name(self) -> str:
        return f"{self.program.lower()} supervisor {self._workdir}"

    async def _launch(self) -> None:
        self._prepare()
        with private_files.append(self.log_path) as log:
            process = await self._spawn(log)
        self._process = process
        await self._await_ready(process)

    async def _spawn(self, log: BinaryIO) -> asyncio.subprocess.Process:
        """Start the process in a session of its own (so that it is signalled alone), output to ``log``."""
        command = self._command()
        try:
            return await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        except OSError as exc:
            raise errors.DataPlaneError(self._cannot_start(command[0], exc)) from exc

    async def _check_alive(self, process: asyncio.subprocess.Process, deadline: float) -> None:
        """Raise if ``process`` has exited or ``deadline`` has passed (killing it); otherwise wait a poll.

        Raises:
            errors.DataPlaneError: either, quoting the end of the log.
        """
        if process.returncode is not None:
            raise errors.DataPlaneError(
                f"{self.program} (pid {process.pid}) exited with status {process.returncode} while "
                f"starting. The end of {self.log_path}:\n{self.log_tail()}"
            )
        if asyncio.get_running_loop().time() >= deadline:
            process.kill()
            await process.wait()
            raise errors.DataPlaneError(
                f"{self.program} (pid {process.pid}) {self.not_ready} within {self._ready_timeout:g} s. "
                f"The end of {self.log_path}:\n{self.log_tail()}"
            )
        await asyncio.sleep(POLL_SECONDS)

    async def _watch(self) -> None:
        wait = 0.0
        while True:
            process = self._process
            assert process is not None
            alive_since = asyncio.get_running_loop().time()
            returncode = await process.wait()
            self.exits.append(
                self.exit_record(process.pid, returncode, requested=False, log_tail=self.log_tail())
            )
            await self._after_exit()
            lived = asyncio.get_running_loop().time() - alive_since
            wait = restart_wait(wait, lived, self._restart_delay)
            await asyncio.sleep(wait)
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
        self.exits.append(self.exit_record(process.pid, returncode, requested=True))
