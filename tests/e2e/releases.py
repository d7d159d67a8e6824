"""Automated releases on a running Vamp, for end-to-end tests (issue 11): a baseline and a candidate of the
demo service behind one gateway, a release policy started through the CLI, and what the release did.

``deploy_pair`` deploys ``NAME:1.0`` (the baseline, version ``1.0``) with an external gateway on a free
port and merges ``NAME:1.1`` (the candidate, version ``1.1``) at 0 %; each may be told how badly to behave
with the demo's own flags (``--failure-rate 0.03``, ``--latency 30``). ``start_release`` stores a policy
with ``vamp release start -f``; ``status`` reads ``GET /api/v1/releases/NAME``'s ``status``;
``wait_phase`` waits for one of some phases with a deadline and shows the whole status when it does not
come. ``weights`` gives a gateway's (or a status's) weight per service, whatever the keys are spelled as
(the service name or a route path that ends with it). ``EventStream`` reads ``/api/v1/events/stream``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.event_stream import Events
from tests.e2e.vamp_process import demo_blueprint, eventually

BASELINE_VERSION = "1.0"
CANDIDATE_VERSION = "1.1"


@dataclass(frozen=True, slots=True)
class Pair:
    """A deployment ``name`` whose gateway on ``port`` routes to ``baseline`` and ``candidate``."""

    name: str
    port: int

    @property
    def gateway(self) -> str:
        return f"{self.name}/{self.name}/webport"

    @property
    def baseline(self) -> str:
        return f"{self.name}:1.0.0"

    @property
    def candidate(self) -> str:
        return f"{self.name}:1.1.0"


def _blueprint(name: str, breed: str, version: str, flags: str, port: int | None) -> str:
    written = demo_blueprint(name, breed, version, gateway=port, cluster=name.split(":")[0])
    return written.replace(f"--version {version}", f"--version {version} {flags}".rstrip())


def deploy_pair(
    vamp: vamp_process.Vamp, directory: Path, name: str, *, baseline: str = "", candidate: str = ""
) -> Pair:
    """Deploy ``name`` (baseline 1.0 with demo flags ``baseline``) on a free gateway port, merge the
    candidate 1.1 (flags ``candidate``) at 0 %, and wait until the agent serves both routes."""
    pair = Pair(name, free_port())
    documents = directory / f"{name}.yml"
    documents.write_text(
        _blueprint(f"{name}:1.0", pair.baseline, BASELINE_VERSION, baseline, pair.port)
        + "---\n"
        + _blueprint(f"{name}:1.1", pair.candidate, CANDIDATE_VERSION, candidate, None)
    )
    vamp.cli("create", "-f", str(documents))
    plan = vamp.plan()
    vamp.cli("deploy", f"{name}:1.0", name, "--wait")
    vamp.settled(plan)
    plan = vamp.plan()
    vamp.cli("merge", f"{name}:1.1", name, "--wait")
    vamp.settled(plan)
    return pair


def start_release(vamp: vamp_process.Vamp, directory: Path, policy: str) -> str:
    """Store the release ``policy`` (YAML) with ``vamp release start -f``; its name."""
    name = next(line.split(":", 1)[1].strip() for line in policy.splitlines() if line.startswith("name:"))
    written = directory / f"release-{name}.yml"
    written.write_text(policy)
    vamp.cli("release", "start", "-f", str(written))
    return name


def status(vamp: vamp_process.Vamp, release: str) -> dict[str, Any]:
    """The release's status as the API shows it."""
    found: dict[str, Any] = vamp.api(f"releases/{release}")["status"]
    return found


def wait_phase(
    vamp: vamp_process.Vamp, release: str, *phases: str, timeout: float = 120.0, every: float = 0.2
) -> dict[str, Any]:
    """The release's status once its phase is one of ``phases``; fails with the whole status otherwise."""
    latest: dict[str, Any] = {}

    def reached() -> bool:
        latest.clear()
        latest.update(status(vamp, release))
        return latest["phase"] in phases

    try:
        eventually(reached, timeout=timeout, what=f"release {release} is {' or '.join(phases)}", every=every)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nlast status: {json.dumps(latest, indent=1)}") from None
    return latest


def percent(value: object) -> float:
    """A weight as the API writes it (``"5%"``, ``5``, ``"5.0%"``) as a number of percent."""
    return float(str(value).strip().removesuffix("%"))


def weights(given: Mapping[str, Any], pair: Pair) -> dict[str, float]:
    """Weight per service of ``pair`` from a mapping keyed by service name or route path (a gateway's
    ``routes`` with ``{weight: ...}`` values, or a status's ``weights``)."""
    found: dict[str, float] = {}
    for key, value in given.items():
        weight = value.get("weight") if isinstance(value, Mapping) else value
        for service in (pair.baseline, pair.candidate):
            if key == service or key.endswith(f"/{service}") or f"/{service}/" in key:
                found[service] = percent(weight)
    return found


def gateway_weights(vamp: vamp_process.Vamp, pair: Pair) -> dict[str, float]:
    """The weight of each service as the pair's gateway has it now."""
    return weights(vamp.api(f"gateways/{pair.gateway}")["routes"], pair)


def decisions(found: Mapping[str, Any], *actions: str) -> list[dict[str, Any]]:
    """The status's decisions (of ``actions`` when given), oldest first."""
    return [item for item in found.get("decisions", []) if not actions or item["action"] in actions]


def finding(decision: Mapping[str, Any], check: str) -> dict[str, Any]:
    """The decision's finding of ``check``; fails the test, showing the decision, if it has none."""
    found = [item for item in decision.get("findings", []) if item.get("check") == check]
    assert found, f"no finding of {check!r} in the decision {json.dumps(decision, indent=1)}"
    return dict(found[0])


class EventStream:
    """The events of one ``/api/v1/events/stream`` answer, read as the test waits for them."""

    def __init__(self, vamp: vamp_process.Vamp, *tags: str) -> None:
        self._client = httpx.Client(base_url=vamp.url, headers=vamp.headers, timeout=30.0, trust_env=False)
        self._tags = tags

    def __enter__(self) -> EventStream:
        self._response = self._client.send(
            self._client.build_request("GET", "/api/v1/events/stream", params={"tag": list(self._tags)}),
            stream=True,
        )
        assert self._response.status_code == 200, self._response.read()
        self._events = Events(self._response.iter_lines(), timeout=120.0)
        self._events.listening()
        return self

    def __exit__(self, *_: object) -> None:
        self._response.close()
        self._client.close()

    @property
    def seen(self) -> list[dict[str, Any]]:
        """Every event read so far, oldest first."""
        return self._events.seen

    def wait(self, *tags: str, timeout: float = 120.0) -> dict[str, Any]:
        """The first event (seen already or to come) that carries every one of ``tags``."""
        return self._events.wait(*tags, timeout=timeout)
