"""Reads answered from memory while nothing was committed to the store since they were read.

Most API requests read what has not changed since the last request: the caller's token, the artifact it
asks for. On SQLite each such read is a transaction on aiosqlite's worker thread, and its hand-offs
between threads cost far more than the query. So the SQLite store keeps what it read, tagged with the
database's *generation*, and answers from memory while the generation is the same.

The generation is SQLite's ``PRAGMA data_version`` on a connection of the cache's own, which never
writes: SQLite changes it whenever any other connection, of this process or another one on the same
file, commits. Asking costs a few microseconds and takes no lock, so it is asked on the event loop before
every cached read. A change anywhere drops every entry: coarse, but never stale, so a token revoked by
any server on the file is refused at its next request. A read that overlaps a commit is kept under the
generation from before it started, so the next request reads again.

PostgreSQL has no such counter a client can read without a round trip, so its store does not cache
(``ReadCache.disabled``). Cached values are shared between callers: only immutable ones go in (the SQL
store keeps an artifact's JSON text and parses it on every hit). The number of entries is bounded; the
least recently used go first.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CAPACITY = 4096
"""Entries kept at most."""


class ReadCache:
    """Values by key, each valid while ``generation()`` answers what it answered before the value was read.

    ``generation`` answers ``None`` when it cannot tell (the database could not be asked): nothing is
    cached or answered from memory then.
    """

    def __init__(self, generation: Callable[[], int | None], *, capacity: int = CAPACITY) -> None:
        self._generation = generation
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @classmethod
    def disabled(cls) -> ReadCache:
        """A cache that always reads: for stores with no cheap generation."""
        return cls(lambda: None, capacity=0)

    async def read(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The value of ``key``: from memory if nothing was committed since it was read, else ``load()``."""
        generation = self._generation()
        if generation is not None:
            found = self._entries.get(key)
            if found is not None and found[0] == generation:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]  # type: ignore[no-any-return]
        self.misses += 1
        value = await load()
        if generation is not None and self._capacity > 0:
            self._entries[key] = (generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return value


class DataVersion:
    """SQLite's ``PRAGMA data_version`` of the file at ``path``, on a read-only connection of its own.

    Used from one thread at a time (the event loop's); ``close`` it with the store.
    """

    def __init__(self, path: Path) -> None:
        self._connection: sqlite3.Connection | None = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.05, check_same_thread=False
        )

    def __call__(self) -> int | None:
        if self._connection is None:
            return None
        try:
            row = self._connection.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return None
        return int(row[0])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
