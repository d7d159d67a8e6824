"""Issue 12's deployment pages against ``vamp up --demo``, as the admin uses them.

The list links each deployment to its page (state and ports in the list); sava's page shows its cluster,
both services with their instances running and their health, and the gateway of the cluster's port,
which opens that gateway's page. Scaling sava:1.1.0 to 2 instances in the page runs a second instance,
seen in the page without a reload. Slicing out sava:1.0.0 while it still has 90 % of the traffic is
refused in place and nothing is sent. Exporting shows the YAML the API exports, with a download link
that gives the same text. A stored blueprint merged into another deployment from its page adds its
cluster; undeploying that deployment (after a confirmation) removes it. The page is live: weights
changed with the CLI show without a reload. Last, once its traffic is moved, sava:1.1.0 is sliced out
from the page (after a confirmation) and every request reaches 1.0. Every page is screenshot.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.demo import Demo
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

DEPLOYED = 90_000
"""How long, in milliseconds, a change may take to be deployed and shown (a process starts)."""

MORE = """\
name: sava-more
kind: blueprints
clusters:
  more:
    services:
      breed: sava:1.0.0
      scale: {cpu: 0.1, memory: 32MB, instances: 1}
"""


def open_deployment(page: Page, vamp: vamp_process.Vamp, name: str) -> Locator:
    sign_in(page, vamp, vamp.token)
    listed = page.get_by_role("article", name=f"Deployment {name}")
    expect(listed).to_contain_text("deployed", timeout=SEEN)
    expect(listed).to_contain_text("Ports: sava.webport=")
    listed.get_by_role("link", name=name, exact=True).click()
    assert page.url.endswith(f"#/deployments/{name}"), page.url
    expect(page.get_by_role("link", name="All deployments")).to_be_visible(timeout=SEEN)
    return page.get_by_role("article", name=f"Deployment {name}")


def service(deployment: Locator, breed: str) -> Locator:
    return deployment.get_by_role("article", name=f"Service {breed}")


def running_instances(part: Locator) -> Locator:
    return part.get_by_role("row").filter(has_text="running")


def test_sava_shows_its_cluster_services_instances_health_and_gateway(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sava = open_deployment(page, vamp, "sava")
    cluster = sava.get_by_role("group", name="Cluster sava")
    expect(cluster.get_by_role("heading", name="Cluster sava")).to_be_visible()
    for breed, instance in (
        ("sava:1.0.0", "sava-sava-sava-1-0-0-1"),
        ("sava:1.1.0", "sava-sava-sava-1-1-0-1"),
    ):
        part = service(cluster, breed)
        expect(part.get_by_role("heading", name=breed)).to_be_visible()
        expect(part).to_contain_text("State: deployed")
        expect(part).to_contain_text("Health: 1 of 1 instances healthy")
        row = part.get_by_role("row").filter(has=page.get_by_role("rowheader", name=instance))
        expect(row).to_contain_text("127.0.0.1")
        expect(row).to_contain_text("webport=")
        expect(row).to_contain_text("running")
    expect(cluster.get_by_role("article")).to_have_count(2)
    expect(page.get_by_role("alert")).to_be_hidden()
    screenshot(page, "deployment")

    cluster.get_by_role("link", name="sava/sava/webport").click()
    expect(page.get_by_role("article", name="Gateway sava/sava/webport")).to_be_visible(timeout=SEEN)
    assert page.url.endswith("#/gateways/sava%2Fsava%2Fwebport"), page.url


def test_scaling_sava_1_1_0_to_two_instances_runs_two(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sava = open_deployment(page, vamp, "sava")
    canary = service(sava, "sava:1.1.0")
    expect(running_instances(canary)).to_have_count(1)

    canary.get_by_label("Instances", exact=True).fill("2")
    canary.get_by_role("button", name="Scale").click()

    expect(page.get_by_role("status")).to_contain_text(
        "sava:1.1.0 is being scaled to 2 instances", timeout=SEEN
    )
    canary = service(page.get_by_role("article", name="Deployment sava"), "sava:1.1.0")
    expect(running_instances(canary)).to_have_count(2, timeout=DEPLOYED)
    expect(canary).to_contain_text("Scale: 2 instances")
    expect(page.get_by_role("status")).to_contain_text("Done: deployment sava is deployed", timeout=SEEN)
    screenshot(page, "scaled")
    services = vamp.api("deployments/sava")["clusters"]["sava"]["services"]
    scaled = next(item for item in services if item["breed"]["name"] == "sava:1.1.0")
    assert scaled["scale"]["instances"] == 2
    assert len(scaled["instances"]) == 2


def test_slicing_out_a_service_that_has_traffic_is_refused_in_place(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    deletes: list[str] = []
    page.on("request", lambda request: deletes.append(request.url) if request.method == "DELETE" else None)
    sava = open_deployment(page, vamp, "sava")
    old = service(sava, "sava:1.0.0")

    old.get_by_role("button", name="Slice sava:1.0.0 out…").click()

    refusal = old.get_by_role("alert")
    expect(refusal).to_contain_text("sava:1.0.0 still gets 90% of port webport's traffic")
    expect(refusal).to_contain_text("move it to the other services on gateway sava/sava/webport first")
    expect(old.get_by_role("button", name="Slice sava:1.0.0 out", exact=True)).to_be_hidden()
    screenshot(page, "slice-refused")
    assert deletes == []
    breeds = [item["breed"]["name"] for item in vamp.api("deployments/sava")["clusters"]["sava"]["services"]]
    assert breeds == ["sava:1.0.0", "sava:1.1.0"]


def test_exporting_sava_shows_the_blueprint_and_downloads_it(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot, tmp_path: Path
) -> None:
    sava = open_deployment(page, vamp, "sava")
    sava.get_by_label("Format").select_option("YAML")
    sava.get_by_role("button", name="Export as blueprint").click()

    exported = sava.get_by_label("Blueprint of sava (YAML)")
    expect(exported).to_contain_text("kind: blueprints", timeout=SEEN)
    expected = httpx.get(
        f"{vamp.url}/api/v1/deployments/sava",
        params={"as_blueprint": "true"},
        headers={**vamp.headers, "accept": "application/x-yaml"},
        timeout=10.0,
        trust_env=False,
    ).text
    assert exported.inner_text().strip() == expected.strip()
    screenshot(page, "exported")

    with page.expect_download() as started_download:
        sava.get_by_role("link", name="Download sava.yaml").click()
    download = started_download.value
    assert download.suggested_filename == "sava.yaml"
    saved = tmp_path / "sava.yaml"
    download.save_as(saved)
    assert saved.read_text() == expected


def test_a_blueprint_merged_in_from_the_page_then_undeployed_after_confirming(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    vamp.cli("create", "-f", "-", stdin=MORE)
    vamp.cli("deploy", "sava:1.1", "extra", "--wait", "--timeout", "90")
    extra = open_deployment(page, vamp, "extra")

    extra.get_by_label("Blueprint to merge").select_option("sava-more")
    extra.get_by_role("button", name="Merge").click()

    expect(page.get_by_role("status")).to_contain_text("Blueprint sava-more is being merged into extra")
    extra = page.get_by_role("article", name="Deployment extra")
    more = extra.get_by_role("group", name="Cluster more")
    expect(running_instances(service(more, "sava:1.0.0"))).to_have_count(1, timeout=DEPLOYED)
    screenshot(page, "merged")
    assert set(vamp.api("deployments/extra")["clusters"]) == {"sava", "more"}

    extra.get_by_role("button", name="Undeploy extra…").click()
    question = extra.get_by_role("group", name="Undeploy extra?", exact=False)
    expect(question).to_be_visible()
    screenshot(page, "undeploy-asked")
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_be_hidden()
    assert vamp.api("deployments/extra")["name"] == "extra"

    extra.get_by_role("button", name="Undeploy extra…").click()
    extra.get_by_role("button", name="Undeploy extra", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Deployment extra is undeployed.", timeout=DEPLOYED)
    screenshot(page, "undeployed")
    gone = httpx.get(f"{vamp.url}/api/v1/deployments/extra", headers=vamp.headers, trust_env=False)
    assert gone.status_code == 404


def test_a_change_made_elsewhere_shows_without_a_reload(page: Page, vamp: vamp_process.Vamp) -> None:
    sava = open_deployment(page, vamp, "sava")
    gateways = sava.get_by_role("list", name="Gateways of cluster sava")
    expect(gateways).to_contain_text("sava:1.0.0 90%, sava:1.1.0 10%")
    page.evaluate("window.notReloaded = true")

    vamp.cli("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@80%,sava:1.1.0@20%")

    expect(gateways).to_contain_text("sava:1.0.0 80%, sava:1.1.0 20%", timeout=SEEN)
    assert page.evaluate("window.notReloaded") is True


def test_sava_1_1_0_sliced_out_once_its_traffic_is_moved(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    plan = vamp.plan()
    vamp.cli("update-gateway", "sava/sava/webport", "--weights", "sava:1.0.0@100%,sava:1.1.0@0%")
    vamp.settled(plan, timeout=30.0)
    sava = open_deployment(page, vamp, "sava")
    canary = service(sava, "sava:1.1.0")

    canary.get_by_role("button", name="Slice sava:1.1.0 out…").click()
    expect(canary.get_by_role("alert")).to_be_hidden()
    canary.get_by_role("button", name="Slice sava:1.1.0 out", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("sava:1.1.0 is being sliced out of sava", timeout=SEEN)
    sava = page.get_by_role("article", name="Deployment sava")
    expect(service(sava, "sava:1.1.0")).to_have_count(0, timeout=DEPLOYED)
    expect(running_instances(service(sava, "sava:1.0.0"))).to_have_count(1)
    screenshot(page, "sliced")
    breeds = [item["breed"]["name"] for item in vamp.api("deployments/sava")["clusters"]["sava"]["services"]]
    assert breeds == ["sava:1.0.0"]
    assert vamp_process.versions(demo.port, 50) == {"1.0": 50}
