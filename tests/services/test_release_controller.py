"""The release controller against the API in-process: a canary of vamp.md's sava 1.0 → 1.1 driven by what
the (fake) gateway agents report, to promoted, rolled back, waiting then paused, moved by hand mid-step,
and resumed by a new controller over the same store. Time is the harness's clock; each pass is called
directly, so nothing sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.interfaces.api import harness
from vamp.adapters.store import memory
from vamp.ports import metrics
from vamp.services.releases import controller

pytestmark = pytest.mark.anyio

NAMESPACE = "acme-prod"
GATEWAY = "sava/sava/webport"
BASELINE = "sava/sava/sava:1.0.0/webport"
CANDIDATE = "sava/sava/sava:1.1.0/webport"
RELEASE = """\
name: sava-1.1
kind: releases
gateway: sava/sava/webport
from: sava:1.0.0
to: sava:1.1.0
steps: [50%, 100%]
interval: 30s
samples: 200
timeout: 120s
"""
BOUNDS = (10.0, 20.0, float("inf"))


def served(requests: int, errors: int) -> metrics.Served:
    counts = (requests * 9 // 10, requests, requests)
    codes = {"2xx": requests - errors, "5xx": errors}
    return metrics.Served(requests, errors, codes, BOUNDS, counts, 30.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api() -> AsyncIterator[harness.Harness]:
    found = harness.build(memory.MemoryStore(clock=lambda: harness.NOW))
    await harness.prepare(found.app)
    async with found.client:
        yield found


def controller_of(api: harness.Harness) -> controller.ReleaseController:
    services = api.services
    return controller.ReleaseController(
        services.releases, services.gateways, services.deployments, api.metrics, clock=api.clock
    )


async def start(api: harness.Harness, release: str = RELEASE) -> None:
    """sava 1.0 deployed, 1.1 merged in at 0 %, and the release stored."""
    for blueprint in (harness.SAVA_1_0, harness.SAVA_1_1):
        answer = await api.client.put(
            f"/{NAMESPACE}/api/v1/deployments/sava", content=blueprint, headers=harness.YAML
        )
        assert answer.is_success, answer.text
    answer = await api.client.post(f"/{NAMESPACE}/api/v1/releases", content=release, headers=harness.YAML)
    assert answer.status_code == 201, answer.text


def traffic(api: harness.Harness, *, baseline: metrics.Served, candidate: metrics.Served) -> None:
    api.metrics.served_windows[NAMESPACE, GATEWAY, BASELINE] = baseline
    api.metrics.served_windows[NAMESPACE, GATEWAY, CANDIDATE] = candidate


async def weights(api: harness.Harness) -> dict[str, str]:
    found = (await api.client.get(f"/{NAMESPACE}/api/v1/gateways/{GATEWAY}")).json()
    return {path: route["weight"] for path, route in found["routes"].items()}


async def status(api: harness.Harness) -> dict[str, Any]:
    shown: dict[str, Any] = (await api.client.get(f"/{NAMESPACE}/api/v1/releases/sava-1.1")).json()["status"]
    return shown


def actions(found: dict[str, Any]) -> list[str]:
    return [decision["action"] for decision in found["decisions"]]


async def test_a_healthy_canary_steps_through_its_weights_and_is_promoted(api: harness.Harness) -> None:
    await start(api)
    releases = controller_of(api)

    await releases.advance_all()
    assert await weights(api) == {BASELINE: "50%", CANDIDATE: "50%"}
    first = await status(api)
    assert (first["phase"], first["step"]) == ("Progressing", 0)

    traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
    api.clock.advance(10)
    await releases.advance_all()
    assert (await status(api))["step"] == 0, "a step lasts at least its interval"

    with api.publisher.subscribe(NAMESPACE, tags=("releases:sava-1.1",)) as heard:
        api.clock.advance(25)
        await releases.advance_all()
        stepped = await heard.get()
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}
    assert "release:step" in stepped.tags
    assert stepped.value["findings"][0]["check"] == "errors"
    assert stepped.value["findings"][0]["samples"] == [2000, 2000]
    assert api.metrics.refreshes >= 1, "a fresh measurement is taken before judging"

    api.clock.advance(31)
    await releases.advance_all()
    done = await status(api)
    assert done["phase"] == "Promoted"
    assert actions(done) == ["step", "step", "promoted"]
    assert "Every step passed" in done["decisions"][-1]["reason"]
    gauge = {(g.release, g.phase.value, g.step) for g in releases.gauges()}
    assert gauge == {("sava-1.1", "Promoted", 1)}


async def test_a_candidate_that_fails_is_rolled_back_with_the_figures(api: harness.Harness) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()

    traffic(api, baseline=served(2000, 2), candidate=served(2000, 200))
    api.clock.advance(31)
    with api.publisher.subscribe(NAMESPACE, tags=("release:rolled-back",)) as heard:
        await releases.advance_all()
        event = await heard.get()

    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
    found = await status(api)
    assert found["phase"] == "RolledBack"
    assert "10 %" in found["reason"]
    (errors_finding,) = [item for item in event.value["findings"] if item["check"] == "errors"]
    assert errors_finding["outcome"] == "fail"
    assert errors_finding["candidate"] == pytest.approx(0.1)


async def test_no_traffic_waits_and_then_pauses_never_rolls_back(api: harness.Harness) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()

    api.clock.advance(31)
    await releases.advance_all()
    waiting = await status(api)
    assert waiting["phase"] == "Waiting"
    assert "0 of the 200" in waiting["reason"]
    api.clock.advance(30)
    await releases.advance_all()
    assert actions(await status(api)) == ["step", "waiting"], "waiting is recorded once"

    api.clock.advance(70)
    await releases.advance_all()
    paused = await status(api)
    assert paused["phase"] == "Paused"
    assert "timeout of 120s" in paused["reason"]
    assert await weights(api) == {BASELINE: "50%", CANDIDATE: "50%"}, "pausing keeps the weights"


@pytest.mark.parametrize(
    ("requested", "phase", "expected"),
    [
        ("paused", "Paused", {BASELINE: "50%", CANDIDATE: "50%"}),
        ("promoted", "Promoted", {BASELINE: "0%", CANDIDATE: "100%"}),
        ("aborted", "Aborted", {BASELINE: "100%", CANDIDATE: "0%"}),
    ],
)
async def test_a_request_by_hand_is_acted_on_at_the_next_pass(
    api: harness.Harness, requested: str, phase: str, expected: dict[str, str]
) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()

    answer = await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1/status", content=requested)
    assert answer.status_code == 202
    await releases.advance_all()

    found = await status(api)
    assert (found["phase"], found["requested"]) == (phase, None)
    assert actions(found)[-1] == requested
    assert await weights(api) == expected


async def test_a_paused_release_resumes_its_step_by_hand(api: harness.Harness) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()
    await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1/status", content="paused")
    await releases.advance_all()
    traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
    api.clock.advance(60)
    await releases.advance_all()
    assert (await status(api))["phase"] == "Paused", "a paused release does not move by itself"

    await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1/status", content="running")
    await releases.advance_all()
    resumed = await status(api)
    assert (resumed["phase"], resumed["step"]) == ("Progressing", 0)
    api.clock.advance(31)
    await releases.advance_all()
    assert (await status(api))["step"] == 1
    assert actions(await status(api)) == ["step", "paused", "resumed", "step"]


async def test_a_new_controller_over_the_same_store_resumes_the_release_at_its_step(
    api: harness.Harness,
) -> None:
    await start(api)
    await controller_of(api).advance_all()
    traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
    api.clock.advance(31)
    await controller_of(api).advance_all()
    before = await status(api)
    assert before["step"] == 1

    restarted = controller_of(api)
    await restarted.advance_all()
    after = await status(api)
    assert after["decisions"] == before["decisions"], "nothing is decided twice"
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}
    api.clock.advance(31)
    await restarted.advance_all()
    assert (await status(api))["phase"] == "Promoted"


async def test_weights_a_gateway_lost_are_put_back_from_the_status(api: harness.Harness) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()
    gateway = (await api.client.get(f"/{NAMESPACE}/api/v1/gateways/{GATEWAY}")).json()
    gateway["routes"][BASELINE]["weight"] = "100%"
    gateway["routes"][CANDIDATE]["weight"] = "0%"
    changed = await api.client.put(f"/{NAMESPACE}/api/v1/gateways/{GATEWAY}", json=gateway)
    assert changed.is_success, changed.text

    await releases.advance_all()
    assert await weights(api) == {BASELINE: "50%", CANDIDATE: "50%"}


async def test_a_release_whose_routes_do_not_exist_yet_waits_pending_with_the_reason(
    api: harness.Harness,
) -> None:
    answer = await api.client.post(f"/{NAMESPACE}/api/v1/releases", content=RELEASE, headers=harness.YAML)
    assert answer.status_code == 201
    await controller_of(api).advance_all()

    found = await status(api)
    assert found["phase"] == "Pending"
    assert found["reason"].startswith("Waiting for the routes to exist")
