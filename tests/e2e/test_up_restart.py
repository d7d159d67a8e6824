"""Kill -9 in the middle of a deployment, start again on the same home: it converges, and nothing is lost.

``vamp up`` deploys a service whose instance takes seconds to become ready (a shell sleep before the demo
starts), and is killed with SIGKILL while the service is still being deployed. Its agent goes with it (the
kernel sends it SIGTERM); the service's process lives on. A new ``vamp up`` on the same home and port
adopts that process (same PID, same port: no second copy, no port clash), the deployment reaches Done,
every artifact and event stored before the kill is still there, and the final stop leaves no process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import PYTHON, alive, eventually, pids_of, pids_running

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

STARTUP_SECONDS = 4
COMMAND = f"sleep {STARTUP_SECONDS}; exec {PYTHON} -m vamp.demo --port $PORT --version slow"
SLOW = f"""\
name: slow
kind: blueprints
gateways:
  9061/http: slow/webport
clusters:
  slow:
    services:
      breed:
        name: slow:1.0.0
        deployable:
          type: command
          definition: {json.dumps(COMMAND)}
        ports: {{webport: 8080/http}}
      scale: {{cpu: 0.1, memory: 64MB, instances: 1}}
---
name: keep
kind: conditions
condition: user-agent == Firefox
"""
KINDS = ("blueprints", "breeds", "conditions", "deployments", "gateways")


def stored(vamp: vamp_process.Vamp) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """Every (kind, name) stored, and every event by id."""
    artifacts = {(kind, item["name"]) for kind in KINDS for item in vamp.everything(kind)}
    return artifacts, {event["id"]: event for event in vamp.everything("events")}


def test_a_server_killed_mid_deployment_converges_when_started_again(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    documents = tmp_path / "slow.yml"
    documents.write_text(SLOW)
    first = vamp_process.start(home, "up", port=port)
    try:
        first.cli("create", "-f", str(documents))
        first.cli("emit", "--tag", "test:restart", "--value", '{"before": "kill"}')
        first.cli("deploy", "slow", "slow")
        instance = eventually(lambda: first.instances("slow", "slow:1.0.0"), what="the instance is started")[
            0
        ]
        pids = eventually(lambda: pids_of(instance["name"]), what="the instance's process runs")
        assert first.service_states("slow") == {"slow:1.0.0": "Updating"}
        agents = pids_running("agent") & vamp_process.pids_under(home)
        before_artifacts, before_events = stored(first)
    finally:
        first.kill()

    eventually(lambda: not any(alive(pid) for pid in agents), what="the agent ended with its parent")
    assert all(alive(pid) for pid in pids), "the service's process outlived the server, to be adopted"
    with vamp_process.started(home, "up", port=port) as second:
        eventually(
            lambda: second.service_states("slow") == {"slow:1.0.0": "Done"},
            timeout=30.0,
            what="the deployment is Done",
        )
        after_artifacts, after_events = stored(second)
        assert before_artifacts <= after_artifacts
        assert {key: after_events.get(key) for key in before_events} == before_events

        adopted = second.instances("slow", "slow:1.0.0")
        assert [item["ports"] for item in adopted] == [instance["ports"]]
        now = pids_of(instance["name"])
        assert now
        assert now <= pids, f"no new process: {now} were started before the kill as {pids}"
        answer = httpx.get(f"http://127.0.0.1:{instance['ports']['webport']}/json", trust_env=False)
        assert answer.json()["version"] == "slow"
    assert not any(alive(pid) for pid in pids)
