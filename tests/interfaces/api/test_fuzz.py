"""Bad input is never a 500: Hypothesis sends arbitrary bodies (text, and JSON shaped like artifacts) to the
endpoints that read them, and every answer is a 2xx or a 4xx with a message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, SAVA_1_0, YAML
from vamp.adapters.store import memory

KEYS = [
    "name", "kind", "clusters", "services", "breed", "scale", "deployable", "ports", "gateways", "routes",
    "weight", "condition", "condition_strength", "port", "sticky", "cpu", "memory", "instances", "tags",
    "type", "value", "timestamp", "aggregator", "reference", "import", "environment_variables",
    "dependencies", "selector", "sla", "escalations", "definition", "lt", "gte", "field", "webport", "sava",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        ["100%", "50%", "8080/http", "9050", "sava:1.0.0", "breeds", "deployments", "0.5", "64MB"]
    ),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=20,
)
ENDPOINTS = [
    ("POST", "/api/v1/breeds"),
    ("POST", "/api/v1/blueprints"),
    ("PUT", "/api/v1/gateways/sava/sava/webport"),
    ("POST", "/api/v1/gateways"),
    ("POST", "/api/v1/deployments"),
    ("DELETE", "/api/v1/deployments/sava"),
    ("POST", "/api/v1"),
    ("POST", "/api/v1/events"),
    ("GET", "/api/v1/events"),
    ("PUT", "/api/v1/deployments/sava/clusters/sava/services/sava:1.0.0/scale"),
]


class Api:
    """The app with sava deployed, driven from synchronous Hypothesis tests on a loop of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.harness = harness.build(memory.MemoryStore(clock=lambda: harness.NOW))
        self.send("PUT", "/api/v1/deployments/sava", SAVA_1_0, YAML)

    def send(self, method: str, url: str, body: str, headers: dict[str, str]) -> Any:
        request = self.harness.client.request(method, url, content=body, headers=headers)
        return self.loop.run_until_complete(request)

    def close(self) -> None:
        self.loop.run_until_complete(self.harness.client.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    found = Api()
    yield found
    found.close()


def _check(answer: Any) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert isinstance(answer.json()["message"], str)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
@settings(max_examples=60, deadline=None)
@given(document=DOCUMENTS)
def test_json_shaped_like_artifacts_is_never_a_500(api: Api, method: str, url: str, document: Any) -> None:
    _check(api.send(method, url + "?validate_only=true", json.dumps(document), JSON))


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_is_never_a_500(api: Api, method: str, url: str, text: str) -> None:
    _check(api.send(method, url + "?validate_only=true", text, YAML))


@settings(max_examples=100, deadline=None)
@given(
    page=st.text(max_size=5),
    namespace=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=1, max_size=12),
)
def test_any_namespace_and_page_is_never_a_500(api: Api, page: str, namespace: str) -> None:
    _check(api.send("GET", f"/{quote(namespace, safe='')}/api/v1/breeds?page={quote(page)}", "", {}))
