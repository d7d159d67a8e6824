"""Issue 12's gateways page against ``vamp up --demo``: the admin opens the gateway list (name, port,
routes with weights; the demo's gateway, on a free port here (demo.py), routes to the internal
``sava/sava/webport``), opens ``sava/sava/webport``, moves its two sliders to 50/50 (moving one moves the
other) and applies them in one PUT; the demo's gateway port then splits real requests half and half. A
viewer sees the weights on disabled sliders and no Apply; a PUT forced with its token is refused (403) and
the weights stay. A reload keeps the view.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Screenshot
from tests.browser.demo import Demo
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process
from tests.e2e.vamp_process import share, versions

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

SAMPLES = 600
GATEWAY = "sava/sava/webport"
OLD = "sava/sava/sava:1.0.0/webport"
NEW = "sava/sava/sava:1.1.0/webport"


def weights(vamp: vamp_process.Vamp) -> dict[str, str]:
    gateway = vamp.api(f"gateways/{GATEWAY.replace('/', '%2F')}")
    return {path: route.get("weight") for path, route in gateway["routes"].items()}


def open_gateway(page: Page, demo: Demo, token: str) -> None:
    vamp = demo.vamp
    sign_in(page, vamp, token)
    page.get_by_role("link", name="Gateways").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=GATEWAY, exact=True))
    expect(row).to_contain_text("/http", timeout=SEEN)
    expect(row).to_contain_text(OLD)
    expect(page.get_by_role("cell", name=f"{demo.port}/http", exact=True)).to_be_visible()
    row.get_by_role("link", name=GATEWAY).click()
    expect(page.get_by_role("article", name=f"Gateway {GATEWAY}")).to_be_visible(timeout=SEEN)
    assert page.url.endswith("#/gateways/sava%2Fsava%2Fwebport"), page.url


def test_the_admin_moves_sava_to_50_50_and_the_gateway_splits_requests(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    puts: list[str] = []

    def saved(request: Request) -> None:  # the PUTs that save, not those that only check (validate_only)
        if request.method == "PUT" and "validate_only" not in request.url:
            puts.append(request.url)

    page.on("request", saved)
    open_gateway(page, demo, vamp.token)
    screenshot(page, "gateway-before")

    old = page.get_by_label(f"{OLD}: ")
    new = page.get_by_label(f"{NEW}: ")
    old.fill("30")
    expect(page.get_by_text(f"{NEW}: 70%")).to_be_visible()
    old.fill("50")
    expect(page.get_by_text(f"{OLD}: 50%")).to_be_visible()
    expect(page.get_by_text(f"{NEW}: 50%")).to_be_visible()
    expect(new).to_have_value("50")

    plan = vamp.plan()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text(
        f"The new weights of {GATEWAY} are applied.", timeout=SEEN
    )
    screenshot(page, "gateway-applied")
    assert puts == [f"{vamp.url}/api/v1/gateways/sava%2Fsava%2Fwebport"]
    assert weights(vamp) == {OLD: "50%", NEW: "50%"}

    vamp.settled(plan, timeout=30.0)
    split = versions(demo.port, SAMPLES)
    assert sum(split.values()) >= 500
    assert abs(share(split, "1.0") - 0.5) <= 0.05, split
    assert abs(share(split, "1.1") - 0.5) <= 0.05, split

    page.reload()
    expect(page.get_by_text(f"{OLD}: 50%")).to_be_visible(timeout=SEEN)
    assert complaints == [], "the browser reported errors (a blocked file or script, say)"


def test_a_viewer_sees_the_weights_but_no_apply_and_a_forced_put_is_refused(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    created = vamp.cli("token", "create", "--name", "ui-viewer", "--role", "viewer", "--scope", "server")
    secret = created.stdout.split()[-1]
    assert secret.startswith("vamp_"), created.stdout
    before = weights(vamp)
    open_gateway(page, demo, secret)

    expect(page.get_by_label(f"{OLD}: ")).to_be_disabled()
    expect(page.get_by_label(f"{NEW}: ")).to_be_disabled()
    expect(page.get_by_role("button", name="Apply")).to_be_hidden()
    screenshot(page, "gateway-viewer")

    gateway = vamp.api(f"gateways/{GATEWAY.replace('/', '%2F')}")
    gateway["routes"][OLD]["weight"], gateway["routes"][NEW]["weight"] = "20%", "80%"
    forced = page.evaluate(
        "async ([path, secret, body]) => (await fetch(path, {method: 'PUT', body: JSON.stringify(body),"
        " headers: {Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json'}})).status",
        [f"/api/v1/gateways/{GATEWAY.replace('/', '%2F')}", secret, gateway],
    )
    assert forced == 403
    assert weights(vamp) == before


@pytest.mark.parametrize(
    ("weights", "moved", "value", "expected"),
    [
        ([100, 0], 0, 50, [50, 50]),
        ([60, 30, 10], 0, 20, [20, 60, 20]),
        ([100, 0, 0], 0, 40, [40, 30, 30]),
        ([34, 33, 33], 2, 100, [0, 0, 100]),
        ([100], 0, 40, [100]),
    ],
)
def test_the_sliders_keep_the_routes_at_100_percent(
    page: Page, vamp: vamp_process.Vamp, weights: list[int], moved: int, value: int, expected: list[int]
) -> None:
    """With more than two routes, the others share the rest in proportion (evenly when they had none)."""
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate(
        "async ([weights, moved, value]) =>"
        " (await import('/ui/gateways.js')).rebalance(weights, moved, value)",
        [weights, moved, value],
    )
    assert found == expected
    assert sum(found) == 100
