"""Workflows through the API as Vamp users drove them (vamp.md §1.15, §2.2, §7.1): the status read and set
by hand, Vamp's rules on updating them and on names shared with deployments, DELETE as a stop, and the
executions a runtime kept (a double of the port, ``workflow_runtime.KeptExecutions``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import yaml

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, NOW, SAVA_1_0, YAML, Harness
from tests.interfaces.api.workflow_runtime import KeptExecutions, execution
from vamp.adapters.store import memory
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio

WORKFLOW = "name: tick\nbreed: probe:1.0\nschedule: daemon\n"
VALID = "starting, running, stopping, suspended, suspending, restarting"
NOT_RUNNING = (
    "Workflow update is possible only if workflow is not running, current status: {status}. Suspend it "
    "first (PUT /api/v1/workflows/tick/status with 'suspended', or `vamp workflow suspend tick`), then "
    "store it again."
)


@pytest.fixture
async def runtime() -> KeptExecutions:
    return KeptExecutions()


@pytest.fixture
async def served(runtime: KeptExecutions) -> AsyncIterator[Harness]:
    """The API of a server that runs workflows (on ``runtime``)."""
    found = harness.build(memory.MemoryStore(clock=lambda: NOW), workflow_runtime=runtime)
    await harness.prepare(found.app)
    async with found.client:
        yield found


async def _created(api: Harness, body: str = WORKFLOW, prefix: str = "") -> None:
    created = await api.client.post(f"{prefix}/api/v1/workflows", content=body, headers=YAML)
    assert created.status_code == 202, created.text


async def _status(api: Harness, name: str = "tick", prefix: str = "") -> Any:
    answer = await api.client.get(f"{prefix}/api/v1/workflows/{name}/status")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _set(api: Harness, body: str, headers: Mapping[str, str] | None = None) -> Any:
    return await api.client.put(
        "/api/v1/workflows/tick/status", content=body, headers=headers or {"content-type": "text/plain"}
    )


async def test_a_new_workflow_is_starting_and_its_status_reads_as_the_word(served: Harness) -> None:
    await _created(served)

    as_yaml = await served.client.get(
        "/api/v1/workflows/tick/status", headers={"accept": YAML["content-type"]}
    )

    assert await _status(served) == "starting"
    assert yaml.safe_load(as_yaml.text) == "starting"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("suspended", "text/plain"),
        ('"suspended"', "application/json"),
        ('{"status": "suspended"}', "application/json"),
        ("status: suspended", "application/x-yaml"),
    ],
)
async def test_the_status_is_set_as_plain_text_a_json_string_or_an_object(
    served: Harness, body: str, content_type: str
) -> None:
    await _created(served)
    body = body if content_type != "application/x-yaml" else "suspended"

    answer = await _set(served, body, {"content-type": content_type})

    assert answer.status_code == 202, answer.text
    assert (answer.json()["name"], answer.json()["status"]) == ("tick", "suspended")
    assert await _status(served) == "suspended"
    stored = await served.store.get("default", "workflows", "tick")
    assert stored is not None
    assert (stored.data["status"], stored.revision) == ("suspended", 2)


@pytest.mark.parametrize("word", ["running", "suspended", "restarting", "stopping", "starting", "suspending"])
async def test_every_status_vamp_allowed_can_be_set(served: Harness, word: str) -> None:
    await _created(served)

    answer = await _set(served, word)

    assert answer.status_code == 202, answer.text
    assert await _status(served) == word


@pytest.mark.parametrize(
    ("body", "shown"),
    [("paused", "paused"), ('{"state": "running"}', '{"state": "running"}'), ("", "")],
)
async def test_a_word_that_is_no_workflow_status_is_refused_naming_the_valid_ones(
    served: Harness, body: str, shown: str
) -> None:
    await _created(served)

    refused = await _set(served, body)

    assert refused.status_code == 400
    assert refused.json()["message"].startswith(
        f"Illegal workflow status: {shown}. Valid statuses are: {VALID}."
    )
    assert await _status(served) == "starting"


async def test_the_status_of_a_workflow_that_does_not_exist_is_not_found(served: Harness) -> None:
    read = await served.client.get("/api/v1/workflows/nothing/status")
    put = await served.client.put(
        "/api/v1/workflows/nothing/status", content="running", headers={"content-type": "text/plain"}
    )
    executions = await served.client.get("/api/v1/workflows/nothing/executions")

    assert [answer.status_code for answer in (read, put, executions)] == [404, 404, 404]
    assert read.json() == put.json() == executions.json() == {"message": "workflows 'nothing' not found."}


async def test_validate_only_checks_the_status_and_changes_nothing(served: Harness) -> None:
    await _created(served)

    checked = await served.client.put(
        "/api/v1/workflows/tick/status?validate_only=true",
        content="suspended",
        headers={"content-type": "text/plain"},
    )

    assert (checked.status_code, checked.json()["status"]) == (202, "suspended")
    assert await _status(served) == "starting"


async def test_a_workflow_is_updated_only_while_suspended(served: Harness) -> None:
    await _created(served)
    changed = WORKFLOW + "environment_variables: {GREETING: hello}\n"

    while_starting = await served.client.put("/api/v1/workflows/tick", content=changed, headers=YAML)
    posted_again = await served.client.post("/api/v1/workflows", content=changed, headers=YAML)
    await _set(served, "suspended")
    while_suspended = await served.client.put("/api/v1/workflows/tick", content=changed, headers=YAML)

    assert (while_starting.status_code, posted_again.status_code) == (409, 409)
    assert while_starting.json()["message"] == NOT_RUNNING.format(status="starting")
    assert while_suspended.status_code == 202, while_suspended.text
    found = (await served.client.get("/api/v1/workflows/tick")).json()
    assert found["environment_variables"] == {"GREETING": "hello"}


@pytest.mark.parametrize("status", ["running", "restarting", "stopping", "suspending"])
async def test_a_running_workflow_refuses_updates_in_bulk_bodies_too_and_nothing_of_the_body_is_stored(
    served: Harness, status: str
) -> None:
    await _created(served)
    await _set(served, status)
    body = (
        "kind: breeds\nname: other:1.0\ndeployable: magneticio/other:1.0\n---\nkind: workflows\n" + WORKFLOW
    )

    refused = await served.client.post("/api/v1", content=body, headers=YAML)
    checked = await served.client.put("/api/v1/workflows?validate_only=true", content=WORKFLOW, headers=YAML)

    assert (refused.status_code, checked.status_code) == (409, 409)
    assert refused.json()["message"] == NOT_RUNNING.format(status=status)
    assert (await served.client.get("/api/v1/breeds/other:1.0")).status_code == 404


async def test_a_workflow_may_not_take_a_deployment_s_name_nor_a_deployment_a_workflow_s(
    served: Harness,
) -> None:
    deployed = await served.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await _created(served, "name: probe\nbreed: probe:1.0\n")

    workflow_over_deployment = await served.client.post(
        "/api/v1/workflows", content="name: sava\nbreed: probe:1.0\n", headers=YAML
    )
    deployment_over_workflow = await served.client.put(
        "/api/v1/deployments/probe", content=SAVA_1_0, headers=YAML
    )
    in_bulk = await served.client.post(
        "/api/v1",
        content="kind: deployment\n" + SAVA_1_0.replace("name: sava:1.0\n", "name: probe\n", 1),
        headers=YAML,
    )

    assert deployed.status_code == 202
    assert [
        answer.status_code for answer in (workflow_over_deployment, deployment_over_workflow, in_bulk)
    ] == [
        409,
        409,
        409,
    ]
    assert workflow_over_deployment.json()["message"] == (
        "There cannot exist deployment and workflow with the same name: sava. "
        "Give the deployment or the workflow another name."
    )
    assert (
        deployment_over_workflow.json()
        == in_bulk.json()
        == {
            "message": "There cannot exist deployment and workflow with the same name: probe. "
            "Give the deployment or the workflow another name."
        }
    )
    assert (await served.client.get("/api/v1/deployments/probe")).status_code == 404
    assert (await served.client.get("/api/v1/workflows/sava")).status_code == 404


async def test_delete_stops_the_workflow_and_the_controller_deletes_it_later(served: Harness) -> None:
    await _created(served)
    await _created(served, "name: other\nbreed: probe:1.0\n")

    deleted = await served.client.delete("/api/v1/workflows/tick")
    in_bulk = await served.client.request(
        "DELETE", "/api/v1", content="kind: workflow\nname: other\n", headers=YAML
    )
    missing = await served.client.delete("/api/v1/workflows/nothing")

    assert (deleted.status_code, [(item["name"], item["status"]) for item in deleted.json()]) == (
        202,
        [("tick", "stopping")],
    )
    assert (in_bulk.status_code, [(item["name"], item["status"]) for item in in_bulk.json()]) == (
        202,
        [("other", "stopping")],
    )
    assert (missing.status_code, missing.json()) == (202, [])
    assert await _status(served) == "stopping"
    assert await _status(served, "other") == "stopping"


async def test_a_server_that_runs_no_workflows_deletes_them_at_once_and_has_no_executions(
    api: Harness,
) -> None:
    await _created(api)

    executions = await api.client.get("/api/v1/workflows/tick/executions")
    deleted = await api.client.delete("/api/v1/workflows/tick")

    assert executions.status_code == 503
    assert executions.json()["message"] == (
        "This server runs no workflows, so workflow 'tick' has no executions to show; a server started by "
        "`vamp up` or `vamp server` runs them."
    )
    assert (deleted.status_code, [item["status"] for item in deleted.json()]) == (202, ["starting"])
    assert (await api.client.get("/api/v1/workflows/tick")).status_code == 404


async def test_executions_are_shown_newest_first_with_their_output(
    served: Harness, runtime: KeptExecutions
) -> None:
    await _created(served, prefix="/acme-prod")
    key = runs.WorkflowKey("acme-prod", "tick")
    runtime.keep(
        key,
        execution(1, NOW, output=[("stdout", "moved 10%")]),
        execution(
            3,
            NOW + timedelta(seconds=20),
            runs.ExecutionStatus.TIMED_OUT,
            exit_code=None,
            seconds=5,
            output=[("stdout", "reading"), ("stderr", "no answer")],
            reason="timed out after 5 s",
        ),
        execution(
            2, NOW + timedelta(seconds=10), runs.ExecutionStatus.FAILED, exit_code=2, trigger="event:41"
        ),
        execution(4, NOW + timedelta(seconds=30), runs.ExecutionStatus.RUNNING),
    )

    found = await served.client.get("/acme-prod/api/v1/workflows/tick/executions")
    failed = await served.client.get("/acme-prod/api/v1/workflows/tick/executions?failed=true")

    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()] == ["4", "3", "2", "1"]
    assert [item["id"] for item in failed.json()] == ["3", "2"]
    assert found.json()[1] == {
        "id": "3",
        "trigger": "daemon",
        "started": "2024-05-01T12:00:20+00:00",
        "finished": "2024-05-01T12:00:25+00:00",
        "status": "timed_out",
        "exit_code": None,
        "reason": "timed out after 5 s",
        "output": [{"stream": "stdout", "text": "reading"}, {"stream": "stderr", "text": "no answer"}],
    }
    assert (found.json()[0]["finished"], found.json()[0]["exit_code"]) == (None, None)
    assert found.json()[2]["trigger"] == "event:41"
    assert runtime.asked == [key, key]


async def test_a_viewer_may_read_a_workflow_s_status_and_executions_but_not_set_it(served: Harness) -> None:
    await _created(served, prefix="/acme-prod")
    viewer = {"authorization": f"Bearer {await served.token('viewer', 'acme-prod')}"}
    operator = {"authorization": f"Bearer {await served.token('operator', 'acme-prod')}"}

    read = await served.client.get("/acme-prod/api/v1/workflows/tick/status", headers=viewer)
    executions = await served.client.get("/acme-prod/api/v1/workflows/tick/executions", headers=viewer)
    refused = await served.client.put(
        "/acme-prod/api/v1/workflows/tick/status",
        content="suspended",
        headers={**viewer, "content-type": "text/plain"},
    )
    stopped = await served.client.delete("/acme-prod/api/v1/workflows/tick", headers=viewer)
    by_operator = await served.client.put(
        "/acme-prod/api/v1/workflows/tick/status",
        content="suspended",
        headers={**operator, "content-type": "text/plain"},
    )

    assert (read.status_code, read.json()) == (200, "starting")
    assert (executions.status_code, executions.json()) == (200, [])
    assert (refused.status_code, stopped.status_code) == (403, 403)
    assert by_operator.status_code == 202
    assert await _status(served, prefix="/acme-prod") == "suspended"


async def test_workflows_of_one_namespace_are_not_those_of_another(served: Harness) -> None:
    await _created(served, prefix="/acme-prod")

    elsewhere = await served.client.get("/acme-test/api/v1/workflows/tick/status")
    await served.client.put(
        "/acme-prod/api/v1/workflows/tick/status", content="running", headers={"content-type": "text/plain"}
    )

    assert elsewhere.status_code == 404
    assert await _status(served, prefix="/acme-prod") == "running"


async def test_a_status_set_while_the_controller_writes_is_written_again_on_what_it_wrote(
    served: Harness,
) -> None:
    """Compare-and-set: the controller writes ``running`` between the read and the write of a user's
    ``suspended``; the user's write loses, reads again and is written over the controller's."""
    await _created(served)
    store = served.store
    assert isinstance(store, memory.MemoryStore)
    original = store.put
    interleaved: list[int] = []

    async def controller_first(namespace: str, kind: str, name: str, data: Any, **kwargs: Any) -> Any:
        if kind == "workflows" and not interleaved:
            current = await store.get(namespace, kind, name)
            assert current is not None
            running = dict(current.data) | {"status": "running"}
            interleaved.append(
                (await original(namespace, kind, name, running, revision=current.revision)).revision
            )
        return await original(namespace, kind, name, data, **kwargs)

    store.put = controller_first  # type: ignore[method-assign]  # forcing the interleaving
    answer = await _set(served, "suspended")

    assert answer.status_code == 202, answer.text
    assert interleaved == [2]
    stored = await store.get("default", "workflows", "tick")
    assert stored is not None
    assert (stored.data["status"], stored.revision) == ("suspended", 3)


async def test_a_workflow_round_trips_through_get_and_put_while_suspended(served: Harness) -> None:
    await _created(served, WORKFLOW + "status: suspended\nenvironment_variables: {PERIOD: '5'}\n")
    shown = (await served.client.get("/api/v1/workflows/tick")).text

    put = await served.client.put("/api/v1/workflows/tick", content=shown, headers=JSON)

    assert put.status_code == 202, put.text
    assert json.loads((await served.client.get("/api/v1/workflows/tick")).text) == json.loads(shown)


async def test_a_body_that_deploys_and_stores_a_workflow_under_one_name_stores_neither(
    served: Harness,
) -> None:
    deployment = "kind: deployment\n" + SAVA_1_0.replace("name: sava:1.0\n", "name: twin\n", 1)
    body = f"{deployment}---\nkind: workflow\nname: twin\nbreed: probe:1.0\n"

    refused = await served.client.post("/api/v1", content=body, headers=YAML)

    assert refused.status_code == 409
    assert refused.json()["message"].startswith(
        "There cannot exist deployment and workflow with the same name: twin."
    )
    assert (await served.client.get("/api/v1/deployments/twin")).status_code == 404
    assert (await served.client.get("/api/v1/workflows/twin")).status_code == 404
