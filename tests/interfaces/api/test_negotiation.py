"""JSON and YAML in and out, the headers every answer carries, CORS, and errors that are never tracebacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, SAVA_1_0, YAML, Harness
from vamp import errors
from vamp.adapters.store import memory
from vamp.interfaces.api import app, negotiation

pytestmark = pytest.mark.anyio

SCALE = {"name": "small", "kind": "scales", "metadata": {}, "cpu": 0.2, "memory": "64.00MB", "instances": 2}
SCALE_YAML = "name: small\ncpu: 0.2\nmemory: 64MB\ninstances: 2\n"
UNSUPPORTED = "Only the following media types are supported: application/json, application/x-yaml."


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (SCALE_YAML, YAML),
        (json.dumps({"name": "small", "cpu": 0.2, "memory": "64MB", "instances": 2}), JSON),
        (SCALE_YAML, {"content-type": "application/x-yaml; charset=utf-8"}),
        (SCALE_YAML, {}),
    ],
)
async def test_bodies_are_json_or_yaml(api: Harness, body: str, headers: dict[str, str]) -> None:
    created = await api.client.post("/api/v1/scales", content=body, headers=headers)

    assert created.status_code == 201
    assert created.json() == SCALE


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
async def test_other_body_types_are_refused(api: Harness, content_type: str) -> None:
    refused = await api.client.post(
        "/api/v1/scales", content=SCALE_YAML, headers={"content-type": content_type}
    )

    assert refused.status_code == 400
    assert refused.json() == {"message": UNSUPPORTED}


async def test_a_body_that_is_not_utf8_is_refused(api: Harness) -> None:
    refused = await api.client.post("/api/v1/scales", content=b"name: \xff", headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {"message": "The body is not UTF-8 text (byte 6); send JSON or YAML in UTF-8."}


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        ("application/x-yaml", yaml.safe_load),
        ("application/json", json.loads),
        ("*/*", json.loads),
        ("application/json;q=0.5, application/x-yaml", yaml.safe_load),
        ("text/html, application/*;q=0.8", json.loads),
    ],
)
async def test_answers_follow_accept(api: Harness, accept: str, parse: Any) -> None:
    await api.client.post("/api/v1/scales", content=SCALE_YAML, headers=YAML)

    found = await api.client.get("/api/v1/scales/small", headers={"accept": accept})

    assert found.status_code == 200
    wanted = negotiation.YAML if parse is yaml.safe_load else negotiation.JSON
    assert found.headers["content-type"] == wanted
    assert parse(found.text) == SCALE


async def test_errors_follow_accept_too(api: Harness) -> None:
    missing = await api.client.get("/api/v1/scales/nothing", headers={"accept": "application/x-yaml"})

    assert missing.status_code == 404
    assert yaml.safe_load(missing.text) == {"message": "scales 'nothing' not found."}


async def test_an_accept_the_api_cannot_answer_is_refused_before_acting(api: Harness) -> None:
    refused = await api.client.post(
        "/api/v1/scales", content=SCALE_YAML, headers={**YAML, "accept": "text/html"}
    )

    assert refused.status_code == 400
    assert refused.json() == {"message": UNSUPPORTED}
    assert (await api.client.get("/api/v1/scales")).json() == []


async def test_answers_are_never_cached(api: Harness) -> None:
    for answer in (
        await api.client.get("/api/v1/scales"),
        await api.client.get("/api/v1/scales/nothing"),
        await api.client.get("/api/v1/info"),
    ):
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["pragma"] == "no-cache"


PREFLIGHT = {
    "origin": "http://ui.example",
    "access-control-request-method": "PUT",
    "access-control-request-headers": "content-type",
}


async def test_cors_is_off_by_default(api: Harness) -> None:
    preflight = await api.client.options("/api/v1/scales", headers=PREFLIGHT)
    listed = await api.client.get("/api/v1/scales", headers={"origin": "http://ui.example"})

    assert "access-control-allow-origin" not in preflight.headers
    assert listed.status_code == 200
    assert "access-control-allow-origin" not in listed.headers


async def test_cors_allows_the_named_origins_only_and_exposes_the_paging_headers() -> None:
    named = harness.build(memory.MemoryStore(), app.Settings(cors_origins=("http://ui.example",)))
    async with named.client as client:
        preflight = await client.options("/api/v1/scales", headers=PREFLIGHT)
        listed = await client.get("/api/v1/scales", headers={"origin": "http://ui.example"})
        other = await client.get("/api/v1/scales", headers={"origin": "http://evil.example"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://ui.example"
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-max-age"] == "1800"
    assert listed.headers["access-control-allow-origin"] == "http://ui.example"
    assert set(listed.headers["access-control-expose-headers"].split(", ")) == {"Link", "X-Total-Count"}
    assert "access-control-allow-origin" not in other.headers


async def test_large_answers_are_compressed(api: Harness) -> None:
    body = "".join(f"---\nname: s{index}\ncpu: 1\nmemory: 1GB\n" for index in range(30))
    await api.client.post("/api/v1/scales", content=body, headers=YAML)

    listed = await api.client.get("/api/v1/scales", headers={"accept-encoding": "gzip"})

    assert listed.headers["content-encoding"] == "gzip"
    assert len(listed.json()) == 30


@pytest.mark.parametrize(
    ("method", "url", "status", "message"),
    [
        ("GET", "/nothing", 404, "There is no /nothing; the API's endpoints are listed at /openapi.json."),
        ("PATCH", "/api/v1/scales", 405, "PATCH is not allowed on /api/v1/scales."),
        (
            "GET",
            "/api/v1/scales?page=x",
            400,
            "Invalid query parameter 'page': "
            "Input should be a valid integer, unable to parse string as an integer.",
        ),
        (
            "GET",
            "/api/v1/scales?per_page=0",
            400,
            "Invalid query parameter 'per_page': a page size is from 1 to 30 (larger ones up to "
            "1,000,000 are read as 30), not 0.",
        ),
        (
            "PUT",
            "/api/v1/scales/small?validate_only=maybe",
            400,
            "Invalid query parameter 'validate_only': "
            "Input should be a valid boolean, unable to interpret input.",
        ),
    ],
)
async def test_requests_that_cannot_be_served_say_why(
    api: Harness, method: str, url: str, status: int, message: str
) -> None:
    answer = await api.client.request(method, url)

    assert answer.status_code == status
    assert answer.json() == {"message": message}


async def test_an_unexpected_failure_is_500_without_a_traceback(
    api: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("the secret internals")

    monkeypatch.setattr(api.store, "list", broken)

    failed = await api.client.get("/api/v1/scales")

    assert failed.status_code == 500
    assert failed.json() == {"message": "Internal server error."}
    assert "ZeroDivisionError" in caplog.text


async def test_store_failures_are_503_with_the_reason(api: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise errors.StoreError("The database at sqlite:///x cannot be reached: disk I/O error.")

    monkeypatch.setattr(api.store, "get", unreachable)

    failed = await api.client.get("/api/v1/scales/small")

    assert failed.status_code == 503
    assert failed.json() == {"message": "The database at sqlite:///x cannot be reached: disk I/O error."}


async def test_a_conflict_that_outlasts_the_retries_is_409(
    api: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    async def lost(*args: object, **kwargs: object) -> None:
        raise errors.ConflictError("deployments/sava was changed by someone else; read it again and retry.")

    monkeypatch.setattr(api.store, "put", lost)

    failed = await api.client.put(
        "/api/v1/deployments/sava/clusters/sava/services/sava:1.0.0/scale",
        content="cpu: 1\nmemory: 1GB\ninstances: 3\n",
        headers=YAML,
    )

    assert failed.status_code == 409
    assert failed.json()["message"].startswith("deployments/sava was changed by someone else")
