"""Processes on this machine: start a shell command in a session of its own, recognise it, stop its tree.

Every instance the local driver runs is one ``/bin/sh -c COMMAND`` started in a new session, so its PID is
also its process group ID, and signalling the group reaches everything the command started. A PID alone
does not name a process over time (PIDs are reused), so it is paired with the process's start time from
``/proc/<pid>/stat`` in an ``Identity``.

A process this run started is a ``Child``: asyncio reaps it and knows its exit code. A process found from a
previous run is ``Adopted``: it is watched through ``/proc``, and its exit code went to its former parent.
This module knows nothing of services, ports or records, and raises ``OSError`` for its callers to explain.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from vamp.adapters import private_files

_POLL_SECONDS = 0.02
_ADOPTED_POLL_SECONDS = 0.1
_KILL_GRACE_SECONDS = 5.0
# Positions in ``_stat``: fields 3 (state), 5 (process group) and 22 (start time) of ``/proc/<pid>/stat``.
_STATE = 0
_GROUP = 2
_START_TIME = 19


@dataclass(frozen=True, slots=True)
class Identity:
    """One process over its whole life: its PID and its start time (clock ticks after boot)."""

    pid: int
    start_time: int

    def alive(self) -> bool:
        """Whether this very process still runs (and is not a zombie waiting for its parent)."""
        return start_time(self.pid) == self.start_time


def start_time(pid: int) -> int | None:
    """When process ``pid`` started (``/proc/<pid>/stat``); ``None`` when there is none or it is a zombie."""
    fields = _stat(Path(f"/proc/{pid}"))
    if fields is None or fields[_STATE] == "Z":
        return None
    return int(fields[_START_TIME])


def group_alive(group: int) -> bool:
    """Whether any process of process group ``group`` still runs (zombies do not count).

    A zombie stays in its group until its parent reaps it. The processes a command started are reparented
    when the command's shell exits, and some init processes reap slowly; so the group is read from
    ``/proc`` rather than probed with a signal.
    """
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry)
            if fields is not None and fields[_GROUP] == str(group) and fields[_STATE] != "Z":
                return True
    return False


def _stat(process: Path) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, from the state on; ``None`` if gone."""
    try:
        stat = (process / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    return stat[stat.rindex(")") + 2 :].split()


class Child:
    """A process started by this run."""

    def __init__(self, process: asyncio.subprocess.Process, identity: Identity) -> None:
        self._process = process
        self.identity = identity

    async def wait(self) -> int | None:
        """Wait until the process exits; its exit code, negative for a signal (``-9`` for SIGKILL)."""
        return await self._process.wait()


class Adopted:
    """A process a previous run started; its exit code is unknown to this run."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    async def wait(self) -> int | None:
        """Wait until the process is gone; always ``None``: its exit code went to its former parent."""
        while self.identity.alive():
            await asyncio.sleep(_ADOPTED_POLL_SECONDS)
        return None


Process = Child | Adopted


async def spawn(
    command: str,
    *,
    environment: dict[str, str],
    log: Path,
    error_log: Path | None = None,
    cwd: Path | None = None,
) -> Child:
    """Run ``command`` with ``/bin/sh -c`` in a new session, in ``cwd`` (default: the current folder).

    Its output is appended to ``log`` (0600); its standard error too, or to ``error_log`` when given. Files,
    not pipes: a process keeps writing when the process that started it is gone.
    """
    with contextlib.ExitStack() as files:
        output = files.enter_context(private_files.append(log))
        errors = (
            asyncio.subprocess.STDOUT
            if error_log is None
            else files.enter_context(private_files.append(error_log))
        )
        process = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=errors,
            env=environment,
            cwd=cwd,
            start_new_session=True,
        )
    started = start_time(process.pid)
    # The child exists until it is reaped, and only this run reaps it: ``None`` means it already exited.
    return Child(process, Identity(process.pid, -1 if started is None else started))


def search_path() -> str:
    """The server's ``$PATH`` for the commands it runs, its virtual environment's ``bin`` first when it runs
    in one, so that ``python`` in a command is the interpreter Vamp runs in."""
    path = os.environ.get("PATH", os.defpath)
    if sys.prefix != sys.base_prefix:
        path = os.pathsep.join([str(Path(sys.executable).parent), path])
    return path


async def stop(process: Process, timeout: float) -> None:
    """Stop the process and everything it started: SIGTERM to its group, SIGKILL after ``timeout`` seconds."""
    _signal_group(process.identity, signal.SIGTERM)
    try:
        async with asyncio.timeout(timeout):
            await _gone(process)
    except TimeoutError:
        _signal_group(process.identity, signal.SIGKILL)
        async with asyncio.timeout(_KILL_GRACE_SECONDS):
            await _gone(process)


def kill_remnants(identity: Identity) -> None:
    """SIGKILL whatever is left of the group of a process that has exited (a server its shell started)."""
    _signal_group(identity, signal.SIGKILL)


def _signal_group(identity: Identity, signum: signal.Signals) -> None:
    if not _group_may_remain(identity):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(identity.pid, signum)


def _group_may_remain(identity: Identity) -> bool:
    """Whether the group of ``identity`` may still have members.

    Safe against PID reuse: while any member of a group lives, the kernel does not hand the group's ID to a
    new process; so when another process holds the PID, the group is necessarily gone.
    """
    started = start_time(identity.pid)
    return started is None or started == identity.start_time


async def _gone(process: Process) -> None:
    await process.wait()
    while _group_may_remain(process.identity) and group_alive(process.identity.pid):
        await asyncio.sleep(_POLL_SECONDS)
