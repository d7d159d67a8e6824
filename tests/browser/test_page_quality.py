"""Issue 12's "quality a user notices", page by page, against ``vamp up --demo``.

For each page in ``PAGES`` (the sign-in page and each signed-in view; the lead adds the views of the
other slices to ``VIEWS`` as they land): axe-core, the accessibility checker ``make ui`` installs in
web/node_modules, finds no violation of impact "serious" or "critical"; at 375×740 (a phone) the page
does not scroll sideways and every nav link is inside the window; the view's URL opened directly in a
signed-in tab, and reloaded, shows that view, as does one opened before signing in, once signed in. The
nav works from the keyboard alone (Tab to a link, with a visible focus ring, Enter to follow it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.browser import accessibility
from tests.browser.conftest import Screenshot
from tests.browser.test_signin_deployments import SEEN, sign_in
from tests.e2e import vamp_process

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

NARROW: ViewportSize = {"width": 375, "height": 740}


@dataclass(frozen=True)
class View:
    """A view's URL and what shows that it is the one on the page."""

    hash: str
    nav: str
    """The name of the nav link marked as the current page."""
    role: str
    name: str

    def shown(self, page: Page) -> Locator:
        return page.get_by_role(self.role, name=self.name, exact=True)  # type: ignore[arg-type]


VIEWS = [
    View("#/deployments", "Deployments", "article", "Deployment sava"),
    View("#/gateways", "Gateways", "link", "sava/sava/webport"),
    View("#/gateways/sava%2Fsava%2Fwebport", "Gateways", "article", "Gateway sava/sava/webport"),
    View("#/releases", "Releases", "heading", "Releases"),
    View("#/artifacts", "Artifacts", "heading", "Artifacts"),
    View("#/artifacts/breeds", "Artifacts", "link", "sava:1.0.0"),
    View("#/artifacts/breeds/sava%3A1.0.0", "Artifacts", "heading", "Artifacts"),
    View("#/events", "Events", "heading", "Events"),
    View("#/deployments/sava", "Deployments", "article", "Deployment sava"),
]
"""Every view a user can bookmark; the views of releases, artifacts and events join as they land."""

PAGES = [None, *VIEWS]
"""Every page: ``None`` is the sign-in page."""


def page_id(view: View | None) -> str:
    """A name for test ids and screenshot files (no slashes)."""
    return "sign-in" if view is None else view.hash.removeprefix("#/").replace("/", "-")


def open_page(page: Page, vamp: vamp_process.Vamp, view: View | None) -> None:
    """The page as a user reaches it: signed in (or not), the view's URL opened, its content loaded."""
    if view is None:
        page.goto(f"{vamp.url}/")
        expect(page.get_by_label("API token")).to_be_visible(timeout=SEEN)
        return
    sign_in(page, vamp, vamp.token)
    expect(page.get_by_role("link", name="Gateways")).to_be_visible(timeout=SEEN)
    page.goto(f"{vamp.url}/{view.hash}")
    expect(view.shown(page).first).to_be_visible(timeout=SEEN)
    expect(page.locator("#status")).not_to_contain_text("Loading", timeout=SEEN)


@pytest.mark.parametrize("view", PAGES, ids=page_id)
def test_the_accessibility_checker_finds_no_serious_violation(
    page: Page, vamp: vamp_process.Vamp, view: View | None, screenshot: Screenshot
) -> None:
    accessibility.checked(page)
    open_page(page, vamp, view)
    assert page.evaluate("typeof axe") == "object"
    screenshot(page, "checked")
    serious = accessibility.serious_violations(page)
    assert serious == [], "\n".join(serious)


@pytest.mark.parametrize("view", PAGES, ids=page_id)
def test_a_narrow_window_never_scrolls_sideways(
    page: Page, vamp: vamp_process.Vamp, view: View | None, screenshot: Screenshot
) -> None:
    page.set_viewport_size(NARROW)
    open_page(page, vamp, view)
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, window: window.innerWidth})"
    )
    screenshot(page, "narrow")
    assert widths["window"] == NARROW["width"]
    assert widths["scroll"] <= widths["window"], widths
    for link in page.locator("nav a:visible").all():
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0, (link.inner_text(), box)
        assert box["x"] + box["width"] <= NARROW["width"], (link.inner_text(), box)


@pytest.mark.parametrize("view", VIEWS, ids=page_id)
def test_a_bookmarked_view_opens_and_reloads_as_itself(
    page: Page, vamp: vamp_process.Vamp, view: View
) -> None:
    sign_in(page, vamp, vamp.token)
    expect(page.get_by_role("link", name="Gateways")).to_be_visible(timeout=SEEN)
    page.goto("about:blank")
    page.goto(f"{vamp.url}/{view.hash}")  # a fresh load, as a bookmark opens it, in the signed-in tab
    for _ in range(2):
        expect(view.shown(page).first).to_be_visible(timeout=SEEN)
        current = page.get_by_role("navigation", name="Views").locator("[aria-current=page]")
        expect(current).to_have_text(view.nav)
        expect(page.get_by_label("API token")).to_be_hidden()
        assert page.url == f"{vamp.url}/{view.hash}"
        page.reload()


@pytest.mark.parametrize("view", VIEWS, ids=page_id)
def test_a_bookmark_opened_before_signing_in_shows_its_view_after(
    page: Page, vamp: vamp_process.Vamp, view: View
) -> None:
    page.goto(f"{vamp.url}/{view.hash}")
    page.get_by_label("API token").fill(vamp.token)
    page.get_by_role("button", name="Sign in").click()
    expect(view.shown(page).first).to_be_visible(timeout=SEEN)
    assert page.url == f"{vamp.url}/{view.hash}"


def test_the_nav_works_from_the_keyboard_with_a_visible_focus(page: Page, vamp: vamp_process.Vamp) -> None:
    sign_in(page, vamp, vamp.token)
    expect(VIEWS[0].shown(page)).to_be_visible(timeout=SEEN)
    link = page.get_by_role("navigation", name="Views").get_by_role("link", name="Gateways")
    for _ in range(10):
        page.keyboard.press("Tab")
        if link.evaluate("node => node === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Gateways link of the nav")
    ring = link.evaluate("node => getComputedStyle(node).outlineStyle")
    assert ring not in ("none", ""), ring
    page.keyboard.press("Enter")
    gateways = next(view for view in VIEWS if view.hash == "#/gateways")
    expect(gateways.shown(page)).to_be_visible(timeout=SEEN)
    assert page.url.endswith("#/gateways")
