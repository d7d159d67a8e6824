"""Artifacts in every store: create, read, list, update and delete, compare-and-set, archive events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

import pytest
import yaml

from tests.adapters.store.conftest import START, TICK, Clock
from vamp import errors
from vamp.adapters.store import rules
from vamp.ports import store as store_port
from vamp.ports.store import ArtifactStore, EventQuery, StoredArtifact

pytestmark = pytest.mark.anyio

NS = "default"
SAVA = {"name": "sava", "deployable": "magneticio/sava:1.0.0", "ports": {"webport": "8080/http"}}
SAVA_1_1 = {**SAVA, "deployable": "magneticio/sava:1.1.0"}
SOURCE = "name: sava\ndeployable: magneticio/sava:1.0.0\nports:\n  webport: 8080/http\n"


async def test_a_new_artifact_reads_back_at_revision_1(store: ArtifactStore) -> None:
    created = await store.put(NS, "breeds", "sava", SAVA, revision=0)

    assert created == StoredArtifact(NS, "breeds", "sava", 1, SAVA, START, START)
    assert await store.get(NS, "breeds", "sava") == created


async def test_data_comes_back_with_its_keys_in_the_order_written(store: ArtifactStore) -> None:
    data = {"name": "sava", "zeta": 1, "alpha": {"y": 1, "b": [3, {"z": None, "a": True}]}, "mid": "x"}
    await store.put(NS, "breeds", "sava", data, revision=0)

    found = await store.get(NS, "breeds", "sava")

    assert found is not None
    assert json.dumps(found.data) == json.dumps(data)


async def test_an_update_names_the_revision_it_read_and_keeps_the_creation_time(
    store: ArtifactStore, clock: Clock
) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    clock.advance()

    updated = await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)

    assert updated == StoredArtifact(NS, "breeds", "sava", 2, SAVA_1_1, START, START + TICK)
    assert await store.get(NS, "breeds", "sava") == updated


async def test_an_upsert_creates_then_replaces(store: ArtifactStore) -> None:
    created = await store.put(NS, "breeds", "sava", SAVA, revision=None)
    replaced = await store.put(NS, "breeds", "sava", SAVA_1_1, revision=None)

    assert (created.revision, replaced.revision, replaced.data, replaced.created) == (1, 2, SAVA_1_1, START)


async def test_what_is_missing_reads_as_none_and_deletes_as_none(store: ArtifactStore) -> None:
    assert await store.get(NS, "breeds", "sava") is None
    assert await store.delete(NS, "breeds", "sava") is None
    assert await store.delete(NS, "breeds", "sava", revision=3) is None


async def test_delete_returns_what_was_stored_and_it_is_gone(store: ArtifactStore) -> None:
    created = await store.put(NS, "breeds", "sava", SAVA, revision=0)

    assert await store.delete(NS, "breeds", "sava", revision=1) == created
    assert await store.get(NS, "breeds", "sava") is None
    assert (await store.list(NS, "breeds")).total == 0


async def test_a_deleted_artifact_can_be_created_again_and_goes_on_counting(
    store: ArtifactStore, clock: Clock
) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.put(NS, "breeds", "sava", SAVA, revision=1)
    await store.delete(NS, "breeds", "sava")
    clock.advance()

    again = await store.put(NS, "breeds", "sava", SAVA_1_1, revision=0)

    assert (again.revision, again.data, again.created) == (3, SAVA_1_1, START + TICK)
    assert await store.get(NS, "breeds", "sava") == again


@pytest.mark.parametrize("operation", ["put", "delete"])
async def test_a_writer_holding_a_revision_of_a_deleted_artifact_cannot_touch_its_successor(
    store: ArtifactStore, operation: str
) -> None:
    read = await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.delete(NS, "breeds", "sava")
    successor = await store.put(NS, "breeds", "sava", SAVA_1_1, revision=0)

    write: Coroutine[Any, Any, object]
    if operation == "put":
        write = store.put(NS, "breeds", "sava", {**SAVA, "by": "stale"}, revision=read.revision)
    else:
        write = store.delete(NS, "breeds", "sava", revision=read.revision)
    with pytest.raises(errors.ConflictError) as refused:
        await write

    assert str(refused.value) == (
        f"{WHAT} was changed by someone else since you read it (revision 1, now 2); read it again and retry."
    )
    assert await store.get(NS, "breeds", "sava") == successor


async def test_a_refused_write_takes_no_revision(store: ArtifactStore) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    with pytest.raises(errors.ConflictError):
        await store.put(NS, "breeds", "sava", SAVA_1_1, revision=7)

    updated = await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)

    assert updated.revision == 2


async def test_revisions_count_per_artifact(store: ArtifactStore) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)

    others = [
        await store.put(NS, "breeds", "other", {"name": "other"}, revision=0),
        await store.put(NS, "blueprints", "sava", {"name": "sava"}, revision=0),
        await store.put("acme-prod", "breeds", "sava", SAVA, revision=0),
    ]

    assert [stored.revision for stored in others] == [1, 1, 1]


async def test_what_a_caller_does_to_returned_data_does_not_change_the_store(store: ArtifactStore) -> None:
    created = await store.put(NS, "breeds", "sava", SAVA, revision=0)
    created.data["ports"]["webport"] = "9090/http"

    found = await store.get(NS, "breeds", "sava")

    assert found is not None
    assert found.data == SAVA


@pytest.mark.parametrize(
    ("offset", "limit", "names"),
    [
        (0, None, ["a", "b", "c", "d", "e"]),
        (0, 2, ["a", "b"]),
        (2, 2, ["c", "d"]),
        (4, 10, ["e"]),
        (5, None, []),
        (9, 1, []),
        (0, 0, []),
    ],
)
async def test_list_gives_a_page_in_name_order_and_the_total(
    store: ArtifactStore, offset: int, limit: int | None, names: list[str]
) -> None:
    for name in ["c", "a", "e", "b", "d"]:
        await store.put(NS, "breeds", name, {"name": name}, revision=0)
    await store.put(NS, "blueprints", "a", {"name": "a"}, revision=0)

    page = await store.list(NS, "breeds", offset=offset, limit=limit)

    assert [artifact.name for artifact in page.items] == names
    assert page.total == 5


async def test_a_page_that_cannot_exist_is_refused(store: ArtifactStore) -> None:
    with pytest.raises(ValueError, match=r"offset and limit must be 0 or more, got offset=-1, limit=None\."):
        await store.list(NS, "breeds", offset=-1)


async def test_namespaces_isolate_artifacts_and_their_archive(store: ArtifactStore) -> None:
    await store.put("acme-prod", "breeds", "sava", SAVA, revision=0)
    await store.put("acme-test", "breeds", "sava", SAVA_1_1, revision=0)
    await store.put("acme-test", "breeds", "sava", SAVA_1_1, revision=1)

    prod = await store.get("acme-prod", "breeds", "sava")
    test = await store.get("acme-test", "breeds", "sava")
    await store.delete("acme-test", "breeds", "sava")

    assert prod is not None
    assert test is not None
    assert (prod.revision, prod.data, test.revision, test.data) == (1, SAVA, 2, SAVA_1_1)
    assert await store.get("acme-prod", "breeds", "sava") == prod
    assert (await store.list("acme-prod", "breeds")).total == 1
    assert (await store.list("acme-test", "breeds")).total == 0
    assert (await store.list(NS, "breeds")).total == 0
    assert (await store.events("acme-prod", EventQuery(tags=("archive",)))).total == 1
    assert (await store.events("acme-test", EventQuery(tags=("archive",)))).total == 3


WHAT = "breeds/sava in namespace 'default'"


@pytest.mark.parametrize(
    ("writes", "operation", "revision", "change", "now"),
    [
        pytest.param(1, "put", 0, "created", "now 1", id="create-what-exists"),
        pytest.param(2, "put", 1, "changed", "now 2", id="update-a-stale-revision"),
        pytest.param(0, "put", 3, "deleted", "now gone", id="update-what-is-gone"),
        pytest.param(2, "delete", 1, "changed", "now 2", id="delete-a-stale-revision"),
        pytest.param(1, "delete", 0, "created", "now 1", id="delete-what-should-not-exist"),
    ],
)
async def test_a_write_against_another_revision_is_refused_and_changes_nothing(
    store: ArtifactStore, writes: int, operation: str, revision: int, change: str, now: str
) -> None:
    for written in range(writes):
        await store.put(NS, "breeds", "sava", {"name": "sava", "write": written}, revision=written)
    before = await store.get(NS, "breeds", "sava")
    write: Coroutine[Any, Any, StoredArtifact | None]
    if operation == "put":
        write = store.put(NS, "breeds", "sava", SAVA_1_1, revision=revision)
    else:
        write = store.delete(NS, "breeds", "sava", revision=revision)

    with pytest.raises(errors.ConflictError) as refused:
        await write

    assert str(refused.value) == (
        f"{WHAT} was {change} by someone else since you read it (revision {revision}, {now}); "
        "read it again and retry."
    )
    assert await store.get(NS, "breeds", "sava") == before
    assert (await store.events(NS, EventQuery(tags=("archive",)))).total == writes


async def test_of_two_writers_who_read_revision_1_the_second_is_refused_and_nothing_is_lost(
    store: ArtifactStore,
) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    first = await store.get(NS, "breeds", "sava")
    second = await store.get(NS, "breeds", "sava")
    assert first is not None
    assert second is not None

    await store.put(NS, "breeds", "sava", {**first.data, "deployable": "first"}, revision=first.revision)
    with pytest.raises(errors.ConflictError, match=r"\(revision 1, now 2\)"):
        await store.put(
            NS, "breeds", "sava", {**second.data, "deployable": "second"}, revision=second.revision
        )
    fresh = await store.get(NS, "breeds", "sava")
    assert fresh is not None
    retried = await store.put(NS, "breeds", "sava", {**fresh.data, "ports": {}}, revision=fresh.revision)

    assert (retried.revision, retried.data) == (3, {**SAVA, "deployable": "first", "ports": {}})


async def test_concurrent_compare_and_set_writers_of_one_revision_have_one_winner(
    store: ArtifactStore,
) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)

    results = await asyncio.gather(
        *(store.put(NS, "breeds", "sava", {"name": "sava", "by": n}, revision=1) for n in range(10)),
        return_exceptions=True,
    )

    winners = [result for result in results if isinstance(result, StoredArtifact)]
    assert len(winners) == 1
    assert all(isinstance(result, errors.ConflictError) for result in results if result not in winners)
    assert await store.get(NS, "breeds", "sava") == winners[0]


async def test_an_update_and_a_delete_of_one_revision_at_once_have_one_winner(store: ArtifactStore) -> None:
    names = [f"sava-{n}" for n in range(8)]
    for name in names:
        await store.put(NS, "breeds", name, {"name": name}, revision=0)

    outcomes = await asyncio.gather(
        *(store.put(NS, "breeds", name, {"name": name, "by": "update"}, revision=1) for name in names),
        *(store.delete(NS, "breeds", name, revision=1) for name in names),
        return_exceptions=True,
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(refused) == len(names)
    assert all(isinstance(outcome, errors.ConflictError) for outcome in refused)


async def test_concurrent_upserts_all_land_one_revision_each(store: ArtifactStore) -> None:
    writers = 20

    results = await asyncio.gather(
        *(store.put(NS, "breeds", "sava", {"name": "sava", "by": n}, revision=None) for n in range(writers))
    )

    assert sorted(result.revision for result in results) == list(range(1, writers + 1))
    last = max(results, key=lambda result: result.revision)
    assert await store.get(NS, "breeds", "sava") == last
    archive = await store.events(NS, EventQuery(tags=("breeds:sava",)))
    assert archive.total == writers
    assert sorted(json.loads(event.value)["by"] for event in archive.items) == list(range(writers))
    assert sum("archive:create" in event.tags for event in archive.items) == 1


async def test_every_change_is_an_archive_event_with_its_tags_and_value(
    store: ArtifactStore, clock: Clock
) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0, source=SOURCE)
    clock.advance()
    await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)
    clock.advance()
    await store.delete(NS, "breeds", "sava")

    archive = await store.events(NS, EventQuery(tags=("archive",)))

    def tags(action: str) -> tuple[str, ...]:
        return ("breeds", "breeds:sava", "archive", f"archive:{action}")

    assert [(event.tags, event.type, event.value, event.timestamp) for event in archive.items] == [
        (tags("delete"), "archive", json.dumps(SAVA_1_1), START + 2 * TICK),
        (tags("update"), "archive", json.dumps(SAVA_1_1), START + TICK),
        (tags("create"), "archive", SOURCE, START),
    ]
    assert [yaml.safe_load(event.value) for event in archive.items] == [SAVA_1_1, SAVA_1_1, SAVA]


async def test_the_archive_keeps_a_large_source_as_its_canonical_data_only(store: ArtifactStore) -> None:
    """A 3 MB source is stored once, as data; the archive does not keep a second copy of the text."""
    padding = "# a comment that only the source holds\n" * 80_000
    large = {**SAVA, "environment_variables": {"BIG": "x" * 1000}}
    source = SOURCE + "environment_variables:\n  BIG: " + "x" * 1000 + "\n" + padding
    small_source = SOURCE + "# kept as sent\n" * 100

    await store.put(NS, "breeds", "large", large, revision=0, source=source)
    await store.put(NS, "breeds", "small", SAVA, revision=0, source=small_source)

    archive = await store.events(NS, EventQuery(tags=("archive",)))
    values = {event.tags[1]: event.value for event in archive.items}
    assert values["breeds:large"] == json.dumps(large)
    assert values["breeds:small"] == small_source
    assert rules.MAX_ARCHIVED_SOURCE == 64 * 1024 < len(source)


async def test_archive_events_are_found_by_kind_name_and_action(store: ArtifactStore) -> None:
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.put(NS, "breeds", "other", {"name": "other"}, revision=0)
    await store.put(NS, "gateways", "sava/port", {"name": "sava/port"}, revision=0)
    await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)

    async def totals(*tags: str) -> int:
        return (await store.events(NS, EventQuery(tags=tags, type="archive"))).total

    assert await totals("breeds") == 3
    assert await totals("breeds:sava") == 2
    assert await totals("gateways:sava/port") == 1
    assert await totals("breeds", "archive:create") == 2
    assert await totals("breeds:sava", "archive:update") == 1


async def test_data_that_is_not_plain_json_is_refused(store: ArtifactStore) -> None:
    with pytest.raises(errors.StoreError) as refused:
        await store.put(NS, "breeds", "sava", {"name": "sava", "tags": {"a", "b"}}, revision=0)

    assert str(refused.value).startswith("Cannot store breeds/sava: its data is not plain JSON (set ")
    assert str(refused.value).endswith("only maps, lists, strings, numbers, booleans and null can be stored.")
    assert await store.get(NS, "breeds", "sava") is None


async def test_the_namespaces_are_those_holding_artifacts_in_name_order(store: ArtifactStore) -> None:
    assert await store.namespaces() == []
    await store.put("acme-prod", "breeds", "sava", SAVA, revision=0)
    await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.put("acme-prod", "gateways", "foo", {"name": "foo"}, revision=0)
    await store.delete(NS, "breeds", "sava")

    assert list(await store.namespaces()) == ["acme-prod"]


@pytest.mark.parametrize(
    ("verb", "tags"),
    [
        (None, ["archive:create", "archive:update", "archive:delete"]),
        ("PUT", ["archive:update", "archive:update", "archive:delete"]),
        ("POST", ["archive:create", "archive:create", "archive:delete"]),
        ("DELETE", ["archive:delete", "archive:delete", "archive:delete"]),
    ],
)
async def test_archive_puts_are_tagged_by_the_requests_verb_else_by_what_they_did(
    store: ArtifactStore, verb: str | None, tags: list[str]
) -> None:
    async def writes() -> None:
        store_port.verb.set(verb)
        await store.put(NS, "breeds", "sava", SAVA, revision=0)
        await store.put(NS, "breeds", "sava", SAVA_1_1, revision=1)
        await store.delete(NS, "breeds", "sava")

    await asyncio.create_task(writes())  # the verb is the task's, as it is a request's

    archive = await store.events(NS, EventQuery(tags=("breeds:sava",), type="archive"))
    assert [event.tags[-1] for event in reversed(archive.items)] == tags
    assert store_port.verb.get() is None, "the writes of the server's own loops are not a request's"
