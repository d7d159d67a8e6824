"""Issue 14's second "Done when" line, end to end: the JavaScript workflows of ``examples/workflows``,
written as Vamp's users wrote them, drive the sava demo of ``vamp up --demo`` with real traffic.

``canary.js`` runs as a daemon workflow (its breed's deployable ``application/javascript``, the script as
its definition) and moves 10 % of ``sava/sava/webport`` from 1.0 to 1.1 every few seconds through
``vamp-node-client`` (``api.get``, ``api.put`` of the whole gateway, ``api.event``), with steady traffic
through the gateway all along (none of it lost). Suspended half way (``vamp workflow suspend``), it holds
the weights where they are while ≥ 500 requests split as they say (each version within ±5 points);
resumed, it goes on to 100 %, each step an event, and then 1.1 answers everything. ``rollback.js``
watches the 5xx answers of a failing version (the demo's ``--failure-rate 1.0``) through the client's
``Metrics`` and gives all the traffic back to the good one, saying so with an event; the traffic then all
goes there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e import vamp_process, workflows
from tests.e2e.backends import free_port
from tests.e2e.releases import EventStream, percent
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import eventually, share, versions
from tests.e2e.workflows import wait_status

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workflows"
GATEWAY = "sava/sava/webport"
SAMPLES = 600
DRIVE_SECONDS = 180.0
"""How long the canary may take from 0 % to 100 %: ten steps of PERIOD seconds, on two busy cores."""


def route(breed: str) -> str:
    return f"sava/sava/{breed}/webport"


@dataclass(frozen=True, slots=True)
class Demo:
    vamp: vamp_process.Vamp
    port: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("workflow-canary") / "home"
    port = free_port()
    with vamp_process.started(home, "up", "--demo", "--demo-port", str(port)) as running:
        yield Demo(running, port)


def weights(vamp: vamp_process.Vamp) -> dict[str, float]:
    """Breed → weight of every route of the demo's internal gateway, now."""
    routes = vamp.api(f"gateways/{GATEWAY}")["routes"]
    return {path.split("/")[2]: percent(value["weight"]) for path, value in routes.items()}


def set_weights(vamp: vamp_process.Vamp, given: str) -> None:
    plan = vamp.plan()
    vamp.cli("update-gateway", GATEWAY, "--weights", given)
    vamp.settled(plan)


def serving(vamp: vamp_process.Vamp) -> None:
    """Wait until the gateway agent serves the server's routing plan as it is now."""
    status = f"http://127.0.0.1:{vamp.agent_port()}/status"
    eventually(
        lambda: httpx.get(status, timeout=5.0, trust_env=False).json()["version"] == vamp.plan(),
        timeout=30.0,
        what="the agent serves the newest plan",
    )


def javascript(name: str, script: str, **environment: str) -> str:
    """A daemon workflow ``name`` running ``examples/workflows/SCRIPT`` with ``environment``."""
    definition = (EXAMPLES / script).read_text()
    return workflows.document(name, definition, deployable="application/javascript", environment=environment)


def updates(vamp: vamp_process.Vamp) -> list[float]:
    """The new route's weight in each ``workflows:canary``, ``updated`` event, oldest first."""
    found = vamp.api("events", tag=["workflows:canary", "updated"], per_page=100)
    return [percent(event["value"][route("sava:1.1.0")]) for event in reversed(found)]


def test_a_javascript_canary_drives_sava_from_0_to_100_percent_and_holds_while_suspended(
    demo: Demo,
) -> None:
    vamp = demo.vamp
    set_weights(vamp, "sava:1.0.0@100%,sava:1.1.0@0%")
    assert versions(demo.port, 100) == {"1.0": 100}
    canary = javascript(
        "canary", "canary.js", GATEWAY=GATEWAY, OLD=route("sava:1.0.0"), NEW=route("sava:1.1.0"), PERIOD="3"
    )
    with Traffic(demo.port, rate=20.0) as traffic:
        workflows.create(vamp, canary)
        wait_status(vamp, "canary", "running")
        eventually(
            lambda: weights(vamp)["sava:1.1.0"] >= 50, timeout=DRIVE_SECONDS, what="1.1 at 50 %", every=0.2
        )
        vamp.cli("workflow", "suspend", "canary")
        wait_status(vamp, "canary", "suspended")
        serving(vamp)
        held = weights(vamp)
        assert 50 <= held["sava:1.1.0"] < 100, held
        split = versions(demo.port, SAMPLES)
        for breed, version in (("sava:1.0.0", "1.0"), ("sava:1.1.0", "1.1")):
            assert abs(share(split, version) - held[breed] / 100) <= 0.05, (held, split)
        assert weights(vamp) == held, "the suspended canary still moved the weights"

        vamp.cli("workflow", "resume", "canary")
        eventually(
            lambda: weights(vamp)["sava:1.1.0"] == 100, timeout=DRIVE_SECONDS, what="1.1 gets all", every=0.2
        )
        serving(vamp)
        since = traffic.replies()[-1].at
        eventually(lambda: traffic.answers(since)["1.1"] >= 50, what="50 answers by 1.1 at 100 %")
    assert weights(vamp) == {"sava:1.0.0": 0.0, "sava:1.1.0": 100.0}
    # The script publishes each event just after its put: wait for the last one.
    eventually(lambda: updates(vamp)[-1:] == [100.0], what="the event of the last step")
    steps = updates(vamp)
    assert steps == [float(weight) for weight in range(10, 101, 10)], steps
    assert versions(demo.port, SAMPLES) == {"1.1": SAMPLES}
    answers = traffic.answers()
    assert answers["1.0"] > 0, answers
    assert answers["1.1"] > 0, answers
    assert set(traffic.answers(since)) == {"1.1"}, traffic.answers(since)
    lost = sum(count for answer, count in answers.items() if answer not in ("1.0", "1.1"))
    assert lost <= 0.005 * sum(answers.values()), f"answers lost while the canary moved: {answers}"

    vamp.cli("workflow", "stop", "canary")
    wait_status(vamp, "canary", None)


def test_a_javascript_rollback_gives_the_traffic_back_when_the_new_version_fails(
    demo: Demo, tmp_path: Path
) -> None:
    vamp = demo.vamp
    failing = vamp_process.demo_blueprint("sava:1.2", "sava:1.2.0", "1.2").replace(
        "--version 1.2", "--version 1.2 --failure-rate 1.0"
    )
    assert "--failure-rate 1.0" in failing
    written = tmp_path / "sava-1.2.yml"
    written.write_text(failing)
    vamp.cli("create", "-f", str(written))
    plan = vamp.plan()
    vamp.cli("merge", "sava:1.2", "sava", "--wait")
    vamp.settled(plan)
    set_weights(vamp, "sava:1.0.0@0%,sava:1.1.0@70%,sava:1.2.0@30%")

    guard = javascript(
        "rollback",
        "rollback.js",
        GATEWAY=GATEWAY,
        OLD=route("sava:1.1.0"),
        NEW=route("sava:1.2.0"),
        PERIOD="2",
        WINDOW="30",
    )
    with EventStream(vamp, "workflows:rollback") as events, Traffic(demo.port, rate=40.0) as traffic:
        workflows.create(vamp, guard)
        event = events.wait("workflows:rollback", "error", timeout=180.0)
        assert weights(vamp) == {"sava:1.0.0": 0.0, "sava:1.1.0": 100.0, "sava:1.2.0": 0.0}
        assert event["value"]["route"] == route("sava:1.2.0")
        assert event["value"]["errors"] > 0
        eventually(
            lambda: traffic.last(100) == {"1.1": 100}, timeout=60.0, what="100 answers in a row by 1.1"
        )
    answers = traffic.answers()
    assert answers["500"] > 0, f"the failing version never answered: {json.dumps(answers)}"

    vamp.cli("workflow", "stop", "rollback")
    wait_status(vamp, "rollback", None)
