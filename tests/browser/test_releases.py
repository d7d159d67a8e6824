"""Issue 12's releases in the web UI against ``vamp up --demo``: the admin opens the demo's gateway
``sava/sava/webport`` (1.1 first put at 0 %, where a release starts from), starts a canary from sava:1.0.0
to sava:1.1.0 with the page's form (2-second steps, steady traffic through the demo's gateway port so the
judge has samples) and lands on the release's page. Without a reload the page then shows the release's
steps and decisions (with the judge's figures) as the controller takes them; Pause and Resume swap the
buttons that apply; Abort (after its confirmation) puts the weights back where they were, on the page and
on the API; the list shows the release aborted. The timeline's screenshot is the README's.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import accessibility
from tests.browser.conftest import Screenshot
from tests.browser.demo import Demo
from tests.browser.test_gateways import GATEWAY, NEW, OLD, open_gateway, weights
from tests.browser.test_signin_deployments import sign_in
from tests.e2e import vamp_process
from tests.e2e.releases import wait_phase
from tests.e2e.traffic import Traffic
from tests.e2e.vamp_process import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

RELEASE = "sava-1.1.0"
"""The name the form suggests for a release to sava:1.1.0."""
RATE = 40.0
"""Requests a second through the demo's gateway while the release runs."""
STEPS = "10, 20, 30, 40, 50, 60, 70, 80, 90"
"""Many short steps, so that the release is still running when the test aborts it."""
LIVE = 60_000
"""How long, in milliseconds, the page may take to show a step the controller takes."""
SEEN = 15_000


def test_a_canary_started_on_the_gateway_page_moves_live_and_abort_puts_the_weights_back(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text) if message.type == "error" else None)
    streams: list[str] = []
    page.on(
        "request", lambda request: streams.append(request.url) if "events/stream" in request.url else None
    )
    plan = vamp.plan()
    vamp.cli("update-gateway", GATEWAY, "--weights", f"{OLD}@100%,{NEW}@0%")
    vamp.settled(plan, timeout=30.0)
    before = weights(vamp)
    assert before == {OLD: "100%", NEW: "0%"}

    with Traffic(demo.port, rate=RATE):
        open_gateway(page, demo, vamp.token)
        form = page.get_by_role("form", name="Start a release")
        expect(form.get_by_label("From (baseline)")).to_have_value(OLD)
        expect(form.get_by_label("To (candidate)")).to_have_value(NEW)
        expect(form.get_by_label("Release name")).to_have_value(RELEASE)
        form.get_by_label("Strategy").select_option("canary")
        form.get_by_label("Steps (the candidate's weights, %)").fill(STEPS)
        form.get_by_label("Interval (least time per step)").fill("2s")
        form.get_by_label("Samples (candidate requests a step needs)").fill("20")
        screenshot(page, "start-form")
        form.get_by_role("button", name="Start release").click()

        release = page.get_by_role("article", name=f"Release {RELEASE}")
        expect(release).to_be_visible(timeout=SEEN)
        assert page.url.endswith(f"#/releases/{RELEASE}"), page.url
        page.evaluate("window.stillTheSamePage = true")
        expect(release.get_by_text("canary", exact=True)).to_be_visible()

        timeline = release.get_by_role("list", name="Decisions, newest first")
        for step in ("step 1", "step 2", "step 3"):
            taken = timeline.get_by_role("listitem").filter(has_text=step).filter(has_text="Weights:")
            expect(taken.first).to_be_visible(timeout=LIVE)
        expect(timeline.get_by_role("table").first).to_contain_text("errors", timeout=LIVE)
        expect(timeline.get_by_role("listitem").nth(2)).to_be_visible(timeout=LIVE)
        expect(release.get_by_role("button", name="Resume")).to_be_hidden()
        screenshot(page, "timeline", readme="ui-release-timeline.png")
        assert accessibility.serious_violations(page, "article.release") == []
        assert f"{vamp.url}/api/v1/events/stream?tag=release-statuses%3A{RELEASE}" in streams, streams

        release.get_by_role("button", name="Promote").click()
        expect(release.get_by_text(f"Promote {RELEASE}? All traffic goes to {NEW} at once.")).to_be_visible()
        release.get_by_role("button", name="Cancel").click()
        expect(release.get_by_role("button", name="Yes, promote")).to_be_hidden()

        release.get_by_role("button", name="Pause").click()
        expect(release.get_by_text("Paused", exact=True).first).to_be_visible(timeout=LIVE)
        expect(release.get_by_role("button", name="Pause")).to_be_hidden()
        release.get_by_role("button", name="Resume").click()
        expect(release.get_by_role("button", name="Pause")).to_be_visible(timeout=LIVE)

        release.get_by_role("button", name="Abort").click()
        release.get_by_role("button", name="Yes, abort").click()
        expect(release.get_by_text("Aborted", exact=True).first).to_be_visible(timeout=LIVE)
        bars = release.get_by_role("list", name="Current weights")
        expect(bars.get_by_role("listitem").filter(has_text=OLD)).to_contain_text("100%")
        expect(bars.get_by_role("listitem").filter(has_text=NEW)).to_contain_text("0%")
        expect(timeline.get_by_role("listitem").first).to_contain_text("aborted")
        for action in ("Pause", "Resume", "Promote", "Abort"):
            expect(release.get_by_role("button", name=action)).to_be_hidden()
        screenshot(page, "aborted")
        page.set_viewport_size({"width": 400, "height": 800})
        expect(bars).to_be_visible()
        wider = page.evaluate("document.documentElement.scrollWidth")
        assert wider <= 400, f"on a 400 px wide window the page is {wider} px wide"
        screenshot(page, "narrow")

    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    done = wait_phase(vamp, RELEASE, "Aborted", timeout=10.0)
    actions = [decision["action"] for decision in done["decisions"]]
    assert actions.count("step") >= 2, actions
    assert {"paused", "resumed", "aborted"} <= set(actions), actions
    eventually(lambda: weights(vamp) == before, timeout=10.0, what="the gateway's weights are back")

    page.get_by_role("link", name="Releases", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=RELEASE, exact=True))
    expect(row).to_contain_text("Aborted", timeout=SEEN)
    expect(row).to_contain_text(GATEWAY)
    assert complaints == [], complaints


def test_a_release_the_dsl_refuses_shows_why_under_the_form_and_nothing_is_stored(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    open_gateway(page, demo, vamp.token)
    form = page.get_by_role("form", name="Start a release")
    form.get_by_label("Release name").fill("refused-release")
    form.get_by_label("Interval (least time per step)").fill("soon")
    form.get_by_role("button", name="Start release").click()

    refusal = form.get_by_role("alert")
    expect(refusal).to_contain_text("Not started (400)", timeout=SEEN)
    expect(refusal).to_contain_text("interval")
    screenshot(page, "refused")
    assert accessibility.serious_violations(page, ".release-start") == []
    assert "#/gateways/" in page.url, page.url
    assert [item["name"] for item in vamp.api("releases")] in ([], [RELEASE]), "nothing new is stored"


def test_an_unknown_release_shows_the_servers_answer(page: Page, vamp: vamp_process.Vamp) -> None:
    sign_in(page, vamp, vamp.token)
    expect(page.get_by_role("link", name="Releases", exact=True)).to_be_visible(timeout=SEEN)
    page.goto(f"{vamp.url}/#/releases/no-such-release")
    alert = page.locator("#error")
    expect(alert).to_contain_text("The releases could not be loaded", timeout=SEEN)
    expect(alert).to_contain_text("no-such-release")
    expect(page.get_by_role("button", name="Abort")).to_have_count(0)


def test_blue_green_and_ab_ask_for_their_condition_and_a_canary_does_not(page: Page, demo: Demo) -> None:
    open_gateway(page, demo, demo.vamp.token)
    form = page.get_by_role("form", name="Start a release")
    expect(form.get_by_label("Steps (the candidate's weights, %)")).to_be_visible()
    expect(form.get_by_label("Preview condition")).to_be_hidden()
    form.get_by_label("Strategy").select_option("blue-green")
    expect(form.get_by_label("Preview condition")).to_be_visible()
    expect(form.get_by_label("Steps (the candidate's weights, %)")).to_be_hidden()
    form.get_by_label("Strategy").select_option("ab")
    expect(form.get_by_label("Cohort condition")).to_be_visible()


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        (
            {"strategy": "canary", "steps": ["5%", "50%", "100%"], "status": {"step": 1}},
            "Step 2 of 3 (candidate at 50%)",
        ),
        ({"strategy": "blue-green", "status": {"step": 0}}, "Step 1 of 2"),
        ({"strategy": "ab", "status": {"step": None}}, "Not started"),
    ],
)
def test_the_step_is_shown_from_1_with_the_candidates_weight(
    page: Page, vamp: vamp_process.Vamp, release: dict[str, object], expected: str
) -> None:
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate(
        "async (release) => (await import('/ui/release_timeline.js')).stepText(release)", release
    )
    assert found == expected


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("sava/sava/sava:1.1.0/webport", "sava-1.1.0"),
        ("sava/sava/(2.0.1)", "2.0.1"),
        ("shop/web/shop:2.0 beta/port", "shop-2.0-beta"),
    ],
)
def test_the_form_suggests_a_release_name_from_the_candidate(
    page: Page, vamp: vamp_process.Vamp, route: str, expected: str
) -> None:
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate(
        "async (route) => (await import('/ui/release_start.js')).suggestedName('g/w', route)", route
    )
    assert found == expected
