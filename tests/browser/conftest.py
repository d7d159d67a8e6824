"""Fixtures for browser tests: Debian's headless Chromium, driven by Playwright, once for all of them.

``demo`` is ``vamp up --demo`` (demo.py) for a test module and ``vamp`` its Vamp. ``chromium`` starts
``/usr/bin/chromium`` (``make chromium`` installs it; no browser is ever downloaded) with a fresh profile in
pytest's temporary directory and the flags this closed network needs (no background networking, no component
updates, no sync), and closes it after the last test of ``tests/browser``; it fails if a Chromium process of
that profile is still alive then. It lives for the package, not the session: Playwright's synchronous API
keeps an asyncio loop of its own while it runs, which the asyncio tests of the other packages must not find.
``page`` is a new tab per test, so each test starts with an empty ``sessionStorage``; ``own_page`` is a tab in
a Chromium of its own, for a test that installs Playwright's clock (which would fake the time of every later
tab of the shared one). ``screenshot`` saves a PNG of a page into a folder under pytest's temporary directory
(never into the work tree) and returns its path; a screenshot the README shows is named
(``readme="ui-gateway-charts.png"``) and also written to the folder ``$VAMP_README_IMAGES`` names, when it is
set: ``VAMP_README_IMAGES=docs/images .venv/bin/pytest tests/browser/test_gateway_charts.py
tests/browser/test_releases.py`` takes the README's images again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.demo import Demo, started
from tests.e2e import vamp_process
from tests.e2e.vamp_process import eventually, pids_under

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Without the background-networking flags Chromium keeps calling hosts this machine's network refuses."""

README_IMAGES = "VAMP_README_IMAGES"


class Screenshot(Protocol):
    def __call__(self, tab: Page, state: str, *, readme: str | None = None) -> Path: ...


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium and chromium-driver")
    with sync_playwright() as running:
        yield running


@contextlib.contextmanager
def launched(playwright: Playwright, profile: Path) -> Iterator[BrowserContext]:
    """Chromium with the profile ``profile``; closed at the end, and every process of it gone."""
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=list(FLAGS), timeout=30_000
    )
    try:
        yield context
    finally:
        context.close()
        eventually(lambda: not pids_under(profile), timeout=10.0, what=f"every Chromium of {profile} exited")


@pytest.fixture(scope="package")
def chromium(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with launched(playwright, tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def _tab(context: BrowserContext) -> Page:
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


@pytest.fixture
def page(chromium: BrowserContext) -> Iterator[Page]:
    tab = _tab(chromium)
    try:
        yield tab
    finally:
        tab.close()


@pytest.fixture
def own_page(playwright: Playwright, tmp_path: Path) -> Iterator[Page]:
    """A tab in a Chromium of its own, for a test that changes what every tab of a browser shares: a
    Playwright clock installed in one tab fakes Date and timers in every later tab of its browser."""
    with launched(playwright, tmp_path / "chromium-profile") as context:
        yield _tab(context)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``vamp up --demo`` for the test module (demo.py), stopped by its PID after the module's last test."""
    with started(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def vamp(demo: Demo) -> vamp_process.Vamp:
    """The demo's Vamp; a module that needs another one (a plain ``vamp server``) defines its own."""
    return demo.vamp


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the session's screenshots go to."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshots: Path, request: pytest.FixtureRequest) -> Screenshot:
    def take(tab: Page, state: str, *, readme: str | None = None) -> Path:
        path = screenshots / f"{request.node.name}-{state}.png"
        tab.screenshot(path=path, full_page=True)
        folder = os.environ.get(README_IMAGES)
        if readme is not None and folder:
            shutil.copyfile(path, Path(folder) / readme)
        return path

    return take
