"""Issue 12's sign-in by namespace and viewers' pages, against ``vamp up --demo`` with an environment
acme-prod (organisation acme) that runs a deployment ``shop`` of its own.

A token scoped to acme-prod signs in to acme-prod: the header's chooser offers only acme-prod and the
page shows shop, not the default namespace's sava. The admin may choose between the server's default
namespace and acme-prod, and the choice survives a reload. A viewer sees no control that writes (no
element with ``data-write`` is visible) on any page it can open: the deployments, sava's page, the
gateways and a gateway's page (whose sliders show the weights, disabled); a write forced with its token
still gets 403 and changes nothing. An agent's token (routing plans only) is refused at sign-in with
the reason. Each page is screenshot.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.demo import Demo
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

VISIBLE_WRITES = "[...document.querySelectorAll('[data-write]')].filter((e) => e.checkVisibility()).length"
ALL_WRITES = "document.querySelectorAll('[data-write]').length"
FORCED_PUT = (
    "async ([path, secret, body]) => (await fetch(path, {method: 'PUT', body: JSON.stringify(body),"
    " headers: {Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json'}})).status"
)
"""A PUT the page would never send: the status the server answers it with."""


@pytest.fixture(scope="module")
def vamp(demo: Demo) -> vamp_process.Vamp:
    """The demo, with environment acme-prod running ``shop`` (sava 1.1 under another name)."""
    vamp = demo.vamp
    vamp.cli("organisation", "create", "acme")
    vamp.cli("environment", "create", "prod", "--organisation", "acme")
    sava = vamp.api("deployments/sava", as_blueprint="true")["clusters"]["sava"]["services"]
    canary = [service for service in sava if service["breed"]["name"] == "sava:1.1.0"]
    shop = {"name": "shop", "kind": "blueprints", "clusters": {"sava": {"services": canary}}}
    vamp.cli(
        "deploy", "shop", "--file", "-", "--namespace", "acme-prod", "--wait", "--timeout", "90",
        stdin=json.dumps(shop),
    )  # fmt: skip
    return vamp


def token(vamp: vamp_process.Vamp, name: str, role: str, scope: str) -> str:
    created = vamp.cli("token", "create", "--name", name, "--role", role, "--scope", scope)
    secret = created.stdout.split()[-1]
    assert secret.startswith("vamp_"), created.stdout
    return secret


def namespaces(page: Page) -> list[str]:
    return page.get_by_label("Namespace").locator("option").all_inner_texts()


def test_a_token_scoped_to_acme_prod_signs_in_to_acme_prod(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    asked: list[str] = []
    page.on(
        "request", lambda request: asked.append(request.url) if "/api/v1/deployments" in request.url else None
    )
    secret = token(vamp, "ui-prod", "viewer", "acme-prod")

    sign_in(page, vamp, secret)

    expect(page.get_by_role("article", name="Deployment shop")).to_be_visible(timeout=SEEN)
    expect(page.get_by_role("article", name="Deployment sava")).to_have_count(0)
    expect(page.get_by_label("Namespace")).to_have_value("acme-prod")
    assert namespaces(page) == ["acme-prod"]
    expect(page.get_by_role("banner")).to_contain_text("ui-prod (viewer of acme-prod)")
    expect(page.get_by_role("alert")).to_be_hidden()
    assert f"{vamp.url}/acme-prod/api/v1/deployments?per_page=30" in asked
    screenshot(page, "acme-prod")

    page.reload()
    expect(page.get_by_role("article", name="Deployment shop")).to_be_visible(timeout=SEEN)
    expect(page.get_by_label("Namespace")).to_have_value("acme-prod")


def test_the_admin_chooses_between_the_default_namespace_and_acme_prod(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sign_in(page, vamp, vamp.token)
    expect(page.get_by_role("article", name="Deployment sava")).to_be_visible(timeout=SEEN)
    assert namespaces(page) == ["the server's default", "acme-prod"]

    page.get_by_label("Namespace").select_option("acme-prod")

    expect(page.get_by_role("article", name="Deployment shop")).to_be_visible(timeout=SEEN)
    expect(page.get_by_role("article", name="Deployment sava")).to_have_count(0)
    screenshot(page, "chosen")
    page.reload()
    expect(page.get_by_role("article", name="Deployment shop")).to_be_visible(timeout=SEEN)
    page.get_by_label("Namespace").select_option("the server's default")
    expect(page.get_by_role("article", name="Deployment sava")).to_be_visible(timeout=SEEN)


def test_a_viewer_sees_no_control_that_writes_and_a_forced_write_gets_403(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    secret = token(vamp, "ui-viewer", "viewer", "server")
    sign_in(page, vamp, secret)
    expect(page.get_by_role("banner")).to_contain_text("ui-viewer (viewer of server)", timeout=SEEN)

    pages = {
        "deployments": ("#/deployments", "Deployment sava"),
        "deployment": ("#/deployments/sava", "Service sava:1.1.0"),
        "gateways": ("#/gateways", None),
        "gateway": ("#/gateways/sava%2Fsava%2Fwebport", "Gateway sava/sava/webport"),
        "demo-gateway": (f"#/gateways/sava%2F{demo.port}", f"Gateway sava/{demo.port}"),
    }
    for state, (address, article) in pages.items():
        page.goto(f"{vamp.url}/{address}")
        if article is None:
            expect(page.get_by_role("link", name="sava/sava/webport")).to_be_visible(timeout=SEEN)
        else:
            expect(page.get_by_role("article", name=article)).to_be_visible(timeout=SEEN)
        expect(page.get_by_role("alert")).to_be_hidden()
        assert page.evaluate(VISIBLE_WRITES) == 0, f"{address} shows a control that writes to a viewer"
        screenshot(page, state)
        if state == "deployment":
            assert page.evaluate(ALL_WRITES) > 0, "sava's page has controls that write (for writers)"
            hidden = page.get_by_role("button", name="Scale", include_hidden=True)
            expect(hidden).to_have_count(2)
            expect(hidden.first).to_be_hidden()
        if state == "gateway":
            expect(page.get_by_label("sava/sava/sava:1.0.0/webport: ")).to_be_disabled()

    scale = "/api/v1/deployments/sava/clusters/sava/services/sava%3A1.1.0/scale"
    forced = page.evaluate(FORCED_PUT, [scale, secret, {"cpu": 0.2, "memory": "64MB", "instances": 3}])
    assert forced == 403
    services = vamp.api("deployments/sava")["clusters"]["sava"]["services"]
    assert [item["scale"]["instances"] for item in services] == [1, 1]


def test_an_agent_token_is_refused_at_sign_in_with_the_reason(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sign_in(page, vamp, token(vamp, "ui-agent", "agent", "server"))

    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("The token was refused (403)", timeout=SEEN)
    expect(refusal).to_contain_text("Sign in with a viewer, operator, owner or admin token.")
    expect(page.get_by_label("API token")).to_be_visible()
    expect(page.get_by_label("Namespace")).to_have_count(0)
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "agent-refused")
