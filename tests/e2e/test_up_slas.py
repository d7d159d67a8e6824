"""Issue 14's third "Done when" line, end to end: an SLA on the demo's gateway scales the service up while
the demo is slow, and back down when the latency goes, with the SLA and escalation events.

``vamp up --sla-period 1`` in a temp home; the demo service (``python -m vamp.demo``) deployed behind a
gateway with an SLA on its cluster: upper 150 ms, lower 50 ms, a window of 4 s and a cooldown of 4 s,
escalating by one instance between 1 and 2. The demo reads its latency from a file (``--latency-file``):
300 ms at first, 0 later. With steady traffic through the gateway, the deployment's scale goes to 2, a
second instance becomes a process that answers through the gateway, and ``sla:escalate`` and
``escalation:escalate`` events are published; once the latency is gone it goes back to 1 instance (the
other process stopped) with ``sla:deescalate`` and ``escalation:deescalate`` events. Real processes, a
real agent and a real Envoy; deadlines are generous, for a loaded machine.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import PYTHON, eventually, pids_of

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

RATE = 10.0
"""Requests a second through the gateway: enough to measure, few enough for a 300 ms demo."""
SCALING_SECONDS = 180.0


def blueprint(port: int, latency_file: Path) -> str:
    command = f"{PYTHON} -m vamp.demo --port $PORT --version 1.0 --latency 0 --latency-file {latency_file}"
    return f"""\
name: slow
kind: blueprints
gateways:
  {port}/http: sava/webport
clusters:
  sava:
    sla:
      type: response_time_sliding_window
      threshold: {{upper: 150, lower: 50}}
      window: {{interval: 4, cooldown: 4}}
      escalations:
        - type: scale_instances
          minimum: 1
          maximum: 2
          scale_by: 1
    services:
      breed:
        name: slow:1.0.0
        deployable: {{type: command, definition: {json.dumps(command)}}}
        ports: {{webport: 8080/http}}
      scale: {{cpu: 0.1, memory: 64MB, instances: 1}}
"""


def scale(vamp: vamp_process.Vamp) -> int:
    found: int = vamp.api("deployments/slow/clusters/sava/services/slow:1.0.0/scale")["instances"]
    return found


def events(vamp: vamp_process.Vamp, *tags: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = vamp.api("events", tag=[*tags, "deployment:slow"])
    return found


def answering(port: int, count: int) -> Counter[str]:
    """The instances that answered ``count`` requests through the gateway on ``port``."""
    answered: Counter[str] = Counter()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0, trust_env=False) as client:
        for _ in range(count):
            response = client.get("/json")
            answered[
                response.json()["instance"] if response.status_code == 200 else str(response.status_code)
            ] += 1
    return answered


def test_an_sla_scales_the_demo_up_under_latency_and_down_when_it_goes(tmp_path: Path) -> None:
    port = free_port()
    latency = tmp_path / "latency-ms"
    latency.write_text("300\n")
    blueprints = tmp_path / "slow.yml"
    blueprints.write_text(blueprint(port, latency))
    with vamp_process.started(tmp_path / "home", "up", "--sla-period", "1") as vamp:
        vamp.cli("create", "-f", str(blueprints))
        plan = vamp.plan()
        vamp.cli("deploy", "slow", "slow", "--wait")
        vamp.settled(plan, timeout=60.0)
        assert scale(vamp) == 1

        with Traffic(port, rate=RATE):
            eventually(lambda: scale(vamp) == 2, timeout=SCALING_SECONDS, what="the SLA scaled slow up to 2")
            (escalated,) = eventually(
                lambda: events(vamp, "escalation:escalate"), timeout=30.0, what="an escalation event"
            )
            assert escalated["value"] == {
                "service": "slow:1.0.0",
                "type": "scale_instances",
                "from": 1,
                "to": 2,
            }
            assert "cluster:sava" in escalated["tags"]
            sla_event = events(vamp, "sla:escalate")[-1]  # the first, newest first
            assert sla_event["value"]["response_time"] > 150
            assert sla_event["value"]["threshold"] == {"upper": 150, "lower": 50}

            def two_running() -> list[str] | None:
                names = [instance["name"] for instance in vamp.instances("slow", "slow:1.0.0")]
                return names if len(names) == 2 and all(pids_of(name) for name in names) else None

            names = eventually(two_running, timeout=SCALING_SECONDS, what="a second instance runs")
            eventually(
                lambda: set(answering(port, 20)) == set(names),
                timeout=60.0,
                what=f"both instances {names} answer through the gateway",
            )

            latency.write_text("0\n")
            eventually(
                lambda: scale(vamp) == 1, timeout=SCALING_SECONDS, what="the SLA scaled slow down to 1"
            )
            (deescalated,) = eventually(
                lambda: events(vamp, "escalation:deescalate"), timeout=30.0, what="a de-escalation event"
            )
            assert deescalated["value"] == {
                "service": "slow:1.0.0",
                "type": "scale_instances",
                "from": 2,
                "to": 1,
            }
            assert events(vamp, "sla:deescalate")[-1]["value"]["response_time"] < 50

            def one_left() -> bool:
                found = [instance["name"] for instance in vamp.instances("slow", "slow:1.0.0")]
                return len(found) == 1 and sum(bool(pids_of(name)) for name in names) == 1

            eventually(one_left, timeout=SCALING_SECONDS, what="one instance is left, the other stopped")
            assert len(answering(port, 20)) == 1
