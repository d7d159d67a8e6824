"""What the local driver keeps under its home so that a later run can find its work: services and processes.

``<home>/services/<id>.json`` holds the spec the driver was last asked to run for one service (written
before its processes start, removed when it is undeployed); ``<home>/processes/<pid>.json`` holds one
running process: its identity (PID and start time), the service it belongs to, its instance number, its
ports and the spec it was started with. Every file is written whole to a temporary name and renamed, so a
crash leaves either the old record or the new one, never half of one.

After a crash the next run reads them back (``Records.load``) to adopt what still runs; this module only
reads and writes the files, and raises ``errors.DriverError`` naming the file when that fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.local import processes
from vamp.core import model, runtime


@dataclass(frozen=True, slots=True)
class ProcessRecord:
    """One running process of one instance: instance ``index`` of ``spec.key``, with ``ports`` by name."""

    identity: processes.Identity
    index: int
    ports: dict[str, int]
    spec: runtime.ServiceSpec


@dataclass(frozen=True, slots=True)
class Found:
    """Everything the records of a home describe."""

    services: tuple[runtime.ServiceSpec, ...]
    processes: tuple[ProcessRecord, ...]


class Records:
    """The records under ``home``."""

    def __init__(self, home: Path) -> None:
        self._services = home / "services"
        self._processes = home / "processes"

    def save_service(self, spec: runtime.ServiceSpec) -> None:
        self._write(self._service_path(spec.key), {"spec": spec_data(spec)})

    def remove_service(self, key: runtime.ServiceKey) -> None:
        self._remove(self._service_path(key))

    def save_process(self, record: ProcessRecord) -> None:
        data = {
            "pid": record.identity.pid,
            "start_time": record.identity.start_time,
            "index": record.index,
            "ports": record.ports,
            "spec": spec_data(record.spec),
        }
        self._write(self._process_path(record.identity.pid), data)

    def remove_process(self, identity: processes.Identity) -> None:
        self._remove(self._process_path(identity.pid))

    def load(self) -> Found:
        """Every record, as written by this run or an earlier one."""
        services = tuple(_spec(self._read(path)["spec"], path) for path in _json_files(self._services))
        found = tuple(_process(self._read(path), path) for path in _json_files(self._processes))
        return Found(services, found)

    def _service_path(self, key: runtime.ServiceKey) -> Path:
        return self._services / f"{hashlib.sha256(str(key).encode()).hexdigest()[:24]}.json"

    def _process_path(self, pid: int) -> Path:
        return self._processes / f"{pid}.json"

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, indent=1))
            temporary.chmod(0o600)  # a spec's environment may hold secrets
            temporary.replace(path)
        except OSError as exc:
            raise errors.DriverError(f"Cannot write the local driver's record {path}: {exc}") from exc

    def _remove(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise errors.DriverError(f"Cannot remove the local driver's record {path}: {exc}") from exc

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            return private_files.read_object(path)
        except (OSError, ValueError) as exc:
            raise _unreadable(path, exc) from exc


def spec_data(spec: runtime.ServiceSpec) -> dict[str, Any]:
    """``spec`` as plain JSON data; ``spec_from_data`` reads it back to an equal spec (same digest)."""
    return {
        "key": {
            "namespace": spec.key.namespace,
            "deployment": spec.key.deployment,
            "cluster": spec.key.cluster,
            "service": spec.key.service,
        },
        "deployable": spec.deployable.model_dump(mode="json"),
        "ports": [port.model_dump(mode="json") for port in spec.ports],
        "environment": spec.environment,
        "scale": spec.scale.model_dump(mode="json"),
        "health_checks": [check.model_dump(mode="json") for check in spec.health_checks],
        "arguments": [argument.model_dump(mode="json") for argument in spec.arguments],
        "labels": spec.labels,
        "dialects": spec.dialects,
    }


def spec_from_data(data: dict[str, Any]) -> runtime.ServiceSpec:
    """The spec ``spec_data`` wrote; raises ``KeyError``, ``TypeError`` or ``ValueError`` for other data."""
    return runtime.ServiceSpec(
        key=runtime.ServiceKey(**data["key"]),
        deployable=model.Deployable.model_validate(data["deployable"]),
        ports=tuple(model.Port.model_validate(port) for port in data["ports"]),
        environment=dict(data["environment"]),
        scale=model.Scale.model_validate(data["scale"]),
        health_checks=tuple(model.HealthCheck.model_validate(check) for check in data["health_checks"]),
        arguments=tuple(model.Argument.model_validate(argument) for argument in data["arguments"]),
        labels=dict(data["labels"]),
        dialects=dict(data["dialects"]),
    )


def _spec(data: Any, path: Path) -> runtime.ServiceSpec:
    try:
        return spec_from_data(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(path, exc) from exc


def _process(data: dict[str, Any], path: Path) -> ProcessRecord:
    try:
        return ProcessRecord(
            identity=processes.Identity(int(data["pid"]), int(data["start_time"])),
            index=int(data["index"]),
            ports={str(name): int(number) for name, number in data["ports"].items()},
            spec=spec_from_data(data["spec"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(path, exc) from exc


def _json_files(folder: Path) -> list[Path]:
    try:
        return sorted(path for path in folder.glob("*.json") if not path.name.startswith("."))
    except OSError as exc:
        raise errors.DriverError(f"Cannot list the local driver's records in {folder}: {exc}") from exc


def _unreadable(path: Path, reason: object) -> errors.DriverError:
    return errors.DriverError(
        f"Cannot read the local driver's record {path}: {reason}. It was not written by this version of "
        "Vamp, or was edited: stop the process it names, if any, and remove the file."
    )
