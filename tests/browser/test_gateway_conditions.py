"""Issue 12's condition editors on a gateway's page, against ``vamp up --demo`` (demo.py: the demo's gateway
on a free port, routing to the internal ``sava/sava/webport``, sava 1.0 and 1.1 by weight).

A broken condition (``user-agent ==``) shows, under its field, exactly the message the DSL gives for it
(the page asks the server with ``validate_only``), marks the field invalid, and Apply saves nothing: the
gateway as GET returns it is unchanged. ``user-agent == Firefox`` at 100 % on sava:1.1.0's route, applied
with the same Apply as the weights, sends every real Firefox request through the demo's port to 1.1, while
the others still split by the weights. Each route shows its targets as GET gives them; the sticky setting
is saved by the same Apply.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import accessibility
from tests.browser.conftest import Screenshot
from tests.browser.demo import Demo
from tests.browser.test_gateways import GATEWAY, NEW, OLD, open_gateway
from tests.browser.test_signin_deployments import SEEN
from tests.e2e import vamp_process
from tests.e2e.vamp_process import eventually, share, versions

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

SAMPLES = 600
ADDRESS = f"gateways/{GATEWAY.replace('/', '%2F')}"
FIREFOX = {"User-Agent": "Firefox"}
BROKEN = "user-agent =="


def gateway(vamp: vamp_process.Vamp) -> dict[str, Any]:
    found: dict[str, Any] = vamp.api(ADDRESS)
    return found


def dsl_message(vamp: vamp_process.Vamp, condition: str) -> str:
    """What the server itself says about ``condition`` on sava:1.1.0's route (asked with validate_only)."""
    body = gateway(vamp)
    body["routes"][NEW]["condition"] = condition
    refused = httpx.put(
        f"{vamp.url}/api/v1/{ADDRESS}?validate_only=true",
        content=json.dumps(body),
        headers={**vamp.headers, "Content-Type": "application/json"},
        timeout=10.0,
        trust_env=False,
    )
    assert refused.status_code == 400, refused.text
    [issue] = refused.json()["issues"]
    assert issue["path"] == f"routes['{NEW}'].condition"
    message: str = issue["message"]
    return message


def problem_of(page: Page, field: Locator) -> Locator:
    """The element the field's aria-describedby names: where its problem is shown."""
    described = field.get_attribute("aria-describedby")
    assert described, "the field names no description"
    return page.locator(f"[id='{described}']")


def condition_field(page: Page, route: str) -> Locator:
    return page.get_by_label(f"Condition of {route}", exact=True)


def strength_field(page: Page, route: str) -> Locator:
    return page.get_by_label(f"Condition strength (%) of {route}", exact=True)


def test_a_broken_condition_shows_the_dsls_error_under_its_field_and_nothing_is_saved(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    before = gateway(vamp)
    expected = dsl_message(vamp, BROKEN)
    puts: list[str] = []
    page.on("request", lambda request: puts.append(request.url) if request.method == "PUT" else None)
    thrown: list[str] = []
    page.on("pageerror", lambda error: thrown.append(str(error)))
    accessibility.checked(page)
    open_gateway(page, demo, vamp.token)
    field = condition_field(page, NEW)
    expect(field).to_have_value("")
    problem = problem_of(page, field)
    expect(problem).to_be_hidden()

    field.fill(BROKEN)  # and the user pauses: the page asks the server

    expect(problem).to_be_visible(timeout=SEEN)
    assert problem.text_content() == expected
    expect(field).to_have_attribute("aria-invalid", "true")
    field_box, problem_box = field.bounding_box(), problem.bounding_box()
    assert field_box is not None
    assert problem_box is not None
    assert problem_box["y"] >= field_box["y"] + field_box["height"] - 1, "the message is under the field"
    assert puts, "the page did not ask the server"
    assert all(url.endswith("?validate_only=true") for url in puts), puts
    assert accessibility.serious_violations(page, ".routing") == []
    screenshot(page, "condition-broken")

    page.get_by_role("button", name="Apply").click()

    article = page.get_by_role("article", name=f"Gateway {GATEWAY}")
    outcome = article.get_by_role("form", name="Route weights").locator(".outcome")
    expect(outcome).to_have_text(
        f"Not applied (400): the condition of {NEW} is not valid: see the message under the field.",
        timeout=SEEN,
    )
    expect(field).to_be_focused()
    assert problem.text_content() == expected
    assert all(url.endswith("?validate_only=true") for url in puts), puts
    assert gateway(vamp) == before
    screenshot(page, "condition-refused")
    # A phone: the message wraps, nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "condition-refused-narrow")

    field.fill("user-agent == Firefox")
    expect(problem).to_be_hidden(timeout=SEEN)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(strength_field(page, NEW)).to_have_value("100")  # a new condition applies in full
    field.fill("")
    expect(strength_field(page, NEW)).to_have_value("0")  # and none at all at 0 %, as the DSL has it
    assert gateway(vamp) == before
    assert thrown == [], "the page's scripts threw"


def test_firefox_reaches_1_1_by_condition_and_the_others_split_by_weight(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    before = gateway(vamp)
    weights = {path: int(route["weight"].rstrip("%")) for path, route in before["routes"].items()}
    thrown: list[str] = []
    page.on("pageerror", lambda error: thrown.append(str(error)))
    open_gateway(page, demo, vamp.token)
    targets = page.get_by_role("list", name=f"Targets of {NEW}")
    assert before["routes"][NEW]["targets"], before
    for target in before["routes"][NEW]["targets"]:
        expect(targets).to_contain_text(f"{target['host']}:{target['port']}")
    condition_field(page, NEW).fill("user-agent == Firefox")
    strength = strength_field(page, NEW)
    expect(strength).to_have_value("100")  # a new condition applies in full unless told otherwise
    strength.fill("100")
    screenshot(page, "condition-entered")

    plan = vamp.plan()
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text(
        f"The new weights of {GATEWAY} are applied.", timeout=SEEN
    )
    route = gateway(vamp)["routes"][NEW]
    assert route["condition"]["condition"] == "user-agent == Firefox"
    assert route["condition_strength"] == "100%"
    assert {path: int(r["weight"].rstrip("%")) for path, r in gateway(vamp)["routes"].items()} == weights
    expect(page.get_by_text("Now: user-agent == Firefox, strength 100%.")).to_be_visible()
    expect(condition_field(page, NEW)).to_have_value("user-agent == Firefox")
    screenshot(page, "condition-applied")
    assert thrown == [], "the page's scripts threw"

    vamp.settled(plan, timeout=30.0)
    eventually(
        lambda: versions(demo.port, 20, FIREFOX) == Counter({"1.1": 20}),
        timeout=30.0,
        every=0.2,
        what="Firefox requests reach sava 1.1",
    )
    firefox = versions(demo.port, SAMPLES, FIREFOX)
    assert firefox == Counter({"1.1": SAMPLES}), firefox
    others = versions(demo.port, SAMPLES)
    assert sum(others.values()) >= 500
    assert abs(share(others, "1.0") - weights[OLD] / 100) <= 0.05, (others, weights)
    assert abs(share(others, "1.1") - weights[NEW] / 100) <= 0.05, (others, weights)


def test_sticky_is_saved_by_the_same_apply(
    page: Page, demo: Demo, vamp: vamp_process.Vamp, screenshot: Screenshot
) -> None:
    open_gateway(page, demo, vamp.token)
    sticky = page.get_by_label("Sticky sessions", exact=True)
    expect(sticky).to_have_value("none")

    sticky.select_option("route")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("status")).to_have_text(
        f"The new weights of {GATEWAY} are applied.", timeout=SEEN
    )
    assert gateway(vamp)["sticky"] == "route"
    expect(page.get_by_text("Sticky sessions now: route.")).to_be_visible()
    screenshot(page, "sticky-route")

    page.get_by_label("Sticky sessions", exact=True).select_option("none")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Sticky sessions now: none.")).to_be_visible(timeout=SEEN)
    assert gateway(vamp)["sticky"] is None


@pytest.mark.parametrize(
    ("path", "place"),
    [
        (f"routes['{NEW}'].condition", {"route": NEW, "part": "condition"}),
        (f"routes['{NEW}'].condition_strength", {"route": NEW, "part": "condition_strength"}),
        ("""routes["it's"].condition""", {"route": "it's", "part": "condition"}),
        ("sticky", {"part": "sticky"}),
        (f"routes['{NEW}'].weight", None),
        ("port", None),
    ],
)
def test_each_issue_goes_to_the_field_its_path_names(
    page: Page, vamp: vamp_process.Vamp, path: str, place: dict[str, str] | None
) -> None:
    """The server names a route's condition as Python does (``routes['P'].condition``; ``"P"`` when P has
    a quote); issues of other fields (weights, port) are Apply's to show."""
    page.goto(f"{vamp.url}/ui/index.html")
    found = page.evaluate("async (path) => (await import('/ui/route_editor.js')).placeOf(path)", path)
    assert found == place
