"""Events through the API: publishing (201), queries by parameters or by a body, aggregates, and the SSE
stream with its filters and heartbeat."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, YAML, Harness
from tests.interfaces.api.streams import Stream
from vamp.adapters.store import memory
from vamp.interfaces.api import app
from vamp.services import event_log

pytestmark = pytest.mark.anyio


def _event(
    tags: list[str], value: Any = None, type: str = "metrics", at: str = "2024-05-01T12:00:00+00:00"
) -> str:
    return json.dumps({"tags": tags, "type": type, "value": value, "timestamp": at})


async def _publish(api: Harness, *events: str) -> None:
    for event in events:
        assert (await api.client.post("/api/v1/events", content=event, headers=JSON)).status_code == 201


async def test_a_published_event_comes_back_with_its_id_and_tags_expanded(api: Harness) -> None:
    published = await api.client.post(
        "/api/v1/events", content="tags: [gateways:sava, metrics:rate]\nvalue: 12.5\n", headers=YAML
    )

    assert published.status_code == 201
    assert published.json() == {
        "id": published.json()["id"],
        "tags": ["gateways", "gateways:sava", "metrics", "metrics:rate"],
        "type": "event",
        "value": 12.5,
        "timestamp": harness.NOW.isoformat(),
        "version": "1.0",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("value: 1\n", "Publishing an event without tags is not allowed."),
        ("tags: []\n", "Publishing an event without tags is not allowed."),
        (
            "tags: [a]\ntype: a b\n",
            "Unsupported event type 'a b', only alphanumerics, '-' and '_' are allowed.",
        ),
        (
            "tags: [a]\ntimestamp: yesterday\n",
            "Event timestamp cannot be parsed: 'yesterday'. Use ISO-8601, such as 2024-01-31T12:00:00Z.",
        ),
        ("tags: [a]\n---\ntags: [b]\n", "Expected exactly one event, found 2."),
    ],
)
async def test_an_event_that_cannot_be_published_says_why(api: Harness, body: str, message: str) -> None:
    refused = await api.client.post("/api/v1/events", content=body, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["issues"][0]["message"] == message


async def test_events_are_queried_by_tags_and_type_newest_first(api: Harness) -> None:
    await _publish(
        api,
        _event(["gateways:sava"], 1, at="2024-05-01T12:00:00+00:00"),
        _event(["gateways:sava"], 2, at="2024-05-01T12:00:02+00:00"),
        _event(["gateways:other"], 3),
        _event(["gateways:sava"], 4, type="health", at="2024-05-01T12:00:03+00:00"),
    )

    by_tag = await api.client.get("/api/v1/events?tag=gateways:sava&type=metrics")
    by_two = await api.client.get("/api/v1/events?tag=gateways&tag=gateways:other")

    assert [event["value"] for event in by_tag.json()] == [2, 1]
    assert by_tag.headers["x-total-count"] == "2"
    assert [event["value"] for event in by_two.json()] == [3]


async def test_events_are_paged(api: Harness) -> None:
    await _publish(
        api, *(_event(["t"], index, at=f"2024-05-01T12:00:{index:02d}+00:00") for index in range(5))
    )

    page = await api.client.get("/api/v1/events?tag=t&per_page=2&page=2")

    assert [event["value"] for event in page.json()] == [2, 1]
    assert page.headers["x-total-count"] == "5"
    assert 'rel="next"' in page.headers["link"]


async def test_a_query_document_filters_by_time(api: Harness) -> None:
    await _publish(
        api, *(_event(["t"], index, at=f"2024-05-01T12:00:{index:02d}+00:00") for index in range(5))
    )
    query = "tags: t\ntype: metrics\ntimestamp: {gt: '2024-05-01T12:00:01Z', lte: '2024-05-01T12:00:03Z'}\n"

    found = await api.client.request("GET", "/api/v1/events", content=query, headers=YAML)

    assert [event["value"] for event in found.json()] == [3, 2]


@pytest.mark.parametrize(
    ("aggregator", "value"),
    [("sum", 10.0), ("average", 2.0), ("min", 0.0), ("max", 4.0), ("count", 5.0)],
)
async def test_an_aggregator_answers_one_value(api: Harness, aggregator: str, value: float) -> None:
    await _publish(api, *(_event(["t"], {"rate": index}) for index in range(5)))
    query = json.dumps({"tags": ["t"], "aggregator": {"type": aggregator, "field": "rate"}})

    found = await api.client.request("GET", "/api/v1/events", content=query, headers=JSON)

    assert found.status_code == 200
    assert found.json() == {"value": value}


@pytest.mark.parametrize(
    ("query", "path", "message"),
    [
        (
            "timestamp: {lt: '2024-05-01T12:00:00Z', lte: '2024-05-01T12:00:00Z'}\n",
            "timestamp",
            event_log.INVALID_RANGE,
        ),
        (
            "timestamp: {gt: '2024-05-01T12:00:00Z', gte: '2024-05-01T12:00:00Z'}\n",
            "timestamp",
            event_log.INVALID_RANGE,
        ),
        (
            "timestamp: {gt: soon}\n",
            "timestamp.gt",
            "Event timestamp cannot be parsed: 'soon'. Use ISO-8601, such as 2024-01-31T12:00:00Z.",
        ),
        (
            "aggregator: {type: median}\n",
            "aggregator.type",
            "Unsupported aggregator type 'median'; use one of: min, max, average, sum, count.",
        ),
        (
            "size: 3\n",
            "size",
            "Unexpected key 'size' in an event query; use: tags, type, timestamp, aggregator.",
        ),
        ("type: a b\n", "type", "Unsupported event type 'a b', only alphanumerics, '-' and '_' are allowed."),
    ],
)
async def test_a_query_that_cannot_be_run_says_why(api: Harness, query: str, path: str, message: str) -> None:
    refused = await api.client.request("GET", "/api/v1/events", content=query, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["issues"] == [
        {"document": 0, "path": path, "line": 0, "column": 0, "message": message}
    ]


@pytest.fixture
async def streaming(api: Harness) -> AsyncIterator[Any]:
    tasks: list[tuple[Stream, asyncio.Task[None]]] = []

    async def open_stream(path: str = "/api/v1/events/stream", query: str = "", on: Harness = api) -> Stream:
        stream = Stream(on, path, query)
        tasks.append((stream, asyncio.create_task(stream.run())))
        assert await stream.block() == ": listening"
        return stream

    yield open_stream
    for stream, task in tasks:
        stream.close()
        await asyncio.wait_for(task, 5)


async def test_the_stream_sends_matching_events_as_they_are_published(api: Harness, streaming: Any) -> None:
    stream = await streaming(query="tag=gateways:sava&type=metrics")

    await _publish(
        api,
        _event(["gateways:other"], 1),
        _event(["gateways:sava"], 2, type="health"),
        _event(["gateways:sava"], 3),
    )
    block = await stream.block()

    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    event, data = block.split("\n")
    assert event == "event: metrics"
    assert json.loads(data.removeprefix("data: "))["value"] == 3


async def test_the_stream_only_sees_its_namespace(api: Harness, streaming: Any) -> None:
    stream = await streaming(path="/acme-prod/api/v1/events/stream")

    await api.client.post("/api/v1/events", content=_event(["a"], 1), headers=JSON)
    await api.client.post("/acme-prod/api/v1/events", content=_event(["a"], 2), headers=JSON)

    assert json.loads((await stream.block()).split("data: ")[1])["value"] == 2


async def test_a_quiet_stream_sends_heartbeats(streaming: Any) -> None:
    quick = harness.build(memory.MemoryStore(), app.Settings(heartbeat=0.01))
    async with quick.client:
        stream = await streaming(on=quick)

        assert await stream.block() == ": heartbeat"
        stream.close()


async def test_the_stream_sends_the_archive_events_of_artifact_changes(api: Harness, streaming: Any) -> None:
    stream = await streaming(query="tag=breeds:sava")
    breed = json.dumps({"name": "sava", "deployable": "magneticio/sava:1.0.0"})

    created = await api.client.post("/api/v1/breeds", content=breed, headers=JSON)
    deleted = await api.client.delete("/api/v1/breeds/sava")

    assert (created.status_code, deleted.status_code) == (201, 204)
    sent = [json.loads((await stream.block()).split("data: ")[1]) for _ in range(2)]
    assert [("archive:create" in e["tags"], "archive:delete" in e["tags"], e["type"]) for e in sent] == [
        (True, False, "archive"),
        (False, True, "archive"),
    ]
    assert "magneticio/sava:1.0.0" in sent[0]["value"]
