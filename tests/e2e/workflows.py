"""Workflows on a running Vamp, for end-to-end tests (issue 14): the documents, the status a user sets and
reads, the lifecycle events, and the processes the workflows' own scripts say they are.

``document`` writes a workflow as a user stores it (its breed inline, a command or a script);
``create`` stores it with ``vamp create -f -``; ``status`` reads the stored workflow's ``status`` (``None``
once it is deleted), ``set_status`` asks for one with ``PUT /api/v1/workflows/NAME/status`` and
``wait_status`` waits for one with a deadline. ``lifecycle`` is the workflow's ``scheduled`` and
``unscheduled`` events, oldest first, from ``GET /api/v1/events?tag=workflows:NAME``.

The scripts the tests run write one file per process they are into a folder of the test's (``Records``),
named by their PID, with what they saw (their environment, the event they ran for), so a test finds a
workflow's processes without knowing how the runtime keeps them; ``Records.stop`` ends, by PID, those
still alive at the end, and says which they were.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e import vamp_process
from tests.e2e.vamp_process import alive, eventually

STATUS_SECONDS = 90.0
"""How long a workflow may take to reach a status the controller writes (its loop, and a process start, on
two busy cores)."""


def document(
    name: str,
    definition: str,
    *,
    schedule: object = "daemon",
    deployable: str = "command",
    environment: Mapping[str, str] | None = None,
) -> str:
    """A workflow ``name`` whose inline breed (``name:1.0.0``) runs ``definition``, as a document (JSON,
    which is YAML). ``schedule`` is as the DSL has it (``"daemon"``, ``{"event": [tags]}``,
    ``{"time": {"period": "PT2S", "repeat": 3}}``); ``environment`` the workflow's own variables."""
    written = {
        "name": name,
        "kind": "workflows",
        "breed": {"name": f"{name}:1.0.0", "deployable": {"type": deployable, "definition": definition}},
        "schedule": schedule,
        "environment_variables": dict(environment or {}),
    }
    return json.dumps(written, indent=1) + "\n"


def create(vamp: vamp_process.Vamp, written: str, namespace: str | None = None) -> None:
    place = () if namespace is None else ("--namespace", namespace)
    vamp.cli("create", "-f", "-", *place, stdin=written)


def client(vamp: vamp_process.Vamp, namespace: str | None = None) -> httpx.Client:
    """A client of the API of ``namespace`` (the server's default one when ``None``), with the admin token."""
    base = f"{vamp.url}/api/v1" if namespace is None else f"{vamp.url}/{namespace}/api/v1"
    return httpx.Client(base_url=base, headers=vamp.headers, timeout=10.0, trust_env=False)


def status(vamp: vamp_process.Vamp, name: str, namespace: str | None = None) -> str | None:
    """The stored workflow's status; ``None`` once it is gone (404)."""
    with client(vamp, namespace) as api:
        response = api.get(f"workflows/{name}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    found: str = response.json()["status"]
    return found


def set_status(vamp: vamp_process.Vamp, name: str, word: str) -> None:
    with client(vamp) as api:
        response = api.put(f"workflows/{name}/status", content=word, headers={"content-type": "text/plain"})
    assert response.status_code < 300, f"PUT status {word}: {response.status_code} {response.text}"


def wait_status(
    vamp: vamp_process.Vamp,
    name: str,
    *wanted: str | None,
    timeout: float = STATUS_SECONDS,
    namespace: str | None = None,
) -> str | None:
    """The workflow's status once it is one of ``wanted`` (``None``: deleted)."""
    seen: list[str | None] = []

    def reached() -> bool:
        seen.append(status(vamp, name, namespace))
        return seen[-1] in wanted

    try:
        eventually(reached, timeout=timeout, what=f"workflow {name} is {wanted}", every=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it was {seen[-1]!r}\n{vamp.text()[-3000:]}") from None
    return seen[-1]


def lifecycle(vamp: vamp_process.Vamp, name: str) -> list[str]:
    """``scheduled`` and ``unscheduled``, in the order the workflow's events say them."""
    with client(vamp) as api:
        response = api.get("events", params={"tag": f"workflows:{name}", "type": "workflow", "per_page": 100})
    response.raise_for_status()
    return [
        word
        for event in reversed(response.json())  # newest first
        for word in ("scheduled", "unscheduled")
        if word in event["tags"]
    ]


def executions(vamp: vamp_process.Vamp, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = vamp.api(f"workflows/{name}/executions")
    return found


@dataclass
class Records:
    """The folder the scripts of a test write to: one ``PID.json`` per process they were."""

    folder: Path

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def written(self) -> dict[int, Any]:
        """What every process wrote so far, by PID."""
        found: dict[int, Any] = {}
        for path in self.folder.glob("*.json"):
            text = path.read_text()
            if text.endswith("\n"):  # written whole: the scripts end their record with a new line
                found[int(path.stem)] = json.loads(text)
        return found

    def pids(self) -> set[int]:
        return set(self.written())

    def alive(self) -> set[int]:
        return {pid for pid in self.pids() if alive(pid)}

    def stop(self) -> set[int]:
        """End, by PID, every recorded process still alive; the ones that were."""
        left = self.alive()
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return left
