"""Stored artifacts read as models once per revision: what the artifact service's reads go through.

Reading a stored artifact's data back through the DSL is most of what ``GET`` of an artifact costs, and a
revision's data never changes, so ``StoredModels`` keeps the model of the latest revision it read of each
(namespace, kind, name), for the most recently used ``size`` artifacts. Only the latest: an artifact
changed a thousand times is one entry, not a thousand models that nobody asks for again (and that the
garbage collector would walk through on every full collection). A hit is also checked against the stored
data (a cheap comparison, next to reading): a store emptied and written again can reuse revision
numbers, and the cached model must never be another artifact's. Models are frozen values, so sharing
one between requests is safe.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from vamp.core import model
from vamp.ports import store

Key = tuple[str, str, str]


class StoredModels:
    """The models of the stored artifacts read most recently, each at the latest revision read."""

    def __init__(self, read: Callable[[store.StoredArtifact], model.Artifact], *, size: int = 4096) -> None:
        self._read = read
        self._size = size
        self._held: OrderedDict[Key, tuple[int, Mapping[str, Any], model.Artifact]] = OrderedDict()

    def model_of(self, stored: store.StoredArtifact) -> model.Artifact:
        """``stored`` read as a model; raises what the reader raises (``errors.StoreError``)."""
        key = (stored.namespace, stored.kind, stored.name)
        held = self._held.get(key)
        if held is not None and held[0] == stored.revision and held[1] == stored.data:
            self._held.move_to_end(key)
            return held[2]
        found = self._read(stored)
        self._held[key] = (stored.revision, stored.data, found)
        self._held.move_to_end(key)
        while len(self._held) > self._size:
            self._held.popitem(last=False)
        return found
