"""Events in every store: publishing, queries by tags, type and time, paging, aggregates (vamp.md §1.16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.adapters.store.conftest import START, TICK, Clock
from vamp import errors
from vamp.core import model
from vamp.ports.store import Aggregate, ArtifactStore, EventQuery

pytestmark = pytest.mark.anyio

NS = "default"


async def test_publishing_gives_an_id_and_the_time_and_expands_the_tags(store: ArtifactStore) -> None:
    published = await store.publish(NS, model.Event(tags=("gateways:sava", "metrics"), value={"rate": 1.5}))

    assert published.id is not None
    assert published == model.Event(
        id=published.id, tags=("gateways", "gateways:sava", "metrics"), value={"rate": 1.5}, timestamp=START
    )
    assert (await store.events(NS, EventQuery())).items == [published]


async def test_several_events_are_published_in_one_write_in_order(store: ArtifactStore) -> None:
    heard: list[model.Event] = []
    store.listen(lambda _namespace, event: heard.append(event))

    published = await store.publish_all(NS, [model.Event(tags=(f"route:{n}",), value=n) for n in range(3)])

    assert [event.value for event in published] == [0, 1, 2]
    assert len({event.id for event in published}) == 3
    assert heard == list(published)
    assert [event.value for event in (await store.events(NS, EventQuery())).items] == [2, 1, 0]
    assert await store.publish_all(NS, []) == ()


async def test_one_bad_event_among_several_publishes_none(store: ArtifactStore) -> None:
    with pytest.raises(errors.DslError):
        await store.publish_all(NS, [model.Event(tags=("a",)), model.Event(tags=())])

    assert (await store.events(NS, EventQuery())).total == 0


async def test_a_given_timestamp_is_kept_in_utc(store: ArtifactStore) -> None:
    given = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))

    published = await store.publish(NS, model.Event(tags=("a",), timestamp=given))
    naive = await store.publish(NS, model.Event(tags=("a",), timestamp=datetime(2024, 5, 1, 9)))

    assert published.timestamp == given
    assert published.timestamp is not None
    assert published.timestamp.utcoffset() == timedelta(0)
    assert naive.timestamp == datetime(2024, 5, 1, 9, tzinfo=UTC)


async def test_every_event_gets_an_id_of_its_own_and_a_sent_id_is_replaced(store: ArtifactStore) -> None:
    events = [await store.publish(NS, model.Event(id="mine", tags=("a",))) for _ in range(3)]

    ids = [event.id for event in events]
    assert len(set(ids)) == 3
    assert "mine" not in ids
    assert [event.id for event in (await store.events(NS, EventQuery())).items] == ids[::-1]


async def test_the_whole_event_comes_back(store: ArtifactStore) -> None:
    sent = model.Event(
        tags=("deployments:sava",), type="synchronization", value=[1, "two", None], version="2", digest="abc"
    )

    published = await store.publish(NS, sent)

    assert published == sent.model_copy(
        update={"id": published.id, "tags": ("deployments", "deployments:sava"), "timestamp": START}
    )
    assert (await store.events(NS, EventQuery())).items == [published]


@pytest.mark.parametrize(
    ("event", "path", "message"),
    [
        (model.Event(tags=()), "tags", "Publishing an event without tags is not allowed."),
        (
            model.Event(tags=("a",), type="my type"),
            "type",
            "Unsupported event type 'my type', only alphanumerics, '-' and '_' are allowed.",
        ),
        (
            model.Event(tags=("a",), type="metrics\n"),
            "type",
            "Unsupported event type 'metrics\\n', only alphanumerics, '-' and '_' are allowed.",
        ),
        (
            model.Event(tags=("a",), value={"when": datetime(2024, 5, 1)}),
            "value",
            "The event value is not plain JSON (datetime datetime.datetime(2024, 5, 1, 0, 0) is not JSON); "
            "use maps, lists, strings, numbers, booleans and null.",
        ),
        (
            model.Event(tags=("a",), value=float("nan")),
            "value",
            "The event value is not plain JSON (Out of range float values are not JSON compliant); "
            "use maps, lists, strings, numbers, booleans and null.",
        ),
    ],
)
async def test_an_event_that_cannot_be_published_is_refused(
    store: ArtifactStore, event: model.Event, path: str, message: str
) -> None:
    with pytest.raises(errors.DslError) as refused:
        await store.publish(NS, event)

    assert refused.value.issues == (errors.Issue(message, path),)
    assert (await store.events(NS, EventQuery())).total == 0


T0 = START


async def _publish_samples(store: ArtifactStore) -> None:
    samples: list[tuple[str, tuple[str, ...], str, timedelta]] = [
        ("e1", ("metrics", "gateways:g1"), "metrics", timedelta(0)),
        ("e2", ("metrics", "gateways:g2"), "metrics", 10 * TICK),
        ("e3", ("health", "gateways:g1"), "health", 20 * TICK),
        ("e4", ("metrics", "gateways:g1", "routes:r1"), "metrics", 30 * TICK),
    ]
    for label, tags, type_, offset in samples:
        await store.publish(NS, model.Event(tags=tags, type=type_, value=label, timestamp=T0 + offset))
    await store.publish(
        "elsewhere", model.Event(tags=("metrics", "gateways:g1"), type="metrics", timestamp=T0)
    )


@pytest.mark.parametrize(
    ("query", "labels"),
    [
        (EventQuery(), ["e4", "e3", "e2", "e1"]),
        (EventQuery(tags=("gateways:g1",)), ["e4", "e3", "e1"]),
        (EventQuery(tags=("metrics", "gateways:g1")), ["e4", "e1"]),
        (EventQuery(tags=("gateways:g1", "gateways:g1")), ["e4", "e3", "e1"]),
        (EventQuery(tags=("gateways",)), ["e4", "e3", "e2", "e1"]),
        (EventQuery(tags=("routes:r1", "health")), []),
        (EventQuery(tags=("g1",)), []),
        (EventQuery(type="health"), ["e3"]),
        (EventQuery(type="metrics", tags=("gateways:g1",)), ["e4", "e1"]),
        (EventQuery(type="archive"), []),
        (EventQuery(after=T0 + 10 * TICK), ["e4", "e3"]),
        (EventQuery(after=T0 + 10 * TICK, after_inclusive=True), ["e4", "e3", "e2"]),
        (EventQuery(before=T0 + 20 * TICK), ["e2", "e1"]),
        (EventQuery(before=T0 + 20 * TICK, before_inclusive=True), ["e3", "e2", "e1"]),
        (EventQuery(after=T0, before=T0 + 30 * TICK), ["e3", "e2"]),
        (EventQuery(after=T0, after_inclusive=True, before=T0, before_inclusive=True), ["e1"]),
        (
            EventQuery(after=datetime(2024, 5, 1, 14, 0, 15, tzinfo=timezone(timedelta(hours=2)))),
            ["e4", "e3"],
        ),
        (EventQuery(before=datetime(2024, 5, 1, 12, 0, 5)), ["e1"]),
        (EventQuery(tags=("gateways:g1",), type="metrics", after=T0), ["e4"]),
    ],
)
async def test_a_query_finds_events_with_all_its_tags_its_type_and_time_newest_first(
    store: ArtifactStore, query: EventQuery, labels: list[str]
) -> None:
    await _publish_samples(store)

    page = await store.events(NS, query)

    assert [event.value for event in page.items] == labels
    assert page.total == len(labels)


@pytest.mark.parametrize(
    ("offset", "limit", "labels"),
    [
        (0, None, [4, 3, 2, 1, 0]),
        (0, 2, [4, 3]),
        (2, 2, [2, 1]),
        (4, 5, [0]),
        (5, 1, []),
        (0, 0, []),
    ],
)
async def test_events_come_in_pages_with_the_total(
    store: ArtifactStore, offset: int, limit: int | None, labels: list[int]
) -> None:
    for label in range(5):
        await store.publish(NS, model.Event(tags=("page",), value=label))
    await store.publish(NS, model.Event(tags=("other",), value="not on the page"))

    page = await store.events(NS, EventQuery(tags=("page",)), offset=offset, limit=limit)

    assert [event.value for event in page.items] == labels
    assert page.total == 5


async def test_events_at_the_same_time_come_newest_published_first(store: ArtifactStore) -> None:
    for label in ["first", "second", "third"]:
        await store.publish(NS, model.Event(tags=("a",), value=label))

    page = await store.events(NS, EventQuery())

    assert [event.value for event in page.items] == ["third", "second", "first"]


async def test_events_are_ordered_by_their_time_not_by_when_they_were_published(
    store: ArtifactStore, clock: Clock
) -> None:
    clock.advance(timedelta(hours=1))
    await store.publish(NS, model.Event(tags=("a",), value="now"))
    await store.publish(NS, model.Event(tags=("a",), value="earlier", timestamp=START))
    await store.publish(NS, model.Event(tags=("a",), value="later", timestamp=START + timedelta(hours=2)))

    page = await store.events(NS, EventQuery())

    assert [event.value for event in page.items] == ["later", "now", "earlier"]


VALUES: list[tuple[tuple[str, ...], Any]] = [
    (("rates",), {"rate": 1}),
    (("rates",), {"rate": 2.5}),
    (("rates", "fast"), {"rate": 6}),
    (("rates",), {"rate": "fast"}),
    (("rates",), {"rate": True}),
    (("rates",), {"other": 100}),
    (("plain",), 4),
    (("plain",), 0.5),
    (("plain",), True),
    (("plain",), "4"),
    (("plain",), [1, 2]),
    (("plain",), None),
]


@pytest.mark.parametrize(
    ("query", "aggregate", "field", "expected"),
    [
        (EventQuery(), Aggregate.MIN, "rate", 1.0),
        (EventQuery(), Aggregate.MAX, "rate", 6.0),
        (EventQuery(), Aggregate.SUM, "rate", 9.5),
        (EventQuery(), Aggregate.AVERAGE, "rate", 9.5 / 3),
        (EventQuery(), Aggregate.COUNT, "rate", 3.0),
        (EventQuery(tags=("fast",)), Aggregate.SUM, "rate", 6.0),
        (EventQuery(tags=("plain",)), Aggregate.SUM, None, 4.5),
        (EventQuery(tags=("plain",)), Aggregate.COUNT, None, 2.0),
        (EventQuery(), Aggregate.AVERAGE, None, 2.25),
        (EventQuery(), Aggregate.MIN, "missing", None),
        (EventQuery(), Aggregate.MAX, "missing", None),
        (EventQuery(), Aggregate.AVERAGE, "missing", None),
        (EventQuery(), Aggregate.SUM, "missing", 0.0),
        (EventQuery(), Aggregate.COUNT, "missing", 0.0),
        (EventQuery(tags=("nothing",)), Aggregate.COUNT, None, 0.0),
    ],
)
async def test_aggregates_fold_the_numbers_of_the_matching_events(
    store: ArtifactStore, query: EventQuery, aggregate: Aggregate, field: str | None, expected: float | None
) -> None:
    for tags, value in VALUES:
        await store.publish(NS, model.Event(tags=tags, value=value))
    await store.publish("elsewhere", model.Event(tags=("rates",), value={"rate": 1000}))

    assert await store.aggregate(NS, query, aggregate, field) == pytest.approx(expected)


async def test_aggregates_cover_every_matching_event_however_many(store: ArtifactStore) -> None:
    count = 600  # more than the SQL store fetches in one batch
    for n in range(1, count + 1):
        await store.publish(NS, model.Event(tags=("many",), value={"n": n}))

    assert (
        await store.aggregate(NS, EventQuery(tags=("many",)), Aggregate.SUM, "n") == count * (count + 1) / 2
    )
    assert await store.aggregate(NS, EventQuery(tags=("many",)), Aggregate.MAX, "n") == count


async def test_listeners_hear_every_kept_event_as_the_store_returns_it(store: ArtifactStore) -> None:
    heard: list[tuple[str, model.Event]] = []
    store.listen(lambda namespace, event: heard.append((namespace, event)))

    await store.put(NS, "breeds", "sava", {"name": "sava", "deployable": "magneticio/sava:1.0.0"}, revision=0)
    published = await store.publish("acme-prod", model.Event(tags=("gateways:sava",), value={"rate": 1.5}))
    await store.delete(NS, "breeds", "sava")

    kept = (await store.events(NS, EventQuery())).items
    assert heard == [(NS, kept[1]), ("acme-prod", published), (NS, kept[0])]
    assert [("breeds:sava" in event.tags, event.type) for _, event in heard] == [
        (True, "archive"),
        (False, "event"),
        (True, "archive"),
    ]
    assert ["archive:create" in heard[0][1].tags, "archive:delete" in heard[2][1].tags] == [True, True]


async def test_a_refused_write_tells_the_listeners_nothing(store: ArtifactStore) -> None:
    heard: list[model.Event] = []
    store.listen(lambda namespace, event: heard.append(event))

    with pytest.raises(errors.ConflictError):
        await store.put(NS, "breeds", "sava", {"name": "sava"}, revision=3)
    with pytest.raises(errors.DslError):
        await store.publish(NS, model.Event(tags=()))

    assert heard == []
