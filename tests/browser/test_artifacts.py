"""Issue 12's artifacts view against ``vamp up --demo``: the admin lists the kinds and the demo's breeds,
writes a new breed in the YAML editor, breaks it and sees the DSL's error at its line and column under
the editor (a click on it puts the caret there) with nothing saved, fixes and saves it, edits it, sees
its two revisions, and deletes it after a confirmation. A blueprint's page deploys it, and the
deployment shows in the deployments view and runs. Every page is saved as a screenshot.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process
from tests.e2e.vamp_process import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

BREED = "ui-breed:1.0.0"
VALID = (
    f"name: {BREED}\n"
    "deployable:\n"
    "  type: command\n"
    '  definition: "python -m vamp.demo --port $PORT --version 9"\n'
    "ports:\n"
    "  webport: 8080/http\n"
)
BROKEN = VALID.replace("8080/http", "8080/htp")
"""Line 6, column 12 holds the port the DSL refuses."""


def stored(vamp: vamp_process.Vamp, kind: str, name: str) -> httpx.Response:
    return httpx.get(f"{vamp.url}/api/v1/{kind}/{name}", headers=vamp.headers, timeout=10.0, trust_env=False)


def test_a_breed_is_written_broken_fixed_saved_edited_and_deleted(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    sign_in(page, vamp, vamp.token)
    page.get_by_role("link", name="Artifacts").click()
    expect(page.get_by_role("link", name="breeds", exact=True)).to_be_visible(timeout=SEEN)
    expect(page.get_by_role("listitem").filter(has_text="breeds")).to_contain_text("(2)")
    screenshot(page, "kinds")

    page.get_by_role("link", name="breeds", exact=True).click()
    for demo_breed in ("sava:1.0.0", "sava:1.1.0"):
        expect(page.get_by_role("rowheader", name=demo_breed)).to_be_visible(timeout=SEEN)
    expect(page.get_by_role("status")).to_have_text("breeds: 1–2 of 2.")
    screenshot(page, "breeds")

    page.get_by_role("link", name="New breed").click()
    editor = page.get_by_label("The new artifact as YAML")
    editor.fill(BROKEN)
    issues = page.get_by_role("article", name="New breeds").get_by_role("alert")
    expect(issues).to_contain_text("The DSL finds errors:", timeout=SEEN)
    place = issues.get_by_role("button", name="line 6, column 12")
    expect(place).to_be_visible()
    expect(issues).to_contain_text("Unsupported value '8080/htp' for port 'webport'")
    screenshot(page, "breed-broken")

    place.click()
    caret = page.evaluate("() => [document.activeElement.id, document.activeElement.selectionStart]")
    assert caret == ["artifact-yaml", BROKEN.index("8080/htp")]

    page.get_by_role("button", name="Save").click()
    expect(issues).to_contain_text("Not saved (400)", timeout=SEEN)
    assert stored(vamp, "breeds", BREED).status_code == 404, "a broken breed was saved"

    editor.fill(VALID)
    expect(page.get_by_text("Valid: the DSL finds no error.")).to_be_visible(timeout=SEEN)
    assert stored(vamp, "breeds", BREED).status_code == 404, "validating saved the breed"
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=BREED)).to_be_visible(timeout=SEEN)
    expect(page.get_by_role("status")).to_have_text(f"{BREED} is created.")
    assert page.url.endswith("#/artifacts/breeds/ui-breed%3A1.0.0"), page.url
    assert stored(vamp, "breeds", BREED).json()["ports"] == {"webport": "8080/http"}
    saved = page.get_by_label(f"{BREED} as YAML")
    assert saved.input_value().startswith(f"name: {BREED}\n")
    screenshot(page, "breed-saved")
    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, "on a phone-wide window the page scrolls sideways"
    screenshot(page, "breed-saved-narrow")
    page.set_viewport_size({"width": 1280, "height": 720})

    saved.fill(saved.input_value().replace("8080/http", "8081/http"))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(f"{BREED} is saved.", timeout=SEEN)
    assert stored(vamp, "breeds", BREED).json()["ports"] == {"webport": "8081/http"}

    page.get_by_role("link", name="Revisions").click()
    revisions = page.get_by_role("article", name=f"Revisions of {BREED}")
    expect(revisions.get_by_role("listitem")).to_have_count(2, timeout=SEEN)
    expect(revisions.get_by_role("heading", name="Revision 2: update")).to_be_visible()
    expect(revisions.get_by_role("heading", name="Revision 1: create")).to_be_visible()
    expect(revisions.get_by_label("Revision 1")).to_contain_text("8080/http")
    screenshot(page, "breed-revisions")

    page.get_by_role("link", name=f"{BREED} now").click()
    page.get_by_role("button", name=f"Delete {BREED}").click()
    expect(page.get_by_text(f"Delete the breeds artifact {BREED}?")).to_be_visible()
    screenshot(page, "breed-delete-confirmation")
    assert stored(vamp, "breeds", BREED).status_code == 200, "asking for a confirmation deleted the breed"
    page.get_by_role("button", name=f"Yes, delete {BREED}").click()
    expect(page.get_by_role("status")).to_have_text(f"{BREED} is deleted.", timeout=SEEN)
    expect(page.get_by_role("rowheader", name=BREED)).to_have_count(0)
    assert stored(vamp, "breeds", BREED).status_code == 404
    # The DSL's refusals are 400 answers, which Chromium reports too; anything else is an error of the page.
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert [text for text in complaints if text != refused] == [], "the browser reported errors"


def test_a_blueprint_is_deployed_from_its_page(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    sign_in(page, vamp, vamp.token)
    page.goto(f"{vamp.url}/#/artifacts/blueprints")
    page.get_by_role("link", name="sava:1.1", exact=True).click()
    expect(page.get_by_role("heading", name="sava:1.1", exact=True)).to_be_visible(timeout=SEEN)
    assert page.get_by_label("sava:1.1 as YAML").input_value().startswith("name: sava:1.1\n")
    field = page.get_by_label("Deployment name")
    expect(field).to_have_value("sava")
    field.fill("ui-sava")
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_text("sava:1.1 is being deployed as ui-sava.")).to_be_visible(timeout=SEEN)
    screenshot(page, "blueprint-deployed")

    page.get_by_role("link", name="See the deployments").click()
    deployment = page.get_by_role("article", name="Deployment ui-sava")
    expect(deployment).to_be_visible(timeout=SEEN)
    expect(deployment.get_by_role("rowheader", name="sava:1.1.0")).to_be_visible()
    eventually(
        lambda: vamp.service_states("ui-sava") == {"sava:1.1.0": "Done"},
        timeout=vamp_process.DEPLOY_SECONDS,
        what="ui-sava is deployed",
    )
    page.reload()
    expect(deployment.get_by_role("row").filter(has_text="sava:1.1.0")).to_contain_text(
        "Deployment: Done", timeout=SEEN
    )
    screenshot(page, "deployments")


def test_a_kind_with_more_than_a_page_is_shown_a_page_at_a_time(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    scales = "---\n".join(
        f"name: ui-scale-{index:02}\ncpu: 0.1\nmemory: 64MB\ninstances: 1\n" for index in range(32)
    )
    response = httpx.post(
        f"{vamp.url}/api/v1/scales",
        content=scales,
        headers={**vamp.headers, "content-type": "application/x-yaml"},
        timeout=10.0,
        trust_env=False,
    )
    assert response.status_code == 202, response.text
    sign_in(page, vamp, vamp.token)
    page.goto(f"{vamp.url}/#/artifacts/scales")
    expect(page.get_by_role("status")).to_have_text("scales: 1–30 of 32.", timeout=SEEN)
    expect(page.get_by_role("rowheader")).to_have_count(30)
    expect(page.get_by_role("link", name="Previous page")).to_have_count(0)
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("status")).to_have_text("scales: 31–32 of 32.", timeout=SEEN)
    expect(page.get_by_role("rowheader")).to_have_count(2)
    assert page.url.endswith("#/artifacts/scales?page=2"), page.url
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    screenshot(page, "scales-page-2")
    page.get_by_role("link", name="Previous page").click()
    expect(page.get_by_role("status")).to_have_text("scales: 1–30 of 32.", timeout=SEEN)


def test_a_viewer_s_write_controls_are_marked_and_hidden_and_a_forced_save_is_refused(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    created = vamp.cli(
        "token", "create", "--name", "ui-artifacts-viewer", "--role", "viewer", "--scope", "server"
    )
    secret = created.stdout.split()[-1]
    before = stored(vamp, "blueprints", "sava:1.0").json()
    sign_in(page, vamp, secret)
    page.goto(f"{vamp.url}/#/artifacts/blueprints/sava%3A1.0")
    expect(page.get_by_role("heading", name="sava:1.0", exact=True)).to_be_visible(timeout=SEEN)
    for control in (
        page.get_by_role("button", name="Save", exact=True, include_hidden=True),
        page.get_by_role("button", name="Delete sava:1.0", exact=True, include_hidden=True),
        page.get_by_role("button", name="Deploy", exact=True, include_hidden=True),
        page.get_by_label("Deployment name"),
    ):
        expect(control).to_have_attribute("data-write", "")
        expect(control).to_be_hidden()
    screenshot(page, "viewer")
    page.goto(f"{vamp.url}/#/artifacts/blueprints")
    new = page.get_by_role("link", name="New blueprint", include_hidden=True)
    expect(new).to_have_attribute("data-write", "", timeout=SEEN)
    expect(new).to_be_hidden()

    forced = page.evaluate(
        "async ([secret, body]) => (await fetch('/api/v1/blueprints/sava%3A1.0', {method: 'PUT',"
        " body: JSON.stringify(body), headers: {Authorization: `Bearer ${secret}`,"
        " 'Content-Type': 'application/json'}})).status",
        [secret, {**before, "metadata": {"forced": "yes"}}],
    )
    assert forced == 403
    assert stored(vamp, "blueprints", "sava:1.0").json() == before


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [(1, 1, 0), (2, 3, 10), (3, 1, 15), (2, 99, 14), (9, 1, 15), (0, 0, 0)],
)
def test_an_issue_s_line_and_column_are_a_place_in_the_text(
    page: Page, vamp: vamp_process.Vamp, line: int, column: int, expected: int
) -> None:
    """Where the caret goes for an issue: past the end of a line or of the text, to the end of it."""
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate(
        "async ([line, column]) =>"
        " (await import('/ui/yaml_editor.js')).offsetOf('name: x\\nports:\\nend', line, column)",
        [line, column],
    )
    assert found == expected
