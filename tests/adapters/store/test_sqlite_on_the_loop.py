"""The SQLite store runs its transactions on the event loop and answers repeated reads from memory, and
never gives what another writer changed, nor stalls the loop when another process holds the file.

Two stores open on one file stand for two servers (or a server and a command-line tool) sharing it: what
one commits, the other reads at its next read, tokens included.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.store.conftest import START
from tests.adapters.store.test_tokens import SECRET, token
from vamp.adapters.store import loop_transactions, read_cache, sql
from vamp.core import access

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[sql.SqlStore, sql.SqlStore]]:
    address = f"sqlite:///{tmp_path / 'vamp.db'}"
    first = await sql.SqlStore.open(address, clock=lambda: START)
    second = await sql.SqlStore.open(address, clock=lambda: START)
    yield first, second
    await first.close()
    await second.close()


def cache_of(store: sql.SqlStore) -> read_cache.ReadCache:
    return store._db.reads


async def test_a_repeated_read_is_answered_from_memory(pair: tuple[sql.SqlStore, sql.SqlStore]) -> None:
    first, _ = pair
    await first.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "x"}, revision=None)
    await first.get("default", "breeds", "b:1")
    before = cache_of(first).hits
    for _ in range(5):
        found = await first.get("default", "breeds", "b:1")
        assert found is not None
        assert found.revision == 1
    assert cache_of(first).hits == before + 5


async def test_a_change_committed_by_another_store_on_the_file_is_read_at_once(
    pair: tuple[sql.SqlStore, sql.SqlStore],
) -> None:
    first, second = pair
    stored = await first.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "x"}, revision=None)
    assert (await first.get("default", "breeds", "b:1")) is not None
    await second.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "y"}, revision=stored.revision)
    found = await first.get("default", "breeds", "b:1")
    assert found is not None
    assert found.data["deployable"] == "y"
    assert (await first.list("default", "breeds")).items[0].data["deployable"] == "y"
    await second.delete("default", "breeds", "b:1")
    assert await first.get("default", "breeds", "b:1") is None
    assert (await first.list("default", "breeds")).total == 0


async def test_a_token_revoked_through_another_store_is_gone_at_the_next_lookup(
    pair: tuple[sql.SqlStore, sql.SqlStore],
) -> None:
    first, second = pair
    await second.add_token(token())
    digest = access.digest(SECRET)
    assert await first.token_by_digest(digest) is not None
    assert await first.token_by_digest(digest) is not None
    await second.remove_token("acme-prod", "ci")
    assert await first.token_by_digest(digest) is None


async def test_one_reader_changing_what_it_was_given_changes_nothing_for_the_next(
    pair: tuple[sql.SqlStore, sql.SqlStore],
) -> None:
    first, _ = pair
    await first.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "x"}, revision=None)
    given = await first.get("default", "breeds", "b:1")
    assert given is not None
    given.data["deployable"] = "changed by a careless reader"  # type: ignore[index]
    again = await first.get("default", "breeds", "b:1")
    assert again is not None
    assert again.data["deployable"] == "x"


async def test_the_cache_keeps_a_bounded_number_of_reads() -> None:
    loads: list[int] = []

    async def load(value: int) -> int:
        loads.append(value)
        return value

    cache = read_cache.ReadCache(lambda: 7, capacity=2)
    for key in (1, 2, 3, 1):
        assert await cache.read(key, lambda key=key: load(key)) == key  # type: ignore[misc]
    assert loads == [1, 2, 3, 1]  # 1 was the least recently used when 3 came


async def test_nothing_is_kept_while_the_generation_cannot_be_read() -> None:
    loads: list[int] = []

    async def load() -> int:
        loads.append(1)
        return 1

    cache = read_cache.ReadCache(lambda: None)
    for _ in range(3):
        await cache.read("key", load)
    assert len(loads) == 3


async def test_a_read_that_meets_a_locked_file_is_run_off_the_loop_instead(
    pair: tuple[sql.SqlStore, sql.SqlStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite refuses a reader on the loop now and then (a checkpoint truncating the WAL, recovery after
    # a crash), which cannot be brought about on demand here: the loop's reader is made to meet it.
    first, _ = pair
    await first.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "x"}, revision=None)
    refused: list[str] = []

    def locked(fn: object) -> object:
        refused.append("read")
        raise loop_transactions.Busy("database is locked")

    reader = first._db.loop
    assert reader is not None
    monkeypatch.setattr(reader, "read", locked)
    found = await first.get("default", "breeds", "b:1")
    assert refused == ["read"]
    assert found is not None
    assert found.data["deployable"] == "x"


async def test_a_write_waits_for_another_process_s_lock_without_stalling_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "vamp.db"
    store = await sql.SqlStore.open(f"sqlite:///{path}", clock=lambda: START)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process writing: it holds the write lock
    try:
        writing = asyncio.create_task(
            store.put("default", "breeds", "b:1", {"name": "b:1", "deployable": "x"}, revision=None)
        )
        ticks = 0
        deadline = asyncio.get_running_loop().time() + 0.3
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            ticks += 1
        assert not writing.done(), "the write waits for the lock"
        assert ticks >= 10, "the loop goes on meanwhile"
    finally:
        holder.execute("COMMIT")
        holder.close()
    stored = await asyncio.wait_for(writing, timeout=10)
    assert stored.revision == 1
    found = await store.get("default", "breeds", "b:1")
    assert found is not None
    await store.close()
