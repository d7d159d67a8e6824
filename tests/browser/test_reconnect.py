"""Issue 12: "stopping the server shows 'reconnecting' and the page recovers when it is back".

``vamp up --demo`` (its home, port and demo port kept); the admin signs in and sees sava. Vamp is stopped
by its PID: the page says "Reconnecting…" by itself (the heartbeat to /healthz), asks /healthz again
0.5 to 2 s after each check, and a view opened meanwhile says it cannot reach the server. Vamp is
started again on the same home and port: the banner goes, and the view the user is on shows its data
again, with no reload by the user. (A broken event stream says so at once, shown with a plain
``vamp server``.)
"""

from __future__ import annotations

import itertools
import socket
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import demo
from tests.browser.conftest import Screenshot
from tests.browser.test_signin_deployments import sign_in
from tests.e2e import vamp_process
from tests.e2e.vamp_process import eventually

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

NOTICED = 15_000
"""Milliseconds the page may take to notice the server is gone or back (heartbeat 5 s, retries ≤ 2 s)."""
GATEWAY = "sava/sava/webport"


WATCH_HEALTHZ = """() => {
    window.healthz = [];
    const fetched = window.fetch;
    window.fetch = (...asked) => {
        if (!String(asked[0]).endsWith("/healthz")) return fetched(...asked);
        const check = [performance.now(), null];
        window.healthz.push(check);
        const answered = fetched(...asked);
        answered.finally(() => { check[1] = performance.now(); }).catch(() => {});
        return answered;
    };
}"""
"""Records when the page asks /healthz and when that ends: [start, end] on the browser's clock, in ms."""


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_lost_server_shows_reconnecting_and_the_page_recovers_by_itself(
    page: Page, tmp_path: Path, screenshot: Screenshot
) -> None:
    home = tmp_path / "home"
    up = demo.arguments(demo.free_port())
    with vamp_process.started(home, *up) as first:
        port = int(first.url.rsplit(":", 1)[1])
        token = first.token
        sign_in(page, first, token)
        expect(page.get_by_role("article", name="Deployment sava")).to_be_visible(timeout=NOTICED)
        banner = page.get_by_text("Reconnecting")
        expect(banner).to_be_hidden()
        page.evaluate("window.notReloaded = true")
        page.evaluate(WATCH_HEALTHZ)

        assert first.stop() == 0, first.text()
        eventually(lambda: not listening(port), timeout=10.0, what=f"nothing listens on {port}")

        expect(banner).to_be_visible(timeout=NOTICED)
        lost = page.evaluate("window.healthz.length") - 1  # the check that found the server gone
        expect(page.get_by_role("alert").filter(has_text="Reconnecting")).to_be_visible()
        page.get_by_role("link", name="Gateways").click()
        expect(page.get_by_role("alert").filter(has_text="could not be loaded")).to_contain_text(
            "cannot be reached", timeout=NOTICED
        )
        screenshot(page, "reconnecting")

        with vamp_process.started(home, *up, port=port) as second:
            assert second.token == token
            expect(banner).to_be_hidden(timeout=NOTICED)
            times = page.evaluate("window.healthz")[lost:]  # up to the check that found it back
            expect(page.get_by_role("link", name=GATEWAY)).to_be_visible(timeout=NOTICED)
            expect(page.locator("#status")).to_have_text("2 gateways.")
            expect(page.get_by_role("alert")).to_have_count(0)
            assert page.evaluate("window.notReloaded") is True
            assert page.url.endswith("#/gateways")
            screenshot(page, "recovered")
        # While the server was away the page asked /healthz again and again, 0.5 to 2 s after each check.
        pauses = [later[0] - earlier[1] for earlier, later in itertools.pairwise(times)]
        assert len(pauses) >= 2, times
        assert min(pauses) >= 400, pauses
        assert max(pauses) <= 2_500, pauses


def test_a_broken_event_stream_shows_reconnecting_at_once(page: Page, tmp_path: Path) -> None:
    """The page need not wait for its heartbeat: a stream the server's end broke says it first."""
    with vamp_process.started(tmp_path / "home", "server", ready=None) as vamp:
        sign_in(page, vamp, vamp.token)
        expect(page.get_by_text("No deployments yet.")).to_be_visible(timeout=NOTICED)
        page.evaluate(
            "async () => { const api = await import('/ui/api.js');"
            " window.streamed = api.stream('events/stream', () => {}).then(() => 'ended', e => e.message); }"
        )
        expect(page.locator("#status")).to_have_text("0 deployments.")
        vamp.stop()
        expect(page.get_by_text("Reconnecting")).to_be_visible(timeout=3_000)
        assert page.evaluate("window.streamed") == "The Vamp server cannot be reached."
