"""What the local workflow runtime keeps under its home: scheduled workflows and their executions.

Every workflow has a folder ``<home>/<namespace>/<name>/`` (0700):

* ``workflow.json``: the spec it is scheduled with and the token its runs use; written when it is
  scheduled, removed when it is unscheduled (or the runtime closes);
* ``workflow.js``: the script of an ``application/javascript`` breed, run with ``node workflow.js``;
* ``executions/<id>.json``: one execution; while it runs it also names its process (PID and start time),
  and ``<id>.stdout``, ``<id>.stderr`` and ``<id>.status`` hold what the process writes: its output and,
  when it exits, its exit code. Once it has ended, its last lines go into the JSON and those files go.

Every file is private (0600) and written whole to a temporary name, then renamed, so a crash leaves the
old file or the new one. After a crash the next runtime reads the records back to adopt what still runs.
This module only reads and writes files; it raises ``errors.DriverError`` naming the file when that fails.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.local import processes
from vamp.core import model
from vamp.core.workflows import runs

OUTPUT_STREAMS = ("stdout", "stderr")


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One scheduled workflow as recorded: its spec and its runs' token."""

    spec: runs.WorkflowSpec
    token: str


@dataclass(frozen=True, slots=True)
class Kept:
    """One execution as recorded, with the process that runs it while it runs."""

    execution: runs.Execution
    process: processes.Identity | None = None


class WorkflowFolder:
    """The records of one workflow, in ``<home>/<namespace>/<name>/``."""

    def __init__(self, home: Path, key: runs.WorkflowKey) -> None:
        self.key = key
        self.path = home / _segment(key.namespace) / _segment(key.name)
        self.executions = self.path / "executions"

    @property
    def script(self) -> Path:
        return self.path / "workflow.js"

    def output(self, execution_id: str, stream: str) -> Path:
        return self.executions / f"{execution_id}.{stream}"

    def exit_status(self, execution_id: str) -> Path:
        return self.executions / f"{execution_id}.status"

    def prepare(self) -> None:
        """Make the workflow's folders (0700)."""
        try:
            private_files.folder(self.executions)
        except OSError as exc:
            raise errors.DriverError(
                f"Cannot make the folder {self.executions} of workflow '{self.key}': {exc}"
            ) from exc

    def save_scheduled(self, scheduled: Scheduled) -> None:
        data = {"spec": spec_data(scheduled.spec), "token": scheduled.token}
        self._write(self.path / "workflow.json", data)

    def load_scheduled(self) -> Scheduled | None:
        """The recorded schedule; ``None`` when the workflow is not scheduled."""
        path = self.path / "workflow.json"
        if not path.exists():
            return None
        data = _read(path)
        try:
            return Scheduled(spec_from_data(data["spec"]), str(data["token"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _unreadable(path, exc) from exc

    def remove_scheduled(self) -> None:
        _remove(self.path / "workflow.json")
        _remove(self.script)

    def save_script(self, script: str) -> None:
        self.prepare()
        self._write_bytes(self.script, script.encode())

    def save_execution(self, kept: Kept) -> None:
        data = execution_data(kept.execution)
        if kept.process is not None:
            data["process"] = {"pid": kept.process.pid, "start_time": kept.process.start_time}
        self._write(self.executions / f"{kept.execution.id}.json", data)

    def load_executions(self) -> list[Kept]:
        """Every recorded execution, newest first."""
        kept = []
        for path in self._execution_files():
            data = _read(path)
            try:
                process = data.get("process")
                identity = (
                    None
                    if process is None
                    else processes.Identity(int(process["pid"]), int(process["start_time"]))
                )
                kept.append(Kept(execution_from_data(data), identity))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise _unreadable(path, exc) from exc
        return sorted(kept, key=lambda item: (item.execution.started, item.execution.id), reverse=True)

    def remove_execution(self, execution_id: str) -> None:
        _remove(self.executions / f"{execution_id}.json")
        self.remove_output(execution_id)

    def remove_output(self, execution_id: str) -> None:
        for stream in OUTPUT_STREAMS:
            _remove(self.output(execution_id, stream))
        _remove(self.exit_status(execution_id))

    def remove(self) -> None:
        """Remove every record of the workflow, executions included."""
        try:
            shutil.rmtree(self.path, ignore_errors=False)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise errors.DriverError(
                f"Cannot remove the records of workflow '{self.key}' in {self.path}: {exc}"
            ) from exc

    def _execution_files(self) -> Iterator[Path]:
        try:
            return iter(
                sorted(path for path in self.executions.glob("*.json") if not path.name.startswith("."))
            )
        except OSError as exc:
            raise errors.DriverError(f"Cannot list the executions of workflow '{self.key}': {exc}") from exc

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        self._write_bytes(path, json.dumps(data, indent=1).encode())

    def _write_bytes(self, path: Path, content: bytes) -> None:
        try:
            private_files.folder(path.parent)
            private_files.write_atomically(path, content, path.parent)
        except OSError as exc:
            raise errors.DriverError(
                f"Cannot write the record {path} of workflow '{self.key}': {exc}"
            ) from exc


def workflow_folders(home: Path) -> list[runs.WorkflowKey]:
    """The key of every workflow that has a folder under ``home``."""
    try:
        return sorted(
            (
                runs.WorkflowKey(namespace.name, name.name)
                for namespace in home.iterdir()
                if namespace.is_dir()
                for name in namespace.iterdir()
                if name.is_dir()
            ),
            key=str,
        )
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise errors.DriverError(f"Cannot list the workflow records in {home}: {exc}") from exc


def spec_data(spec: runs.WorkflowSpec) -> dict[str, Any]:
    """``spec`` as plain JSON data; ``spec_from_data`` reads it back to an equal spec (same digest)."""
    timing = spec.timing
    return {
        "key": {"namespace": spec.key.namespace, "name": spec.key.name},
        "schedule": spec.schedule.value,
        "deployable": spec.deployable.model_dump(mode="json"),
        "environment": spec.environment,
        "scale": spec.scale.model_dump(mode="json"),
        "period": spec.period,
        "timeout": spec.timeout,
        "timing": None
        if timing is None
        else {
            "start": timing.start.isoformat(),
            "period": timing.period,
            "period_text": timing.period_text,
            "repeat": timing.repeat,
        },
        "tags": list(spec.tags),
        "arguments": [argument.model_dump(mode="json") for argument in spec.arguments],
        "labels": spec.labels,
        "dialects": spec.dialects,
    }


def spec_from_data(data: dict[str, Any]) -> runs.WorkflowSpec:
    """The spec ``spec_data`` wrote; raises ``KeyError``, ``TypeError`` or ``ValueError`` for other data."""
    timing = data["timing"]
    return runs.WorkflowSpec(
        key=runs.WorkflowKey(**data["key"]),
        schedule=runs.ScheduleKind(data["schedule"]),
        deployable=model.Deployable.model_validate(data["deployable"]),
        environment={str(name): str(value) for name, value in data["environment"].items()},
        scale=model.Scale.model_validate(data["scale"]),
        period=_number(data["period"]),
        timeout=_number(data["timeout"]),
        timing=None
        if timing is None
        else runs.Timing(
            start=datetime.fromisoformat(timing["start"]),
            period=_number(timing["period"]),
            period_text=str(timing["period_text"]),
            repeat=None if timing["repeat"] is None else int(timing["repeat"]),
        ),
        tags=tuple(str(tag) for tag in data["tags"]),
        arguments=tuple(model.Argument.model_validate(argument) for argument in data["arguments"]),
        labels=dict(data["labels"]),
        dialects=dict(data["dialects"]),
    )


def execution_data(execution: runs.Execution) -> dict[str, Any]:
    return {
        "id": execution.id,
        "trigger": execution.trigger,
        "started": execution.started.isoformat(),
        "status": execution.status.value,
        "finished": None if execution.finished is None else execution.finished.isoformat(),
        "exit_code": execution.exit_code,
        "output": [[line.stream, line.text] for line in execution.output],
        "reason": execution.reason,
    }


def execution_from_data(data: dict[str, Any]) -> runs.Execution:
    finished = data["finished"]
    exit_code = data["exit_code"]
    return runs.Execution(
        id=str(data["id"]),
        trigger=str(data["trigger"]),
        started=datetime.fromisoformat(data["started"]),
        status=runs.ExecutionStatus(data["status"]),
        finished=None if finished is None else datetime.fromisoformat(finished),
        exit_code=None if exit_code is None else int(exit_code),
        output=tuple(runs.OutputLine(str(stream), str(text)) for stream, text in data["output"]),
        reason=None if data["reason"] is None else str(data["reason"]),
    )


def kept_ids(executions: list[runs.Execution]) -> set[str]:
    """Which of ``executions`` (newest first) are kept: the last ``runs.KEPT_EXECUTIONS``, the last as many
    failed ones, and every one still running."""
    failed = [execution for execution in executions if execution.status.failed]
    running = [execution for execution in executions if execution.status is runs.ExecutionStatus.RUNNING]
    kept = executions[: runs.KEPT_EXECUTIONS] + failed[: runs.KEPT_EXECUTIONS] + running
    return {execution.id for execution in kept}


def _number(value: object) -> float:
    """A number as it was written: an ``int`` stays one, so that the spec's digest does not change."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    return value


def _read(path: Path) -> dict[str, Any]:
    try:
        return private_files.read_object(path)
    except (OSError, ValueError) as exc:
        raise _unreadable(path, exc) from exc


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise errors.DriverError(f"Cannot remove the workflow record {path}: {exc}") from exc


def _segment(name: str) -> str:
    """``name`` as one folder name: never ``.`` or ``..`` (names hold no ``/``)."""
    return name.replace(".", "_") if set(name) == {"."} else name


def _unreadable(path: Path, reason: object) -> errors.DriverError:
    return errors.DriverError(
        f"Cannot read the workflow record {path}: {reason}. It was not written by this version of Vamp, or "
        "was edited: stop the process it names, if any, and remove the file."
    )
