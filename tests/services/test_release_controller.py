"""The release controller against the API in-process: a canary of vamp.md's sava 1.0 → 1.1 driven by what
the (fake) gateway agents report, to promoted, rolled back, waiting then paused, moved by hand mid-step,
and resumed by a new controller over the same store. Time is the harness's clock; each pass is called
directly, so nothing sleeps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.interfaces.api import harness
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
    async with harness.in_memory() as found:
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


def conditions(found: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    shown: dict[str, tuple[str | None, str | None]] = {}
    for path, route in found["routes"].items():
        condition = route["condition"]
        text = condition.get("condition") if isinstance(condition, dict) else condition
        shown[path] = (text, route["condition_strength"])
    return shown


async def gateway(api: harness.Harness) -> dict[str, Any]:
    found: dict[str, Any] = (await api.client.get(f"/{NAMESPACE}/api/v1/gateways/{GATEWAY}")).json()
    return found


BLUE_GREEN = RELEASE.replace("steps: [50%, 100%]\n", "strategy: blue-green\n") + (
    "preview: header X-Preview == true\nrollback_window: 60s\n"
)


async def test_blue_green_switches_only_after_the_preview_passes_and_promotes_after_its_window(
    api: harness.Harness,
) -> None:
    await start(api, BLUE_GREEN)
    releases = controller_of(api)
    await releases.advance_all()
    preview = await gateway(api)
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
    assert conditions(preview)[CANDIDATE] == ("header X-Preview == true", "100%")

    api.clock.advance(31)
    await releases.advance_all()
    assert (await status(api))["phase"] == "Waiting", "no preview traffic: no switch"
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}

    traffic(api, baseline=served(4000, 4), candidate=served(300, 0))
    api.clock.advance(5)
    await releases.advance_all()
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}
    assert conditions(await gateway(api))[CANDIDATE] == (None, "0%")
    baseline_windows = [until for _, until in api.metrics.asked if until is not None]
    api.clock.advance(30)
    await releases.advance_all()
    assert (await status(api))["phase"] == "Progressing", "watched for its rollback window"
    assert [until for _, until in api.metrics.asked if until is not None] != baseline_windows, (
        "the baseline is judged by what it served before the switch"
    )
    api.clock.advance(31)
    await releases.advance_all()
    done = await status(api)
    assert done["phase"] == "Promoted"
    assert actions(done) == ["step", "waiting", "step", "promoted"]


async def test_blue_green_switches_back_when_the_candidate_fails_after_the_switch(
    api: harness.Harness,
) -> None:
    await start(api, BLUE_GREEN.replace("rollback_window: 60s", "rollback_window: 600s"))
    releases = controller_of(api)
    await releases.advance_all()
    traffic(api, baseline=served(4000, 4), candidate=served(300, 0))
    api.clock.advance(31)
    await releases.advance_all()
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}

    traffic(api, baseline=served(4000, 4), candidate=served(3000, 300))
    api.clock.advance(5)
    await releases.advance_all()
    assert (await status(api))["phase"] == "RolledBack"
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}


AB = RELEASE.replace("steps: [50%, 100%]\n", "strategy: ab\n") + (
    "condition: user-agent == Firefox\ncondition_strength: 100%\n"
)


async def test_ab_sends_the_cohort_to_the_candidate_and_reports_both_cohorts(api: harness.Harness) -> None:
    await start(api, AB)
    releases = controller_of(api)
    await releases.advance_all()
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
    assert conditions(await gateway(api))[CANDIDATE] == ("user-agent == Firefox", "100%")

    traffic(api, baseline=served(4000, 4), candidate=served(1000, 1))
    api.clock.advance(31)
    with api.publisher.subscribe(NAMESPACE, tags=("release:promoted",)) as heard:
        await releases.advance_all()
        event = await heard.get()
    assert (
        "the baseline served 4000 requests, the candidate (user-agent == Firefox) 1000"
        in event.value["reason"]
    )
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}
    assert conditions(await gateway(api))[CANDIDATE] == (None, "0%")


async def test_promoting_with_undeploy_slices_the_baseline_out_of_its_deployment(
    api: harness.Harness,
) -> None:
    await start(api, RELEASE + "undeploy: true\n")
    releases = controller_of(api)
    await releases.advance_all()
    answer = await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1/status", content="promoted")
    assert answer.status_code == 202
    await releases.advance_all()

    deployment = (await api.client.get(f"/{NAMESPACE}/api/v1/deployments/sava")).json()
    intentions = {
        service["breed"]["name"]: service["status"]["intention"]
        for service in deployment["clusters"]["sava"]["services"]
    }
    assert intentions == {"sava:1.0.0": "Undeployment", "sava:1.1.0": "Deployment"}
    assert "sliced out of its deployment" in (await status(api))["reason"]


async def test_a_canary_on_a_free_standing_gateway(api: harness.Harness) -> None:
    shop = {
        "name": "shop",
        "port": "9070/http",
        "routes": {"[10.0.0.9:80]": {}, "[10.0.0.10:80]": {"weight": "0%"}},
    }
    assert (await api.client.put(f"/{NAMESPACE}/api/v1/gateways/shop", json=shop)).is_success
    release = "name: shop-2\ngateway: shop\nfrom: '[10.0.0.9:80]'\nto: '[10.0.0.10:80]'\nsteps: [20%]\n"
    assert (
        await api.client.post(f"/{NAMESPACE}/api/v1/releases", content=release, headers=harness.YAML)
    ).is_success

    await controller_of(api).advance_all()

    found = (await api.client.get(f"/{NAMESPACE}/api/v1/gateways/shop")).json()
    assert {path: route["weight"] for path, route in found["routes"].items()} == {
        "[10.0.0.9:80]": "80%",
        "[10.0.0.10:80]": "20%",
    }


async def test_a_policy_stored_again_keeps_the_weights_and_continues_from_its_new_steps(
    api: harness.Harness,
) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()
    changed = RELEASE.replace("steps: [50%, 100%]", "steps: [25%, 75%, 100%]")
    assert (
        await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1", content=changed, headers=harness.YAML)
    ).is_success

    await releases.advance_all()
    found = await status(api)
    assert (found["step"], actions(found)[-1], found["policy_revision"]) == (1, "resumed", 2)
    assert await weights(api) == {BASELINE: "50%", CANDIDATE: "50%"}
    traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
    api.clock.advance(31)
    await releases.advance_all()
    assert await weights(api) == {BASELINE: "0%", CANDIDATE: "100%"}, "step 3 of the new steps"


async def test_a_policy_stored_again_with_another_candidate_puts_the_old_one_back_and_starts_again(
    api: harness.Harness,
) -> None:
    await start(api)
    releases = controller_of(api)
    await releases.advance_all()
    changed = RELEASE.replace("to: sava:1.1.0", "to: sava:1.0.0").replace(
        "from: sava:1.0.0", "from: sava:1.1.0"
    )
    assert (
        await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1", content=changed, headers=harness.YAML)
    ).is_success

    await releases.advance_all()
    restarted = await status(api)
    assert (restarted["phase"], actions(restarted)) == ("Pending", ["step", "aborted"])
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
    await releases.advance_all()
    assert await weights(api) == {BASELINE: "50%", CANDIDATE: "50%"}
    assert (await status(api))["candidate"] == BASELINE


async def test_a_canary_between_selector_routes_and_nothing_to_undeploy(api: harness.Harness) -> None:
    selected = {
        "name": "foo-ingress",
        "port": "9071/http",
        "selector": "label(app)(foo) && label(version)((.*))",
        "routes": {"(1.0.3)": {"weight": "100%"}, "(2.0.1)": {"weight": "0%"}},
    }
    assert (await api.client.put(f"/{NAMESPACE}/api/v1/gateways/foo-ingress", json=selected)).is_success
    release = "name: foo\ngateway: foo-ingress\nfrom: (1.0.3)\nto: 2.0.1\nsteps: [30%]\nundeploy: true\n"
    assert (
        await api.client.post(f"/{NAMESPACE}/api/v1/releases", content=release, headers=harness.YAML)
    ).is_success
    releases = controller_of(api)

    await releases.advance_all()
    found = (await api.client.get(f"/{NAMESPACE}/api/v1/gateways/foo-ingress")).json()
    assert {path: route["weight"] for path, route in found["routes"].items()} == {
        "(1.0.3)": "70%",
        "(2.0.1)": "30%",
    }

    assert (await api.client.put(f"/{NAMESPACE}/api/v1/releases/foo/status", content="promoted")).is_success
    await releases.advance_all()
    shown = (await api.client.get(f"/{NAMESPACE}/api/v1/releases/foo")).json()["status"]
    assert shown["phase"] == "Promoted"
    assert "Nothing to undeploy: the baseline (1.0.3) is a selector route" in shown["reason"]


async def test_the_running_controller_wakes_on_a_release_stored_and_on_a_request(
    api: harness.Harness,
) -> None:
    await start(api)
    releases = controller.ReleaseController(
        api.services.releases,
        api.services.gateways,
        api.services.deployments,
        api.metrics,
        clock=api.clock,
        period=3600.0,  # only the store's events can wake it within the test
    )
    releases.listen(api.store)

    async def phase_becomes(phase: str) -> None:
        async with asyncio.timeout(10):
            while (await status(api))["phase"] != phase:
                await asyncio.sleep(0.01)

    running = asyncio.create_task(releases.run())
    try:
        await phase_becomes("Progressing")
        await api.client.put(f"/{NAMESPACE}/api/v1/releases/sava-1.1/status", content="aborted")
        await phase_becomes("Aborted")
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
