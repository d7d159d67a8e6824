"""One run of a workflow on this machine: its process, its output, its timeout and how it ended.

A run is one process group. The workflow's command runs as ``/bin/sh -c DEFINITION`` (a script as
``node workflow.js`` in the workflow's folder) inside a small recording shell that writes the exit code to
``<id>.status`` when it ends, so that a run adopted after a crash of the server still reports its exit
code. Standard output and error go to the files ``<id>.stdout`` and ``<id>.stderr``, never to pipes: a run
keeps writing when the server that started it is gone. The run reads those files as they grow (every
``POLL_SECONDS``), tagging every line with its stream and keeping the last ``runs.KEPT_OUTPUT_LINES``:
lines of both streams are in the order they were read, which is the order they were written to within a
poll (output written while no server watched comes stream after stream). A file that has grown past
``ROTATE_BYTES`` is emptied once read to its end, so that a daemon writing for weeks does not fill the disk
(lines written in the instant between the read and the cut are lost). One read takes at most
``READ_BYTES`` of a file, on the server's event loop: of a run that wrote more since the last poll, only
the last part is read (a line says how much was passed over), so a script that floods its output never
holds up the server.

A run with a timeout is stopped (SIGTERM to its group, SIGKILL after the stop timeout) once it has run that
long, and reports ``timed_out``. When the run's shell exits, whatever it left running in its group is
killed. Its record (``records.Kept``) names its process while it runs and holds its last lines once it
ended; the output files then go.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import os
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.local import processes
from vamp.adapters.workflows import records
from vamp.core.workflows import runs

POLL_SECONDS = 0.2
"""How often a run reads its output files and checks its timeout."""
ROTATE_BYTES = 4 * 1024 * 1024
"""An output file this large is emptied once read (the runtime keeps only the last lines anyway)."""
_LINE_LIMIT = 4000
"""The longest line kept, in characters: the rest of a longer one is cut."""
READ_BYTES = runs.KEPT_OUTPUT_LINES * _LINE_LIMIT
"""The most one read takes of a file: enough for every line kept, however long."""


class Output:
    """The last lines a run wrote to its two files, read incrementally."""

    def __init__(self, folder: records.WorkflowFolder, execution_id: str) -> None:
        self._files = {stream: folder.output(execution_id, stream) for stream in records.OUTPUT_STREAMS}
        self._offsets = dict.fromkeys(records.OUTPUT_STREAMS, 0)
        self._partial = dict.fromkeys(records.OUTPUT_STREAMS, b"")
        self.lines: collections.deque[runs.OutputLine] = collections.deque(maxlen=runs.KEPT_OUTPUT_LINES)

    def read(self, *, final: bool = False) -> None:
        """Take in the complete lines written since the last read (and when ``final`` a last partial one)."""
        for stream, path in self._files.items():
            skipped = 0
            try:
                with path.open("rb") as source:
                    size = os.fstat(source.fileno()).st_size
                    skipped = max(0, size - self._offsets[stream] - READ_BYTES)
                    source.seek(self._offsets[stream] + skipped)
                    chunk = source.read(READ_BYTES)
            except OSError:  # not there yet, or gone: nothing new
                chunk = b""
            if skipped:
                self._partial[stream] = b""
                self.lines.append(runs.OutputLine(stream, f"[{skipped} bytes of output passed over]"))
            self._offsets[stream] += skipped + len(chunk)
            pieces = (self._partial[stream] + chunk).split(b"\n")
            self._partial[stream] = pieces.pop()
            if self._offsets[stream] >= ROTATE_BYTES and not final:
                with contextlib.suppress(OSError):
                    os.truncate(path, 0)
                    self._offsets[stream] = 0
            if final and self._partial[stream]:
                pieces.append(self._partial[stream])
                self._partial[stream] = b""
            for piece in pieces:
                text = piece.decode(errors="replace").rstrip("\r")[:_LINE_LIMIT]
                self.lines.append(runs.OutputLine(stream, text))


@dataclass(frozen=True, slots=True)
class Watching:
    """How a run is watched: its ``timeout`` (0: none), the seconds between SIGTERM and SIGKILL when it is
    stopped, and who hears the run once it has ended and been recorded."""

    timeout: float
    stop_timeout: float
    on_end: Callable[[Run], None]


class Run:
    """One execution of a workflow, while its process runs and once it has ended."""

    def __init__(
        self,
        folder: records.WorkflowFolder,
        execution: runs.Execution,
        process: processes.Process,
        watching: Watching,
    ) -> None:
        self.folder = folder
        self.execution = execution
        self.process = process
        self._timeout = watching.timeout
        self._stop_timeout = watching.stop_timeout
        self._on_end = watching.on_end
        self._output = Output(folder, execution.id)
        self._stopping = False
        self.ended = asyncio.Event()
        self._task = asyncio.create_task(self._watch(), name=f"workflow run {folder.key} {execution.id}")

    @property
    def id(self) -> str:
        return self.execution.id

    def snapshot(self) -> runs.Execution:
        """The execution as it is now: while it runs, with its output so far."""
        if self.ended.is_set():
            return self.execution
        self._output.read()
        return dataclasses.replace(self.execution, output=tuple(self._output.lines))

    async def stop(self) -> None:
        """Stop the run and its whole group (SIGTERM, SIGKILL after the stop timeout); it ends ``stopped``."""
        self._stopping = True
        if not self.ended.is_set():
            await self._terminate()
        await self.ended.wait()

    async def _terminate(self) -> None:
        try:
            await processes.stop(self.process, self._stop_timeout)
        except (OSError, TimeoutError) as exc:
            raise errors.DriverError(
                f"Cannot stop run {self.id} (pid {self.process.identity.pid}) of workflow "
                f"'{self.folder.key}': {exc or 'it did not exit after SIGKILL'}."
            ) from exc

    async def _watch(self) -> None:
        waiting = asyncio.ensure_future(self.process.wait())
        timed_out = False
        try:
            while True:
                done, _ = await asyncio.wait({waiting}, timeout=POLL_SECONDS)
                self._output.read()
                if done:
                    break
                if (
                    self._timeout > 0
                    and not self._stopping
                    and _seconds_since(self.execution.started) >= self._timeout
                ):
                    timed_out = True
                    with contextlib.suppress(errors.DriverError):  # tried again at the next poll
                        await self._terminate()
            returncode = waiting.result()
        finally:
            if not waiting.done():
                waiting.cancel()
        processes.kill_remnants(self.process.identity)
        if returncode is None:
            returncode = _recorded_exit_code(self.folder.exit_status(self.id))
        self._output.read(final=True)
        self.execution = _ended(
            self.execution, returncode, tuple(self._output.lines), timed_out, self._stopping, self._timeout
        )
        with contextlib.suppress(errors.DriverError):  # a record left running is cleaned by the next runtime
            self.folder.save_execution(records.Kept(self.execution))
            self.folder.remove_output(self.id)
        self.ended.set()
        self._on_end(self)


async def start(
    folder: records.WorkflowFolder,
    *,
    inner: str,
    trigger: str,
    environment: dict[str, str],
    watching: Watching,
) -> Run:
    """Start one run of ``inner`` (a shell command line) in the workflow's folder, and record it.

    Raises:
        errors.DriverError: the process could not be started or recorded.
    """
    started = datetime.now(UTC)
    execution = runs.Execution(
        id=new_id(started),
        trigger=trigger,
        started=started,
        status=runs.ExecutionStatus.RUNNING,
    )
    status = folder.exit_status(execution.id)
    try:
        folder.prepare()
        with private_files.append(status):
            pass  # the shell truncates it, keeping its mode
        child = await processes.spawn(
            f"{inner}\nstatus=$?\necho $status > {shlex.quote(str(status))}\nexit $status",
            environment=environment,
            log=folder.output(execution.id, "stdout"),
            error_log=folder.output(execution.id, "stderr"),
            cwd=folder.path,
        )
    except OSError as exc:
        raise errors.DriverError(f"Cannot start a run of workflow '{folder.key}': {exc}.") from exc
    try:
        folder.save_execution(records.Kept(execution, child.identity))
    except errors.DriverError:
        with contextlib.suppress(OSError, TimeoutError):  # the error to report is the record's
            await processes.stop(child, watching.stop_timeout)
        raise
    return Run(folder, execution, child, watching)


def adopt(
    folder: records.WorkflowFolder, kept: records.Kept, identity: processes.Identity, watching: Watching
) -> Run:
    """Watch the run ``kept`` that an earlier runtime started, as process ``identity`` (alive)."""
    return Run(folder, kept.execution, processes.Adopted(identity), watching)


def new_id(started: datetime) -> str:
    """An execution ID: the start time (so IDs sort by it) and a random suffix."""
    return f"{started:%Y%m%dT%H%M%S%fZ}-{os.urandom(2).hex()}"


def failed(trigger: str, reason: str) -> runs.Execution:
    """An execution that could not start at all."""
    now = datetime.now(UTC)
    return runs.Execution(
        id=new_id(now),
        trigger=trigger,
        started=now,
        finished=now,
        status=runs.ExecutionStatus.FAILED,
        reason=reason,
    )


def conclude(folder: records.WorkflowFolder, execution: runs.Execution) -> runs.Execution:
    """A recorded run whose process has ended while no runtime watched it (or was stopped since), as it
    ended: its exit code from its status file, when the run lived to write it, and its last lines."""
    output = Output(folder, execution.id)
    output.read(final=True)
    returncode = _recorded_exit_code(folder.exit_status(execution.id))
    if returncode is None:
        return dataclasses.replace(
            execution,
            status=runs.ExecutionStatus.STOPPED,
            finished=datetime.now(UTC),
            output=tuple(output.lines),
            reason="Stopped: it was still running when the server that started it stopped.",
        )
    return _ended(execution, returncode, tuple(output.lines), timed_out=False, stopped=False, timeout=0)


def _ended(
    execution: runs.Execution,
    returncode: int | None,
    output: tuple[runs.OutputLine, ...],
    timed_out: bool,
    stopped: bool,
    timeout: float,
) -> runs.Execution:
    reason: str | None = None
    if timed_out:
        status = runs.ExecutionStatus.TIMED_OUT
        reason = f"Timed out: killed after running {timeout:g} s (VAMP_WORKFLOW_EXECUTION_TIMEOUT)."
    elif stopped:
        status = runs.ExecutionStatus.STOPPED
        reason = "Stopped: the workflow was suspended, restarted or stopped."
    elif returncode == 0:
        status = runs.ExecutionStatus.SUCCEEDED
    else:
        status = runs.ExecutionStatus.FAILED
        reason = _exit_reason(returncode)
    return dataclasses.replace(
        execution,
        status=status,
        finished=datetime.now(UTC),
        exit_code=returncode,
        output=output,
        reason=reason,
    )


def _exit_reason(returncode: int | None) -> str:
    if returncode is None:
        return "Its exit code is unknown: it ended while no server watched it."
    if returncode < 0 and -returncode in signal.valid_signals():
        return f"Killed by {signal.Signals(-returncode).name}."
    if returncode == 127:
        return "Exited with code 127: the command was not found."
    if returncode > 128 and returncode - 128 in signal.valid_signals():
        return f"Exited with code {returncode}: killed by {signal.Signals(returncode - 128).name}."
    return f"Exited with code {returncode}."


def _recorded_exit_code(path: Path) -> int | None:
    """The exit code the recording shell wrote; ``None`` when it wrote none (it was killed)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _seconds_since(moment: datetime) -> float:
    return (datetime.now(UTC) - moment).total_seconds()
