"""The local workflow runtime (``ports.workflows.WorkflowRuntime``): workflows as processes on this machine.

``LocalWorkflows`` runs the workflows whose breed is a command (``/bin/sh -c DEFINITION``) or a Node.js
script (``application/javascript``: ``node workflow.js``), on their schedules (``workflow``), and keeps
their executions under its home (``records``). An image (``container/docker``) is refused: images run on
the Kubernetes driver. A runtime told not to run commands (``allow_commands=False``: a server without
``--allow-command-deployables``) refuses every workflow, since a command or a script is arbitrary code.

Restart safety: every scheduled workflow and every run it started is recorded. The first time a runtime is
used it reads what an earlier one on the same home left (a server killed with SIGKILL): it schedules those
workflows again and adopts their runs still going (same PID, same start time) instead of starting them
again, so a daemon is neither lost nor duplicated; the controller scheduling them again with the same
digest changes nothing. Runs that ended meanwhile are recorded as they ended. ``close`` stops every run and
removes the records of what was scheduled, keeping the executions: after a clean exit nothing runs, and
the controller schedules the workflows again at the next start.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from vamp import errors
from vamp.adapters.local import processes
from vamp.adapters.workflows import execution, records, workflow
from vamp.core.deployments import commands
from vamp.core.workflows import runs


class LocalWorkflows:
    """Workflows as processes, recorded under ``home`` (the server home's ``workflows/`` folder).

    Args:
        home: where every workflow keeps its records, script and executions.
        node_modules: the folder put in ``NODE_PATH`` of every run, where ``vamp-node-client`` resolves.
        allow_commands: whether it may run commands and scripts at all.
        host: the address runs are told (``VAMP_HOST``) to listen on.
        stop_timeout: seconds between SIGTERM and SIGKILL when a run is stopped.
        max_restart_delay: the longest wait before a daemon that exited is started again.
    """

    name = "local"

    def __init__(
        self,
        home: Path,
        *,
        node_modules: Path | None,
        allow_commands: bool,
        host: str = "127.0.0.1",
        stop_timeout: float = 5.0,
        max_restart_delay: float = 10.0,
    ) -> None:
        self._home = home
        self._allow_commands = allow_commands
        self._settings = workflow.Settings(host, node_modules, stop_timeout, max_restart_delay)
        self._workflows: dict[runs.WorkflowKey, workflow.Workflow] = {}
        self._refused: dict[runs.WorkflowKey, runs.WorkflowState] = {}
        """Workflows whose latest spec cannot run here, reported with that spec's digest and why."""
        self._locks: collections.defaultdict[runs.WorkflowKey, asyncio.Lock] = collections.defaultdict(
            asyncio.Lock
        )
        self._opening = asyncio.Lock()
        self._opened = False
        self._closed = False

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        await self._open()
        states = {key: scheduled.state() for key, scheduled in self._workflows.items()}
        for key, refused in self._refused.items():  # an earlier spec may still run: its runs are counted
            running = states.get(key)
            states[key] = (
                refused
                if running is None
                else dataclasses.replace(running, digest=refused.digest, failure=refused.failure)
            )
        return [states[key] for key in sorted(states, key=str) if key.namespace == namespace]

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        """Run ``spec`` on its schedule; the same digest again only takes the (new) token.

        Raises:
            errors.DriverError: the workflow may not or cannot run here, or its records cannot be written.
        """
        await self._open()
        refusal = refusal_of(spec, allow_commands=self._allow_commands)
        if refusal is not None:
            self._refused[spec.key] = runs.WorkflowState(spec.key, spec.digest, failure=refusal)
            raise errors.DriverError(refusal)
        self._refused.pop(spec.key, None)
        async with self._locks[spec.key]:
            current = self._workflows.get(spec.key)
            folder = records.WorkflowFolder(self._home, spec.key)
            if current is not None and current.spec.digest == spec.digest:
                if current.token != token:
                    current.token = token
                    folder.save_scheduled(records.Scheduled(spec, token))
                return
            if current is not None:
                await self._stop(current)
            folder.prepare()
            if spec.deployable.type == runs.JAVASCRIPT:
                folder.save_script(spec.deployable.definition)
            folder.save_scheduled(records.Scheduled(spec, token))
            scheduled = workflow.Workflow(spec, token, folder, self._settings)
            self._workflows[spec.key] = scheduled
            scheduled.start(adopted=())

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        """Stop every run of the workflow and its schedule; its executions are kept."""
        await self._open()
        self._refused.pop(key, None)
        async with self._locks[key]:
            current = self._workflows.get(key)
            if current is not None:
                await self._stop(current)
            records.WorkflowFolder(self._home, key).remove_scheduled()

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        """Start one run of the workflow now, with ``data`` in ``VAMP_WORKFLOW_DATA``.

        Raises:
            errors.DriverError: the workflow is not scheduled here.
        """
        await self._open()
        async with self._locks[key]:
            current = self._workflows.get(key)
            if current is None:
                raise errors.DriverError(
                    f"Workflow '{key}' is not scheduled on the local runtime, so it cannot run: set its "
                    "status to running first."
                )
            await current.execute(data)

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        await self._open()
        current = self._workflows.get(key)
        running = current.runs.values() if current is not None else ()
        return workflow.merged(records.WorkflowFolder(self._home, key), running)

    async def forget(self, key: runs.WorkflowKey) -> None:
        """Stop the workflow if it is scheduled and remove everything kept of it, executions included."""
        await self.unschedule(key)
        async with self._locks[key]:
            records.WorkflowFolder(self._home, key).remove()

    async def close(self) -> None:
        """Stop every run; remove the records of what was scheduled, keeping the executions."""
        if self._closed:
            return
        self._closed = True
        scheduled = list(self._workflows.values())
        self._workflows.clear()
        outcomes = await asyncio.gather(*(current.stop() for current in scheduled), return_exceptions=True)
        for current in scheduled:
            with contextlib.suppress(errors.DriverError):
                current.folder.remove_scheduled()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def __aenter__(self) -> LocalWorkflows:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _stop(self, current: workflow.Workflow) -> None:
        try:
            await current.stop()
        finally:
            self._workflows.pop(current.key, None)

    async def _open(self) -> None:
        """The first call takes over what an earlier runtime on this home left."""
        if self._closed:
            raise errors.DriverError(
                f"The local workflow runtime of {self._home} is closed: create a new one."
            )
        async with self._opening:
            if not self._opened:
                for key in records.workflow_folders(self._home):
                    await self._adopt(records.WorkflowFolder(self._home, key))
                self._opened = True

    async def _adopt(self, folder: records.WorkflowFolder) -> None:
        """Schedule again what ``folder`` records as scheduled, adopting its runs still going; stop and
        record as ended the runs of what may not run any more."""
        scheduled = folder.load_scheduled()
        if (
            scheduled is not None
            and refusal_of(scheduled.spec, allow_commands=self._allow_commands) is not None
        ):
            folder.remove_scheduled()
            scheduled = None
        if scheduled is not None:  # the key as the spec spells it, not as the folder's name does
            folder = records.WorkflowFolder(self._home, scheduled.spec.key)
        alive = []
        for kept in folder.load_executions():
            if kept.execution.status is not runs.ExecutionStatus.RUNNING:
                continue
            if kept.process is not None and kept.process.alive():
                if scheduled is not None:
                    alive.append(kept)
                    continue
                await self._stop_left(folder, kept.process)
            folder.save_execution(records.Kept(execution.conclude(folder, kept.execution)))
            folder.remove_output(kept.execution.id)
        if scheduled is not None:
            current = workflow.Workflow(scheduled.spec, scheduled.token, folder, self._settings)
            self._workflows[scheduled.spec.key] = current
            current.start(adopted=alive)

    async def _stop_left(self, folder: records.WorkflowFolder, identity: processes.Identity) -> None:
        try:
            await processes.stop(processes.Adopted(identity), self._settings.stop_timeout)
        except (OSError, TimeoutError) as exc:
            raise errors.DriverError(
                f"Cannot stop process {identity.pid} of workflow '{folder.key}', left by an earlier run of "
                f"the local workflow runtime: {exc or 'it did not exit after SIGKILL'}."
            ) from exc


def refusal_of(spec: runs.WorkflowSpec, *, allow_commands: bool) -> str | None:
    """Why the local runtime does not run ``spec``, saying what would work; ``None`` when it does."""
    deployable = spec.deployable
    runnable = deployable.is_command or deployable.type == runs.JAVASCRIPT
    if deployable.type == "container/docker":
        return (
            f"Workflow '{spec.key}' has a container/docker deployable ({deployable.definition}): images run "
            "on the kubernetes driver. The local runtime runs {type: command} and application/javascript "
            "breeds."
        )
    if not runnable:
        return (
            f"Workflow '{spec.key}' has a deployable of type '{deployable.type}', which the local runtime "
            "does not run: give its breed a {type: command} or an application/javascript deployable."
        )
    if not allow_commands:
        return (
            f"Workflow '{spec.key}' runs a {deployable.type} deployable: a command or script run on the "
            "server's machine, which is arbitrary code, and this server does not run them. Start it with "
            f"{commands.ALLOW_FLAG} (vamp up allows them)."
        )
    if not deployable.definition.strip():
        return f"Workflow '{spec.key}' has an empty deployable: give its breed the command or script to run."
    if spec.schedule is runs.ScheduleKind.TIME and spec.timing is None:
        return f"Workflow '{spec.key}' has a time schedule without its timing: give its period and start."
    return None
