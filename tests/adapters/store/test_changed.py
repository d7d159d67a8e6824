"""``changed`` in every store: the revisions of a kind, and in full only what the reader did not know.

What the gateway passes rely on: an artifact whose revision the reader knew is not given again (not
decoded again), every other one is, and one written by another process on the same database is read
fresh.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.store.conftest import Backend, Clock
from vamp.adapters.store import sql
from vamp.ports.store import ArtifactStore, Put

pytestmark = pytest.mark.anyio

NS = "default"


def gateway(name: str, port: int) -> dict[str, Any]:
    return {"name": name, "port": f"{port}/http", "routes": {}}


async def stored(store: ArtifactStore, names: list[str]) -> dict[str, int]:
    written = await store.put_many(
        NS, [Put("gateways", name, gateway(name, 9000 + at), 0) for at, name in enumerate(names)]
    )
    return {item.name: item.revision for item in written}


async def test_a_reader_that_knows_nothing_is_given_every_artifact_in_name_order(
    store: ArtifactStore,
) -> None:
    await stored(store, ["b", "c", "a"])
    await store.put(NS, "breeds", "x", {"name": "x", "deployable": "x:1"}, revision=0)

    changed = await store.changed(NS, "gateways", {})

    assert list(changed.revisions.items()) == [("a", 1), ("b", 1), ("c", 1)]
    assert [(item.name, item.revision) for item in changed.artifacts] == [("a", 1), ("b", 1), ("c", 1)]
    assert changed.artifacts[0] == await store.get(NS, "gateways", "a")


async def test_what_the_reader_knows_is_not_given_again(store: ArtifactStore) -> None:
    known = await stored(store, ["a", "b", "c"])

    changed = await store.changed(NS, "gateways", known)

    assert (dict(changed.revisions), list(changed.artifacts)) == (known, [])


@pytest.mark.parametrize("at_once", [500, 1])
async def test_updated_and_new_artifacts_are_given_and_deleted_ones_left_out(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch, at_once: int
) -> None:
    monkeypatch.setattr(sql, "_NAMES_AT_ONCE", at_once)  # names asked for a few at a time, or all at once
    known = await stored(store, [f"g{n}" for n in range(8)])
    await store.put(NS, "gateways", "g3", gateway("g3", 9100), revision=1)
    await store.put(NS, "gateways", "g9", gateway("g9", 9101), revision=0)
    await store.delete(NS, "gateways", "g5")

    changed = await store.changed(NS, "gateways", known)

    assert changed.revisions == {**{f"g{n}": 1 for n in range(8) if n != 5}, "g3": 2, "g9": 1}
    assert [(item.name, item.revision, item.data["port"]) for item in changed.artifacts] == [
        ("g3", 2, "9100/http"),
        ("g9", 1, "9101/http"),
    ]


async def test_an_artifact_changed_by_another_process_is_read_fresh(
    durable_backend: Backend, clock: Clock
) -> None:
    reader, writer = await durable_backend.open(clock), await durable_backend.open(clock)
    try:
        known = await stored(reader, ["a", "b"])
        assert not (await reader.changed(NS, "gateways", known)).artifacts  # kept by the reader's cache

        await writer.put(NS, "gateways", "b", gateway("b", 9200), revision=1)
        changed = await reader.changed(NS, "gateways", known)

        assert changed.revisions == {"a": 1, "b": 2}
        assert [(item.name, item.data["port"]) for item in changed.artifacts] == [("b", "9200/http")]
    finally:
        await reader.close()
        await writer.close()
