"""One scheduled workflow on this machine: the loop that starts its runs on its schedule, and its runs.

* ``daemon`` with period 0: one run, started again whenever it exits, after ``cadence.restart_delay``
  (1 s, doubling with every run shorter than ``cadence.STABLE_SECONDS``, up to the runtime's limit);
* ``daemon`` with period P > 0: a run every P s, a tick skipped while the previous run still goes;
* ``time``: a run at every tick of ``cadence.next_tick`` (skipped while the previous one still goes),
  counting on from the newest kept execution; when the repeats are done it stays scheduled, idle;
* ``event``: no loop; ``execute`` starts one run per event, and runs of one workflow may overlap.

A run sees the spec's environment over the server's ``PATH`` and ``HOME``, plus ``VAMP_API_TOKEN``,
``VAMP_WORKFLOW_DATA`` (the event for an event run, else empty), ``VAMP_HOST`` and ``NODE_PATH`` (the
folder where ``require('vamp-node-client')`` resolves). A workflow whose runs cannot start at all — no
``node``, a command not found (exit code 127 within ``NOT_FOUND_SECONDS``) — reports why as its failure,
until a run ends otherwise. After each run the executions beyond the kept ones are removed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import math
import os
import shlex
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vamp import errors
from vamp.adapters import tasks
from vamp.adapters.local import processes
from vamp.adapters.workflows import execution, records
from vamp.core.workflows import cadence, runs

NOT_FOUND_SECONDS = 1.0
"""A run that exits with code 127 (command not found) sooner than this means the workflow cannot run."""
INSTALL_NODE = "install Node.js (`make node` in Vamp's source, or `apt-get install nodejs`)"


@dataclass(frozen=True, slots=True)
class Settings:
    """What every workflow of one runtime shares."""

    host: str
    node_modules: Path | None
    stop_timeout: float
    max_restart_delay: float


class Workflow:
    """``spec`` scheduled, its runs calling the API with ``token``, recorded in ``folder``."""

    def __init__(
        self, spec: runs.WorkflowSpec, token: str, folder: records.WorkflowFolder, settings: Settings
    ) -> None:
        self.spec = spec
        self.token = token
        self.folder = folder
        self.failure: str | None = None
        self.runs: dict[str, execution.Run] = {}
        self._settings = settings
        self._loop: asyncio.Task[None] | None = None

    @property
    def key(self) -> runs.WorkflowKey:
        return self.spec.key

    def state(self) -> runs.WorkflowState:
        return runs.WorkflowState(self.key, self.spec.digest, running=len(self.runs), failure=self.failure)

    def start(self, adopted: Sequence[records.Kept]) -> None:
        """Watch the runs an earlier runtime left running (``adopted``), then follow the schedule."""
        for kept in adopted:
            if kept.process is not None:
                self._track(execution.adopt(self.folder, kept, kept.process, self._watching()))
        loop = {
            runs.ScheduleKind.DAEMON: self._periodic if self.spec.period > 0 else self._daemon,
            runs.ScheduleKind.TIME: self._timed,
            runs.ScheduleKind.EVENT: None,
        }[self.spec.schedule]
        if loop is not None:
            self._loop = asyncio.create_task(loop(), name=f"workflow {self.key}")

    async def execute(self, data: str) -> None:
        """Start one run now with ``data`` in ``VAMP_WORKFLOW_DATA``; a run that cannot start is recorded."""
        await self._begin(_event_trigger(data), data)

    async def stop(self) -> None:
        """Stop the schedule and every run (their executions end ``stopped``)."""
        if self._loop is not None:
            await tasks.cancel(self._loop)
        outcomes = await asyncio.gather(
            *(run.stop() for run in list(self.runs.values())), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    def executions(self) -> list[runs.Execution]:
        """The kept executions, newest first, those running with their output so far."""
        return merged(self.folder, self.runs.values())

    async def _daemon(self) -> None:
        short_runs = 0
        while True:
            run = next((run for run in self.runs.values() if run.execution.trigger == "daemon"), None)
            if run is None:
                run = await self._begin("daemon", "")
            lasted = 0.0
            if run is not None:
                await run.ended.wait()
                finished = run.execution.finished or datetime.now(UTC)
                lasted = (finished - run.execution.started).total_seconds()
            short_runs = 0 if lasted >= cadence.STABLE_SECONDS else short_runs + 1
            await asyncio.sleep(cadence.restart_delay(short_runs, self._settings.max_restart_delay))

    async def _periodic(self) -> None:
        clock = asyncio.get_running_loop().time
        period = self.spec.period
        tick = clock()
        while True:
            if not any(run.execution.trigger == "daemon" for run in self.runs.values()):
                await self._begin("daemon", "")
            tick += period
            if tick < clock():  # ticks missed while a run started: the next one on the same grid
                tick += math.ceil((clock() - tick) / period) * period
            await asyncio.sleep(tick - clock())

    async def _timed(self) -> None:
        timing = self.spec.timing
        if timing is None:
            return
        last = _last_tick(timing, self.executions())
        while True:
            tick = cadence.next_tick(timing, last, datetime.now(UTC))
            if tick is None:
                return
            wait = (tick.due - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            last = tick.index
            if not any(run.execution.trigger == "time" for run in self.runs.values()):
                await self._begin("time", "")

    async def _begin(self, trigger: str, data: str) -> execution.Run | None:
        """Start a run; ``None`` when it cannot start (recorded as a failed execution, and the failure)."""
        try:
            inner = self._inner_command()
            starting = asyncio.ensure_future(
                execution.start(
                    self.folder,
                    inner=inner,
                    trigger=trigger,
                    environment=self._environment(data),
                    watching=self._watching(),
                )
            )
            try:
                run = await asyncio.shield(starting)
            except asyncio.CancelledError:  # stopped while it started: tracked, so that ``stop`` ends it
                with contextlib.suppress(errors.DriverError):
                    self._track(await starting)
                raise
        except errors.DriverError as exc:
            self.failure = str(exc)
            with contextlib.suppress(errors.DriverError):
                self.folder.save_execution(records.Kept(execution.failed(trigger, str(exc))))
                self._prune()
            return None
        self._track(run)
        return run

    def _track(self, run: execution.Run) -> None:
        if not run.ended.is_set():  # a run may end before the one who started it hears of its start
            self.runs[run.id] = run

    def _ended(self, run: execution.Run) -> None:
        self.runs.pop(run.id, None)
        ended = run.execution
        lasted = ((ended.finished or ended.started) - ended.started).total_seconds()
        if ended.exit_code == 127 and lasted < NOT_FOUND_SECONDS:
            errors_written = [line.text for line in ended.output if line.stream == "stderr"]
            last = errors_written[-1] if errors_written else ""
            self.failure = f"Workflow '{self.key}' cannot run: its command was not found (exit code 127)" + (
                f": {last}" if last else "."
            )
        else:
            self.failure = None
        with contextlib.suppress(errors.DriverError):  # pruned after the next run instead
            self._prune()

    def _prune(self) -> None:
        recorded = [kept.execution for kept in self.folder.load_executions()]
        keep = records.kept_ids(recorded)
        for gone in recorded:
            if gone.id not in keep:
                self.folder.remove_execution(gone.id)

    def _watching(self) -> execution.Watching:
        return execution.Watching(self.spec.timeout, self._settings.stop_timeout, self._ended)

    def _inner_command(self) -> str:
        definition = self.spec.deployable.definition
        if self.spec.deployable.type != runs.JAVASCRIPT:
            return f"/bin/sh -c {shlex.quote(definition)}"
        node = shutil.which("node", path=processes.search_path())
        if node is None:
            raise errors.DriverError(
                f"Workflow '{self.key}' runs an {runs.JAVASCRIPT} script and there is no `node` on the "
                f"server's PATH: {INSTALL_NODE}."
            )
        if not self.folder.script.exists():
            self.folder.save_script(definition)
        return f"{shlex.quote(node)} workflow.js"

    def _environment(self, data: str) -> dict[str, str]:
        environment = {"PATH": processes.search_path()}
        if "HOME" in os.environ:
            environment["HOME"] = os.environ["HOME"]
        environment.update(self.spec.environment)
        environment["VAMP_API_TOKEN"] = self.token
        environment["VAMP_WORKFLOW_DATA"] = data
        environment["VAMP_HOST"] = self._settings.host
        if self._settings.node_modules is not None:
            paths = [str(self._settings.node_modules), environment.get("NODE_PATH", "")]
            environment["NODE_PATH"] = os.pathsep.join(path for path in paths if path)
        return environment


def merged(folder: records.WorkflowFolder, running: Iterable[execution.Run]) -> list[runs.Execution]:
    """The recorded executions of ``folder``, newest first, with the live state of those in ``running``."""
    live = {run.id: run.snapshot() for run in running}
    found = [live.pop(kept.execution.id, kept.execution) for kept in folder.load_executions()]
    found.extend(live.values())
    return sorted(found, key=lambda item: (item.started, item.id), reverse=True)


def _last_tick(timing: runs.Timing, executions: Sequence[runs.Execution]) -> int | None:
    """The tick of the newest time run kept that belongs to this timing (started at or after its start)."""
    start = timing.start if timing.start.tzinfo is not None else timing.start.replace(tzinfo=UTC)
    for kept in executions:
        if kept.trigger == "time" and kept.started >= start:
            if timing.period <= 0:
                return 0
            return math.floor((kept.started - start).total_seconds() / timing.period)
    return None


def _event_trigger(data: str) -> str:
    """``event:<id>`` when ``data`` is base64 JSON of an event with an ID, else ``event``."""
    try:
        event = json.loads(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return "event"
    identifier = event.get("id") if isinstance(event, dict) else None
    return f"event:{identifier}" if identifier not in (None, "") else "event"
