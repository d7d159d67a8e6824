"""Many artifacts in one write (``put_many``), in every store: in order, all or none, heard once committed."""

from __future__ import annotations

import json

import pytest

from tests.adapters.store.conftest import START, TICK, Clock
from vamp import errors
from vamp.core import model
from vamp.ports.store import ArtifactStore, EventQuery, Put, StoredArtifact

pytestmark = pytest.mark.anyio

NS = "default"


def named(event: model.Event) -> str:
    """The ``kind:name`` tag of an archive event."""
    return next(tag for tag in event.tags if tag.startswith("gateways:"))


def gateway(number: int) -> dict[str, object]:
    return {"name": f"app{number}", "port": f"{20000 + number}/http", "selector": f"label(app)(app{number})"}


async def test_every_put_is_stored_in_order_with_its_archive_event(store: ArtifactStore) -> None:
    heard: list[model.Event] = []
    store.listen(lambda _namespace, event: heard.append(event))

    stored = await store.put_many(NS, [Put("gateways", f"app{n}", gateway(n)) for n in range(3)])

    assert list(stored) == [
        StoredArtifact(NS, "gateways", f"app{n}", 1, gateway(n), START, START) for n in range(3)
    ]
    assert (await store.list(NS, "gateways")).items == stored
    archive = await store.events(NS, EventQuery(tags=("archive:create",)))
    assert [named(event) for event in reversed(archive.items)] == [f"gateways:app{n}" for n in range(3)]
    assert [named(event) for event in heard] == [f"gateways:app{n}" for n in range(3)]


async def test_an_artifact_given_twice_is_created_then_replaced(store: ArtifactStore) -> None:
    stored = await store.put_many(
        NS, [Put("gateways", "app1", gateway(1)), Put("gateways", "app1", gateway(2))]
    )

    assert [(one.revision, one.data) for one in stored] == [(1, gateway(1)), (2, gateway(2))]
    assert await store.get(NS, "gateways", "app1") == stored[1]


async def test_one_conflict_stores_nothing_and_tells_nothing(store: ArtifactStore) -> None:
    await store.put(NS, "gateways", "app2", gateway(2), revision=0)
    heard: list[model.Event] = []
    store.listen(lambda _namespace, event: heard.append(event))

    with pytest.raises(
        errors.ConflictError, match="gateways/app2 in namespace 'default' was created by someone else"
    ):
        await store.put_many(
            NS, [Put("gateways", "app1", gateway(1)), Put("gateways", "app2", gateway(2), revision=0)]
        )

    assert [one.name for one in (await store.list(NS, "gateways")).items] == ["app2"]
    assert (await store.events(NS, EventQuery())).total == 1
    assert heard == []
    # Nor did the refused write use up a revision: the next create of app1 is its revision 1.
    assert (await store.put(NS, "gateways", "app1", gateway(1), revision=0)).revision == 1


async def test_revisions_named_in_one_write_follow_each_other(store: ArtifactStore) -> None:
    stored = await store.put_many(
        NS, [Put("gateways", "app1", gateway(1), revision=0), Put("gateways", "app1", gateway(3), revision=1)]
    )

    assert [one.revision for one in stored] == [1, 2]


async def test_nothing_to_put_is_nothing_stored(store: ArtifactStore) -> None:
    assert list(await store.put_many(NS, [])) == []
    assert (await store.events(NS, EventQuery())).total == 0


async def test_stored_artifacts_are_updated_keeping_when_they_were_created(
    store: ArtifactStore, clock: Clock
) -> None:
    await store.put_many(NS, [Put("gateways", f"app{n}", gateway(n)) for n in range(2)])
    clock.advance()
    changed = {**gateway(1), "selector": "label(app)(ünïcode) && label(version)((.*))"}

    stored = await store.put_many(
        NS, [Put("gateways", "app1", changed, revision=1), Put("gateways", "app2", gateway(2))]
    )

    later = START + TICK
    assert list(stored) == [
        StoredArtifact(NS, "gateways", "app1", 2, changed, START, later),
        StoredArtifact(NS, "gateways", "app2", 1, gateway(2), later, later),
    ]
    assert (await store.list(NS, "gateways")).items == [
        StoredArtifact(NS, "gateways", "app0", 1, gateway(0), START, START),
        *stored,
    ]
    updates = await store.events(NS, EventQuery(tags=("archive:update",)))
    assert [named(event) for event in updates.items] == ["gateways:app1"]


async def test_archive_events_keep_their_order_and_their_tags(store: ArtifactStore) -> None:
    await store.put_many(NS, [Put("gateways", f"app{n}", gateway(n)) for n in range(5)])

    newest_first = (await store.events(NS, EventQuery(tags=("gateways",)))).items

    assert [named(event) for event in newest_first] == [f"gateways:app{n}" for n in reversed(range(5))]
    ids = [int(event.id or 0) for event in newest_first]
    assert ids == sorted(ids, reverse=True)
    assert all(
        event.tags == ("gateways", f"gateways:app{n}", "archive", "archive:create")
        for n, event in zip(reversed(range(5)), newest_first, strict=True)
    )
    assert [event.value for event in reversed(newest_first)] == [
        json.dumps(gateway(n), ensure_ascii=False) for n in range(5)
    ]
