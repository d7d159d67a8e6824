"""The web UI's files as the server serves them: the page at ``/`` and its files under ``/ui/``, with no
token, with headers that keep the page to this server, while the API still asks for a token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.interfaces.api import harness
from vamp.adapters.store import memory
from vamp.interfaces.web import site

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def anonymous() -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app that sends no token, as a browser opening the page does."""
    built = harness.build(memory.MemoryStore(clock=lambda: harness.NOW))
    await built.client.aclose()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=built.app), base_url="http://vamp"
    ) as client:
        yield client


async def test_the_page_is_served_at_the_root_without_a_token(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<label for="token">API token</label>' in page.text
    assert '<script type="module" src="/ui/app.js"></script>' in page.text


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/ui/app.js", "javascript"),
        ("/ui/api.js", "javascript"),
        ("/ui/dom.js", "javascript"),
        ("/ui/gateways.js", "javascript"),
        ("/ui/deployments.js", "javascript"),
        ("/ui/artifacts.js", "javascript"),
        ("/ui/artifact_page.js", "javascript"),
        ("/ui/artifact_links.js", "javascript"),
        ("/ui/yaml_editor.js", "javascript"),
        ("/ui/revisions.js", "javascript"),
        ("/ui/events.js", "javascript"),
        ("/ui/style.css", "text/css"),
        ("/ui/connection.js", "javascript"),
        ("/ui/pager.js", "javascript"),
        ("/ui/layout.css", "text/css"),
    ],
)
async def test_the_page_files_are_served_under_ui(anonymous: httpx.AsyncClient, path: str, kind: str) -> None:
    found = await anonymous.get(path)
    assert found.status_code == 200
    assert kind in found.headers["content-type"]


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


def test_every_file_the_page_names_is_in_the_package() -> None:
    names = {path.name for path in site.STATIC.iterdir()}
    assert {"index.html", "app.js", "api.js", "dom.js", "deployments.js", "gateways.js", "style.css"} <= names
