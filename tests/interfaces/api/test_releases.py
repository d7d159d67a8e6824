"""Releases through the API (issue 11): stored like every kind, shown with their status, and paused,
resumed, promoted or aborted by hand through ``PUT /api/v1/releases/{name}/status``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.interfaces.api.harness import JSON, YAML, Harness
from vamp import errors
from vamp.core import model
from vamp.core.units import Percentage

pytestmark = pytest.mark.anyio

RELEASE = """\
name: sava-1.1
kind: releases
gateway: sava/sava/webport
from: sava:1.0.0
to: sava:1.1.0
steps: [5%, 10%, 25%, 50%, 100%]
interval: 30s
"""
PENDING: dict[str, object] = {
    "phase": "Pending",
    "step": None,
    "weights": {},
    "reason": "",
    "requested": None,
    "policy_revision": None,
    "started": None,
    "gateway": None,
    "baseline": None,
    "candidate": None,
    "decisions": [],
    "dropped": 0,
}


def status_of(found: dict[str, object]) -> dict[str, object]:
    status = found["status"]
    assert isinstance(status, dict)
    return {key: value for key, value in status.items() if key != "since"}


async def test_a_new_release_is_stored_and_shown_pending_with_no_decisions(api: Harness) -> None:
    created = await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    found = await api.client.get("/api/v1/releases/sava-1.1")
    listed = await api.client.get("/api/v1/releases")

    assert created.status_code == 201
    assert found.status_code == 200
    release = found.json()
    assert (release["from"], release["to"], release["steps"], release["interval"]) == (
        "sava:1.0.0",
        "sava:1.1.0",
        ["5%", "10%", "25%", "50%", "100%"],
        "30s",
    )
    assert status_of(release) == PENDING
    assert [item["name"] for item in listed.json()] == ["sava-1.1"]
    assert status_of(listed.json()[0]) == PENDING


async def test_a_release_that_cannot_be_read_is_refused_with_its_place(api: Harness) -> None:
    answer = await api.client.post(
        "/api/v1/releases", content=RELEASE.replace("interval: 30s", "strategy: rolling"), headers=YAML
    )
    assert answer.status_code == 400
    (issue,) = answer.json()["issues"]
    assert issue["path"] == "strategy"
    assert "valid values are: canary, blue-green, ab" in issue["message"]


async def test_releases_live_in_their_namespace_and_in_bulk_documents(api: Harness) -> None:
    in_prod = await api.client.post("/acme-prod/api/v1/releases", content=RELEASE, headers=YAML)
    bulk = await api.client.put(
        "/acme-test/api/v1", content=RELEASE.replace("sava-1.1", "other"), headers=YAML
    )

    assert (in_prod.status_code, bulk.status_code) == (201, 202)
    assert [r["name"] for r in (await api.client.get("/acme-prod/api/v1/releases")).json()] == ["sava-1.1"]
    assert [r["name"] for r in (await api.client.get("/acme-test/api/v1/releases")).json()] == ["other"]
    assert (await api.client.get("/api/v1/releases")).json() == []
    shown = await api.client.get("/acme-test/api/v1/releases/other/status")
    assert shown.json()["phase"] == "Pending"

    deleted = await api.client.request("DELETE", "/acme-test/api/v1", content=RELEASE, headers=YAML)
    assert deleted.status_code == 202
    assert (await api.client.get("/acme-test/api/v1/releases/other")).status_code == 200
    deleted = await api.client.request(
        "DELETE", "/acme-test/api/v1", content=RELEASE.replace("sava-1.1", "other"), headers=YAML
    )
    assert (await api.client.get("/acme-test/api/v1/releases/other")).status_code == 404


@pytest.mark.parametrize(
    ("body", "headers", "requested"),
    [
        ("paused", {"content-type": "text/plain"}, "paused"),
        ("running\n", {}, "running"),
        ('"promoted"', JSON, "promoted"),
        ('{"status": "aborted"}', JSON, "aborted"),
    ],
)
async def test_the_status_is_set_by_hand_as_plain_text_a_json_string_or_an_object(
    api: Harness, body: str, headers: dict[str, str], requested: str
) -> None:
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    with api.publisher.subscribe("default", tags=("releases:sava-1.1",)) as heard:
        answer = await api.client.put("/api/v1/releases/sava-1.1/status", content=body, headers=headers)
        event = await heard.get()

    assert answer.status_code == 202
    assert answer.json()["status"]["requested"] == requested
    shown = await api.client.get("/api/v1/releases/sava-1.1")
    assert shown.json()["status"]["requested"] == requested
    assert "release:requested" in event.tags
    assert event.value["requested"] == requested


@pytest.mark.parametrize("body", ["pause", '{"status": "later"}', '{"state": "paused"}', "", "[1]"])
async def test_a_status_that_is_not_one_of_the_valid_values_is_refused_naming_them(
    api: Harness, body: str
) -> None:
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    answer = await api.client.put("/api/v1/releases/sava-1.1/status", content=body, headers=JSON)

    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "PUT /api/v1/releases/sava-1.1/status" in message
    assert "valid values are: paused, running, promoted, aborted" in message
    assert (await api.client.get("/api/v1/releases/sava-1.1")).json()["status"]["requested"] is None


async def test_the_status_of_a_release_that_does_not_exist_is_not_found(api: Harness) -> None:
    answer = await api.client.put("/api/v1/releases/nothing/status", content="paused")
    assert answer.status_code == 404
    assert answer.json()["message"] == "releases 'nothing' not found."
    assert (await api.client.get("/api/v1/releases/nothing/status")).status_code == 404


async def test_a_viewer_may_read_a_release_but_not_set_its_status(api: Harness) -> None:
    await api.client.post("/acme-prod/api/v1/releases", content=RELEASE, headers=YAML)
    viewer = {"authorization": f"Bearer {await api.token('viewer', 'acme-prod')}"}

    read = await api.client.get("/acme-prod/api/v1/releases/sava-1.1", headers=viewer)
    refused = await api.client.put(
        "/acme-prod/api/v1/releases/sava-1.1/status", content="paused", headers=viewer
    )

    assert read.status_code == 200
    assert refused.status_code == 403
    assert (await api.client.get("/acme-prod/api/v1/releases/sava-1.1")).json()["status"]["requested"] is None


async def test_the_status_survives_a_put_of_the_policy_and_goes_with_a_delete(api: Harness) -> None:
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    await api.client.put("/api/v1/releases/sava-1.1/status", content="paused")

    shown = (await api.client.get("/api/v1/releases/sava-1.1")).json()
    again = await api.client.put("/api/v1/releases/sava-1.1", content=json.dumps(shown), headers=JSON)
    assert again.status_code == 200
    assert (await api.client.get("/api/v1/releases/sava-1.1")).json()["status"]["requested"] == "paused"

    assert (await api.client.delete("/api/v1/releases/sava-1.1")).status_code == 204
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    assert status_of((await api.client.get("/api/v1/releases/sava-1.1")).json()) == PENDING


async def test_the_controller_s_decisions_are_stored_compared_and_set_and_published(api: Harness) -> None:
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    releases = api.services.releases
    (found,) = await releases.all()
    assert (found.namespace, found.policy.name, found.status_revision) == ("default", "sava-1.1", 0)
    at = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
    weights = {"sava:1.0.0": Percentage.of(95), "sava:1.1.0": Percentage.of(5)}
    decision = model.Decision(
        at=at,
        step=0,
        action=model.DecisionAction.STEP,
        reason="errors 0.1% vs 0.1% over 240 requests: pass",
        weights=weights,
        findings=({"check": "errors", "outcome": "pass", "samples": {"baseline": 4000, "candidate": 240}},),
    )
    progressing = found.status.model_copy(
        update={"phase": model.ReleasePhase.PROGRESSING, "step": 0, "weights": weights, "since": at}
    )

    with api.publisher.subscribe("default", tags=("releases:sava-1.1",)) as heard:
        status, revision = await releases.record(
            "default", "sava-1.1", decision, status=progressing, revision=found.status_revision
        )
        event = await heard.get()
    with pytest.raises(errors.ConflictError):
        await releases.write_status("default", "sava-1.1", progressing, revision=found.status_revision)

    assert "release:step" in event.tags
    assert event.value["reason"] == "errors 0.1% vs 0.1% over 240 requests: pass"
    assert event.value["weights"] == {"sava:1.0.0": "95%", "sava:1.1.0": "5%"}
    shown = (await api.client.get("/api/v1/releases/sava-1.1")).json()["status"]
    assert (shown["phase"], shown["step"], shown["weights"]) == ("Progressing", 0, event.value["weights"])
    assert shown["decisions"] == [event.value]
    assert (await releases.tracked("default", "sava-1.1")).status_revision == revision == 1
    assert status.decisions == (decision,)


async def test_a_release_that_is_over_cannot_be_set(api: Harness) -> None:
    await api.client.post("/api/v1/releases", content=RELEASE, headers=YAML)
    found = await api.services.releases.tracked("default", "sava-1.1")
    promoted = found.status.model_copy(update={"phase": model.ReleasePhase.PROMOTED})
    await api.services.releases.write_status("default", "sava-1.1", promoted, revision=0)

    answer = await api.client.put("/api/v1/releases/sava-1.1/status", content="aborted")

    assert answer.status_code == 409
    assert answer.json()["message"] == (
        "Release 'sava-1.1' is over (Promoted); it cannot be set aborted. "
        "Store the release again to run it again."
    )


async def test_an_environment_deleted_takes_its_releases_statuses_with_it(api: Harness) -> None:
    await api.client.post("/acme-test/api/v1/releases", content=RELEASE, headers=YAML)
    await api.client.put("/acme-test/api/v1/releases/sava-1.1/status", content="paused")

    deleted = await api.client.delete("/api/v1/organisations/acme/environments/test")

    assert deleted.status_code == 204
    assert (await api.store.list("acme-test", "releases")).items == []
    assert (await api.store.list("acme-test", "release-statuses")).items == []
