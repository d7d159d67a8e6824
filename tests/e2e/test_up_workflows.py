"""Issue 14's first "Done when" line, end to end: workflows run as real processes under ``vamp server
--allow-command-deployables`` on the local driver, driven through the REST API and the CLI only.

Each workflow's breed is a command: this Python running a small script of the test's (``SCRIPT``), which
writes one record per process it is (its PID, the ``VAMP_*`` variables it was given, the event it runs
for) into a folder of the test's, then ends, or waits until it is killed. What each test checks is what a
user would see: the workflow's status, its ``scheduled``/``unscheduled`` events in order, its processes
there or gone, its runs' namespace and token (which reaches that namespace alone), how often it ran and
with which event, its kept executions and ``vamp workflow logs``,
a daemon that outlives a server killed with SIGKILL adopted, not doubled, by the next one, and a server
without the flag running nothing and saying why. Every process the scripts recorded is checked, and
stopped by its PID, at the end.
"""

from __future__ import annotations

import itertools
import shlex
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process, workflows
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import PYTHON, alive, eventually
from tests.e2e.workflows import Records, lifecycle, set_status, wait_status

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

SCRIPT = """\
import base64, json, os, sys, time
from pathlib import Path

folder, mode = Path(sys.argv[1]), sys.argv[2]
data = os.environ.get("VAMP_WORKFLOW_DATA", "")
record = {
    "environment": {key: value for key, value in os.environ.items() if key.startswith(("VAMP_", "GREETING"))},
    "event": json.loads(base64.b64decode(data)) if data else None,
    "at": time.time(),
}
written = folder / f"{os.getpid()}.part"
written.write_text(json.dumps(record) + "\\n")
written.rename(folder / f"{os.getpid()}.json")
if mode == "wait":
    print(f"process {os.getpid()} waits", flush=True)
    print("and says so on stderr", file=sys.stderr, flush=True)
    while True:
        time.sleep(1)
"""

QUIET_SECONDS = 8.0
"""How long nothing more may happen once a workflow has done what it should: a few of the controller's
passes and of a time workflow's periods."""


def command(tmp_path: Path, records: Records, mode: str) -> str:
    """The command line of a workflow that runs ``SCRIPT`` in ``mode`` (``wait`` or ``end``)."""
    script = tmp_path / "workflow_script.py"
    script.write_text(SCRIPT)
    return shlex.join((PYTHON, str(script), str(records.folder), mode))


@pytest.fixture(scope="module")
def vamp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[vamp_process.Vamp]:
    home = tmp_path_factory.mktemp("workflows") / "home"
    with vamp_process.started(home, "server", "--allow-command-deployables", ready=None) as running:
        yield running


@pytest.fixture
def records(tmp_path: Path) -> Iterator[Records]:
    """The folder of this test's records; no recorded process may outlive the test."""
    found = Records(tmp_path / "records")
    yield found
    left = found.stop()
    assert not left, f"workflow processes outlived the test: {left}"


def one_alive(records: Records) -> int:
    """The one process of a daemon, once there is exactly one."""
    found = eventually(lambda: records.alive(), timeout=workflows.STATUS_SECONDS, what="the daemon runs")
    assert len(found) == 1, f"more than one daemon process: {found}"
    return int(next(iter(found)))


def test_a_daemon_runs_is_suspended_restarted_and_stopped_with_its_events_in_order(
    vamp: vamp_process.Vamp, tmp_path: Path, records: Records
) -> None:
    definition = command(tmp_path, records, "wait")
    workflows.create(vamp, workflows.document("keeper", definition, environment={"GREETING": "hello"}))

    wait_status(vamp, "keeper", "running")
    first = one_alive(records)
    seen = records.written()[first]["environment"]
    assert seen["VAMP_URL"] == vamp.url
    assert seen["VAMP_NAMESPACE"] == "default"
    assert seen["GREETING"] == "hello"
    token = {"authorization": f"Bearer {seen['VAMP_API_TOKEN']}"}
    answer = httpx.get(f"{vamp.url}/api/v1/workflows/keeper", headers=token, trust_env=False)
    assert answer.status_code == 200, answer.text

    set_status(vamp, "keeper", "suspended")
    wait_status(vamp, "keeper", "suspended")
    eventually(lambda: not alive(first), timeout=30.0, what="the suspended daemon's process is gone")
    in_order(vamp, "keeper", ["scheduled", "unscheduled"])

    set_status(vamp, "keeper", "restarting")
    wait_status(vamp, "keeper", "running")
    second = one_alive(records)
    assert second != first

    set_status(vamp, "keeper", "stopping")
    wait_status(vamp, "keeper", None)
    eventually(lambda: not alive(second), timeout=30.0, what="the stopped daemon's process is gone")
    assert records.pids() == {first, second}
    in_order(vamp, "keeper", ["scheduled", "unscheduled", "scheduled", "unscheduled"])
    refused = httpx.get(f"{vamp.url}/api/v1/workflows", headers=token, trust_env=False)
    assert refused.status_code == 401, f"the stopped workflow's token still works: {refused.text}"


def test_a_workflow_of_an_environment_runs_there_with_a_token_of_that_namespace_alone(
    vamp: vamp_process.Vamp, tmp_path: Path, records: Records
) -> None:
    vamp.cli("organisation", "create", "acme")
    vamp.cli("environment", "create", "prod", "--organisation", "acme")
    definition = command(tmp_path, records, "wait")
    workflows.create(vamp, workflows.document("tenant", definition), namespace="acme-prod")
    wait_status(vamp, "tenant", "running", namespace="acme-prod")
    assert workflows.status(vamp, "tenant") is None, "the workflow shows in the default namespace"

    seen = records.written()[one_alive(records)]["environment"]
    assert seen["VAMP_NAMESPACE"] == "acme-prod"
    token = {"authorization": f"Bearer {seen['VAMP_API_TOKEN']}"}
    own = httpx.get(f"{vamp.url}/acme-prod/api/v1/workflows/tenant", headers=token, trust_env=False)
    assert own.status_code == 200, own.text
    other = httpx.get(f"{vamp.url}/api/v1/workflows", headers=token, trust_env=False)
    assert other.status_code == 403, other.text

    vamp.cli("workflow", "stop", "tenant", "--namespace", "acme-prod")
    wait_status(vamp, "tenant", None, namespace="acme-prod")
    eventually(lambda: not records.alive(), timeout=30.0, what="the stopped workflow's process is gone")


def test_an_event_workflow_runs_once_per_matching_event_with_the_event_in_its_data(
    vamp: vamp_process.Vamp, tmp_path: Path, records: Records
) -> None:
    definition = command(tmp_path, records, "end")
    schedule = {"event": ["deliveries", "parcel:sent"]}
    workflows.create(vamp, workflows.document("courier", definition, schedule=schedule))
    wait_status(vamp, "courier", "running")

    sent = []
    with workflows.client(vamp) as api:
        for number in range(3):
            event = {"tags": ["deliveries", "parcel:sent", f"parcel:{number}"], "value": {"parcel": number}}
            answer = api.post("events", json=event)
            assert answer.status_code == 201, answer.text
            sent.append(answer.json())
        unmatched = api.post("events", json={"tags": ["deliveries"], "value": {"parcel": "none"}})
        assert unmatched.status_code == 201, unmatched.text

    eventually(lambda: len(records.pids()) >= 3, timeout=60.0, what="three runs")
    quiet_for(QUIET_SECONDS, lambda: len(records.pids()) == 3, "no fourth run")
    events = [record["event"] for record in records.written().values()]
    assert sorted(event["value"]["parcel"] for event in events) == [0, 1, 2]
    for event in events:
        original = next(item for item in sent if item["value"] == event["value"])
        assert set(original["tags"]) <= set(event["tags"]), (original, event)
        assert event.get("id", original["id"]) == original["id"]
    assert all(record["environment"]["VAMP_WORKFLOW_DATA"] for record in records.written().values())

    vamp.cli("delete", "workflows", "courier")
    wait_status(vamp, "courier", None)


def test_a_time_workflow_of_period_2s_and_repeat_3_runs_three_times(
    vamp: vamp_process.Vamp, tmp_path: Path, records: Records
) -> None:
    definition = command(tmp_path, records, "end")
    schedule = {"time": {"period": "PT2S", "repeat": 3}}
    workflows.create(vamp, workflows.document("ticker", definition, schedule=schedule))

    eventually(lambda: len(records.pids()) >= 3, timeout=60.0, what="three runs")
    quiet_for(QUIET_SECONDS, lambda: len(records.pids()) == 3, "no fourth run")
    times = sorted(record["at"] for record in records.written().values())
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 1.0 for gap in gaps), f"runs not a period apart: {gaps}"
    assert all(record["event"] is None for record in records.written().values())
    set_status(vamp, "ticker", "stopping")
    wait_status(vamp, "ticker", None)


def test_a_run_past_its_timeout_is_killed_and_its_failure_kept(
    vamp: vamp_process.Vamp, tmp_path: Path, records: Records
) -> None:
    definition = command(tmp_path, records, "wait")
    environment = {"VAMP_WORKFLOW_EXECUTION_TIMEOUT": "2"}
    document = workflows.document(
        "sleeper", definition, schedule={"event": ["wake"]}, environment=environment
    )
    workflows.create(vamp, document)
    wait_status(vamp, "sleeper", "running")
    with workflows.client(vamp) as api:
        assert api.post("events", json={"tags": ["wake"]}).status_code == 201

    hung = eventually(lambda: records.pids(), timeout=60.0, what="the run started")
    (pid,) = hung
    assert records.written()[pid]["environment"]["VAMP_WORKFLOW_EXECUTION_TIMEOUT"] == "2"
    eventually(lambda: not alive(pid), timeout=30.0, what="the run is killed after its timeout")

    def failed() -> list[dict[str, object]]:
        return [item for item in workflows.executions(vamp, "sleeper") if item["status"] == "timed_out"]

    (execution,) = eventually(failed, timeout=30.0, what="the execution is kept as timed out")
    lines = [line["text"] for line in execution["output"]]
    assert f"process {pid} waits" in lines
    assert "and says so on stderr" in lines
    logs = vamp.cli("workflow", "logs", "sleeper").stdout
    assert "timed_out" in logs or "timed out" in logs, logs
    assert f"process {pid} waits" in logs, logs

    set_status(vamp, "sleeper", "stopping")
    wait_status(vamp, "sleeper", None)


def test_a_server_killed_with_sigkill_neither_loses_nor_doubles_a_daemon(
    tmp_path: Path, records: Records
) -> None:
    home, port = tmp_path / "home", free_port()
    definition = command(tmp_path, records, "wait")
    first = vamp_process.start(home, "server", "--allow-command-deployables", port=port, ready=None)
    try:
        workflows.create(first, workflows.document("survivor", definition))
        wait_status(first, "survivor", "running")
        pid = one_alive(records)
    finally:
        first.kill()

    assert alive(pid), "the daemon's process outlived the killed server, to be adopted"
    with vamp_process.started(home, "server", "--allow-command-deployables", port=port, ready=None) as second:
        wait_status(second, "survivor", "running")
        quiet_for(QUIET_SECONDS * 2, lambda: records.alive() == {pid}, "the same one daemon runs")
        assert records.pids() == {pid}, "a second daemon process was started"
        assert wait_status(second, "survivor", "running") == "running"
        assert "unscheduled" not in lifecycle(second, "survivor")
    assert not alive(pid), "the daemon's process outlived the server's stop"


def test_a_server_that_runs_no_commands_runs_no_workflow_and_says_why(
    tmp_path: Path, records: Records
) -> None:
    definition = command(tmp_path, records, "wait")
    with vamp_process.started(tmp_path / "home", "server", ready=None) as vamp:
        workflows.create(vamp, workflows.document("forbidden", definition))

        def failure() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = vamp.api("events", tag=["workflows:forbidden", "failed"])
            return found

        (event,) = eventually(failure, timeout=workflows.STATUS_SECONDS, what="the workflow's failure event")
        assert "forbidden" in event["value"], event
        assert "--allow-command-deployables" in event["value"], event
        quiet_for(QUIET_SECONDS, lambda: not records.pids(), "nothing runs")
        assert workflows.status(vamp, "forbidden") == "starting"
        assert lifecycle(vamp, "forbidden") == []


def in_order(vamp: vamp_process.Vamp, name: str, expected: list[str]) -> None:
    """Wait until the workflow's lifecycle events are ``expected`` (the controller publishes them just
    after it writes the status or deletes the workflow); fail at once on any other sequence."""

    def arrived() -> bool:
        found = lifecycle(vamp, name)
        assert found == expected[: len(found)], f"lifecycle events {found}, expected {expected}"
        return found == expected

    eventually(arrived, timeout=10.0, what=f"the lifecycle events {expected}")


def quiet_for(seconds: float, holds: Callable[[], bool], what: str) -> None:
    """Fail as soon as ``holds()`` is false within the next ``seconds`` (what must not happen, watched for
    that long: a few controller passes)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert holds(), f"not so for {seconds:g} s: {what}"
        time.sleep(0.2)
