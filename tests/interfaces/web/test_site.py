"""The web UI's files as the server serves them: the page at ``/`` and its files under ``/ui/``, with no
token, with headers that keep the page to this server, while the API still asks for a token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from vamp.interfaces.web import site

pytestmark = pytest.mark.anyio


async def test_the_page_is_served_at_the_root_without_a_token(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<label for="token">API token</label>' in page.text
    assert '<script type="module" src="/ui/app.js"></script>' in page.text


KINDS = {".js": "javascript", ".css": "text/css", ".html": "text/html"}
SERVED = sorted(
    path.relative_to(site.STATIC).as_posix()
    for path in site.STATIC.rglob("*")
    if path.is_file() and path.suffix in KINDS
)
"""Every file of the page in the package (uPlot's under vendor/, put there by `make ui`)."""


def test_the_package_holds_the_page_and_the_charts_library() -> None:
    assert {
        "index.html",
        "app.js",
        "api.js",
        "style.css",
        "vendor/uPlot.esm.js",
        "vendor/uPlot.min.css",
    } <= set(SERVED), "vendor/ is filled by `make ui`"


@pytest.mark.parametrize("name", SERVED)
async def test_every_file_of_the_page_is_served_under_ui(anonymous: httpx.AsyncClient, name: str) -> None:
    found = await anonymous.get(f"/ui/{name}")
    assert found.status_code == 200
    assert KINDS[Path(name).suffix] in found.headers["content-type"]
    assert found.headers["content-security-policy"] == site.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/ui/app.js"])
async def test_the_page_may_load_nothing_from_elsewhere(anonymous: httpx.AsyncClient, path: str) -> None:
    headers = (await anonymous.get(path)).headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


async def test_a_missing_file_is_a_404_not_a_page(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/ui/missing.js")).status_code == 404


async def test_the_api_still_asks_for_a_token(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/api/v1/deployments")).status_code == 401
    assert (await anonymous.get("/healthz")).status_code == 200
