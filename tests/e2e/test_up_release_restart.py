"""Issue 11's third "Done when" line: kill -9 of the server in the middle of a release, start it again on
the same home: the release resumes at the step it was in, no weight is lost, and every decision recorded
before the kill is still there.

``vamp up`` deploys the demo's baseline and candidate behind a gateway and runs a canary of four steps
under steady traffic. Once the release has taken its second step, the server is killed with SIGKILL (its
agent and Envoy go with it; the demo services live on and are adopted). A new ``vamp up`` on the same
home and port shows the release at that step (or later, never earlier), the gateway's weights equal to
the status's, the decisions from before the kill unchanged at the head of the list, and the release then
runs to Promoted under traffic again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import releases, vamp_process
from tests.e2e.backends import free_port
from tests.e2e.releases import decisions, gateway_weights, start_release, wait_phase
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import alive, eventually, pids_running

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

RATE = 80.0
RELEASE = "restart-1.1"
POLICY = f"""\
name: {RELEASE}
gateway: {{gateway}}
from: {{baseline}}
to: {{candidate}}
steps: [10%, 30%, 60%, 100%]
interval: 4s
samples: 60
"""


def test_a_release_resumes_at_its_step_after_the_server_is_killed(tmp_path: Path) -> None:
    home, port = tmp_path / "home", free_port()
    first = vamp_process.start(home, "up", port=port)
    try:
        pair = releases.deploy_pair(first, tmp_path, "restart")
        agents = pids_running("agent") & vamp_process.pids_under(home)
        with Traffic(pair.port, rate=RATE) as traffic:
            start_release(first, tmp_path, POLICY.format(gateway=pair.gateway, **_routes(pair)))
            before = eventually(
                lambda: _at_second_step(first), timeout=120.0, what="the release took its second step"
            )
            first.kill()
            eventually(lambda: not any(alive(pid) for pid in agents), what="the agent ended with its parent")

            with vamp_process.started(home, "up", port=port) as second:
                after = releases.status(second, RELEASE)
                assert after["step"] >= before["step"], f"the release went back from {before} to {after}"
                assert after["decisions"][: len(before["decisions"])] == before["decisions"]
                candidate_before = releases.weights(before["weights"], pair)[pair.candidate]
                assert releases.weights(after["weights"], pair)[pair.candidate] >= candidate_before, after
                eventually(
                    lambda: gateway_weights(second, pair) == _status_weights(second, pair),
                    timeout=30.0,
                    what="the gateway's weights equal the status's",
                )
                done = wait_phase(second, RELEASE, "Promoted", "RolledBack", "Paused", "Aborted", "Failed")
                assert done["phase"] == "Promoted", done
                assert done["decisions"][: len(before["decisions"])] == before["decisions"]
                stepped = [item["step"] for item in decisions(done, "step")]
                assert stepped == sorted(set(stepped)), f"a step taken twice or backwards: {stepped}"
                assert gateway_weights(second, pair) == {pair.baseline: 0.0, pair.candidate: 100.0}
        answered = traffic.answers()
        assert answered[releases.CANDIDATE_VERSION] > 0, answered
    finally:
        first.kill()


def _routes(pair: releases.Pair) -> dict[str, str]:
    return {"baseline": pair.baseline, "candidate": pair.candidate}


def _at_second_step(vamp: vamp_process.Vamp) -> dict[str, Any] | None:
    """The release's status once it is running its second step or a later one."""
    found = releases.status(vamp, RELEASE)
    running = found["phase"] in ("Progressing", "Waiting")
    return found if running and (found["step"] or 0) >= 1 else None


def _status_weights(vamp: vamp_process.Vamp, pair: releases.Pair) -> dict[str, float]:
    return releases.weights(releases.status(vamp, RELEASE)["weights"], pair)
