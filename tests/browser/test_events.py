"""Issue 12's events panel against ``vamp up --demo``: with the panel open, a breed created through the API
shows up at the top without a reload, with a link to its revisions in the archive one click away; the
tag filter narrows the panel to the events with that tag, both those already there and new ones, and
is kept in the URL. Every state is saved as a screenshot.
"""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

BREED = "ui-events:1.0.0"


def send(vamp: vamp_process.Vamp, method: str, path: str, body: str) -> None:
    response = httpx.request(
        method,
        f"{vamp.url}/api/v1/{path}",
        content=body,
        headers={**vamp.headers, "content-type": "application/x-yaml"},
        timeout=10.0,
        trust_env=False,
    )
    response.raise_for_status()


def publish(vamp: vamp_process.Vamp, *tags: str, value: str) -> None:
    send(vamp, "POST", "events", json.dumps({"tags": list(tags), "type": "ui-test", "value": value}))


def open_panel(page: Page, vamp: vamp_process.Vamp) -> None:
    sign_in(page, vamp, vamp.token)
    page.get_by_role("link", name="Events").click()
    expect(page.get_by_role("status")).to_contain_text("Listening:", timeout=SEEN)


def test_a_change_made_through_the_api_shows_up_live_with_its_revisions_a_click_away(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    open_panel(page, vamp)
    events = page.get_by_role("list", name="Events, newest first")
    screenshot(page, "events")
    page.evaluate("() => { window.openedBefore = true; }")  # a reload would forget it

    breed = f"name: {BREED}\ndeployable: {{type: command, definition: 'python -m vamp.demo'}}\n"
    send(vamp, "POST", "breeds", breed)
    newest = events.locator(":scope > li").first
    expect(newest).to_contain_text(f"breeds:{BREED}", timeout=SEEN)
    expect(newest).to_contain_text("archive:create")
    assert page.evaluate("() => window.openedBefore === true"), "the page was reloaded"
    screenshot(page, "events-live")

    newest.get_by_role("link", name=f"Revisions of breeds {BREED}").click()
    revisions = page.get_by_role("article", name=f"Revisions of {BREED}")
    expect(revisions.get_by_role("heading", name="Revision 1: create")).to_be_visible(timeout=SEEN)
    expect(revisions.get_by_label("Revision 1")).to_have_text(breed)
    screenshot(page, "events-revisions")
    assert complaints == [], "the browser reported errors (a blocked file or script, say)"


def test_the_tag_filter_narrows_the_panel_to_old_and_new_events(
    page: Page, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    publish(vamp, "ui-filter", "colour:red", value="the first red")
    publish(vamp, "ui-filter", "colour:blue", value="the first blue")
    open_panel(page, vamp)
    events = page.get_by_role("list", name="Events, newest first")
    expect(events).to_contain_text("the first red", timeout=SEEN)
    expect(events).to_contain_text("the first blue")

    page.get_by_label("Filter by tag").fill("colour:red")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_have_text(
        "Listening: 1 event with the tag colour:red shown.", timeout=SEEN
    )
    assert page.url.endswith("#/events?tag=colour%3Ared"), page.url
    expect(events).to_contain_text("the first red")
    expect(events).not_to_contain_text("the first blue")

    publish(vamp, "ui-filter", "colour:blue", value="the second blue")
    publish(vamp, "ui-filter", "colour:red", value="the second red")
    items = events.locator(":scope > li")
    expect(items.first).to_contain_text("the second red", timeout=SEEN)
    expect(items).to_have_count(2)
    expect(events).not_to_contain_text("blue")
    screenshot(page, "events-filtered")

    page.reload()
    expect(page.get_by_label("Filter by tag")).to_have_value("colour:red", timeout=SEEN)
    expect(items).to_have_count(2, timeout=SEEN)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["breeds", "breeds:sava:1.0.0", "archive", "archive:create"], ["breeds", "sava:1.0.0"]),
        (["gateways", "gateways:sava/sava/webport", "route:added"], ["gateways", "sava/sava/webport"]),
        (["archive:update", "token:server/admin", "deployments:sava"], ["deployments", "sava"]),
        (["ui-filter", "colour:red"], None),
        (["breeds:"], None),
    ],
)
def test_an_event_is_about_the_artifact_its_kind_name_tag_names(
    page: Page, vamp: vamp_process.Vamp, tags: list[str], expected: list[str] | None
) -> None:
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate(
        "async (tags) => {"
        " const about = (await import('/ui/artifact_links.js')).artifactOf({ tags });"
        " return about && [about.kind, about.name]; }",
        tags,
    )
    assert found == expected
