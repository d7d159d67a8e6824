"""Issue 12's first browser test: ``vamp up --demo`` as a user runs it, and its web page in headless Chromium.

Signing in with the admin token shows the sava deployment with its two services (sava:1.0.0 and
sava:1.1.0), keeps the token out of the URL and keeps the tab signed in over a reload, with no error in
the browser's console (a file the Content-Security-Policy blocked would be one); a wrong token (401)
shows the server's refusal and no list (test_access.py: the namespaces a token may see, and viewers).
Each state is saved as a screenshot under pytest's temporary directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.e2e import vamp_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

SEEN = 15_000
"""How long, in milliseconds, the page may take to show what a test waits for."""


def sign_in(page: Page, vamp: vamp_process.Vamp, token: str) -> None:
    page.goto(f"{vamp.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=SEEN)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_the_admin_sees_the_sava_deployment_and_its_two_services(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    assert f"Web UI    {vamp.url}/" in vamp.text()
    page.goto(f"{vamp.url}/")
    expect(page.get_by_label("API token")).to_be_visible(timeout=SEEN)
    screenshot(page, "sign-in")

    sign_in(page, vamp, vamp.token)

    sava = page.get_by_role("article", name="Deployment sava")
    expect(sava).to_be_visible(timeout=SEEN)
    expect(sava.get_by_role("heading", name="Cluster sava")).to_be_visible()
    for service in ("sava:1.0.0", "sava:1.1.0"):
        row = sava.get_by_role("row").filter(has=page.get_by_role("rowheader", name=service, exact=True))
        expect(row).to_contain_text("Deployment: Done", timeout=SEEN)
        expect(row).to_contain_text("1 of 1")
    expect(sava.get_by_role("rowheader")).to_have_count(2)
    expect(page.get_by_role("status")).to_have_text("1 deployment.")
    expect(page.get_by_role("alert")).to_be_hidden()
    assert vamp.token not in page.url
    screenshot(page, "deployments")

    page.reload()
    expect(page.get_by_role("article", name="Deployment sava")).to_be_visible(timeout=SEEN)
    expect(page.get_by_label("API token")).to_be_hidden()

    assert complaints == [], "the browser reported errors (a blocked file or script, say)"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API token")).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(0)


def test_a_wrong_token_shows_the_refusal_and_no_list(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sign_in(page, vamp, "vamp_not-a-token-of-this-server")

    refusal = page.get_by_role("alert")
    expect(refusal).to_be_visible(timeout=SEEN)
    expect(refusal).to_contain_text("The token was refused (401)")
    expect(page.get_by_role("article")).to_have_count(0)
    expect(page.get_by_role("heading", name="Deployments")).to_be_hidden()
    expect(page.get_by_label("API token")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "refused")


def test_screenshots_stay_out_of_the_work_tree(screenshots: Path) -> None:
    assert Path(__file__).parents[2] not in screenshots.parents
