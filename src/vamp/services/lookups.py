"""Synchronous lookups for the pure core, answered from the asynchronous store.

The core asks ``lookup(kind, name)`` as it walks a document: the DSL reader for what ``import`` names,
the blueprint resolver for referenced breeds, scales, routes… The store, though, is asynchronous, and
which names will be asked only shows while walking. ``Prefetch.run`` therefore runs the pure computation
with a lookup over a cache; when a run asked for names the cache did not hold, it fetches those from
the store and runs the computation again, until a run asks for nothing new. Each round fetches at least
one new name, so the rounds end; the computation is pure, so running it again is safe. Each run
happens in the reader thread (``reader_thread``), off the event loop (reading a document is the API's
heaviest work); the loop waits for it, so the cache is never touched by two at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from vamp import errors
from vamp.services import reader_thread

T = TypeVar("T")
R = TypeVar("R")

MAX_ROUNDS = 32
"""References nested deeper than this (a breed's dependency's dependency's …) are refused."""


class Prefetch(Generic[T]):
    """Lookups answered by ``fetch(kind, name)``: what is stored under that kind and name, or ``None``."""

    def __init__(self, fetch: Callable[[str, str], Awaitable[T | None]]) -> None:
        self._fetch = fetch

    async def run(self, compute: Callable[[Callable[[str, str], T | None]], R]) -> R:
        """``compute(lookup)`` once ``lookup`` can answer every name it asks for.

        Raises:
            Whatever ``compute`` raises on its last run, and ``errors.DslError`` when references nest
            more than ``MAX_ROUNDS`` deep.
        """
        cache: dict[tuple[str, str], T | None] = {}
        missing: dict[tuple[str, str], None] = {}

        def lookup(kind: str, name: str) -> T | None:
            key = (kind, name)
            if key in cache:
                return cache[key]
            missing[key] = None
            return None

        for _ in range(MAX_ROUNDS):
            missing.clear()
            try:
                result = await reader_thread.run(compute, lookup)
            except errors.VampError:
                if not missing:
                    raise
            else:
                if not missing:
                    return result
            for kind, name in list(missing):
                cache[kind, name] = await self._fetch(kind, name)
        raise errors.DslError.single(
            f"References nest more than {MAX_ROUNDS} levels deep (imports, or dependencies of dependencies); "
            "flatten them."
        )
