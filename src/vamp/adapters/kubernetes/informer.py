"""A live, lean copy of one kind of Kubernetes object: list, then watch; resume, relist on 410, back off.

The recipe of k8s-test-cluster.md §5.2:

1. list, and remember the list's resourceVersion;
2. watch from it, taking each event's resourceVersion (bookmarks included) as the place to resume;
3. when the server ends a watch (it is asked to after ``server_timeout`` seconds), watch again from there;
4. on 410 Gone (the version is too old), list again and replace the copy;
5. on any other failure, wait (0.25 s doubling up to ``max_backoff``) and try again.

The copy holds only what ``record`` extracts from each object, so thousands of Pods cost little memory
(a list keeps each object's record as its page comes, never the whole objects of every page),
and ``on_change`` is called only when a record really changed (or appeared, or went away). Nothing here
knows what the records mean: that is ``observed``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, Generic, NoReturn, TypeVar

from vamp import errors
from vamp.adapters.kubernetes import client as kube

Key = tuple[str, str]
"""An object's namespace ("" for cluster-wide objects) and name."""
T = TypeVar("T")

FIRST_BACKOFF = 0.25
_log = logging.getLogger(__name__)


class Informer(Generic[kube.R, T]):
    """Keeps ``records`` current for the ``kind`` objects in ``namespace`` (all if ``None``) with ``labels``.

    Args:
        record: what to keep of an object; ``None`` to keep nothing of it.
        on_change: called (synchronously, in the informer's task) whenever ``records`` changed.
        marked: which records to keep apart as well, in ``marked_records``: a reader that wants only those
            (the driver, its own Pods among ten thousand) finds them without going through every record.
        server_timeout: seconds after which the server is asked to end each watch request.
        max_backoff: the longest wait between failed attempts, in seconds.
    """

    def __init__(
        self,
        client: kube.KubernetesClient,
        kind: type[kube.R],
        record: Callable[[kube.R], T | None],
        *,
        on_change: Callable[[], None],
        marked: Callable[[T], bool] | None = None,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
        server_timeout: int = 240,
        max_backoff: float = 30.0,
    ) -> None:
        self._client = client
        self._kind = kind
        self._record = record
        self._on_change = on_change
        self._namespace = namespace
        self._labels = labels
        self._server_timeout = server_timeout
        self._max_backoff = max_backoff
        self._records: dict[Key, T] = {}
        self._marked = marked
        self._marked_records: dict[Key, T] = {}
        self._listed = False
        self._attempted = asyncio.Event()
        self._failure = ""
        self.lists = 0
        """How many times the objects were listed: 1 after the start, one more for each relist."""
        self.watches = 0
        """How many watch requests were made: one more each time the server ended one, or one failed."""

    @property
    def records(self) -> Mapping[Key, T]:
        return self._records

    @property
    def marked_records(self) -> Mapping[Key, T]:
        """The records ``marked`` holds for (none without ``marked``), current with ``records``."""
        return self._marked_records

    async def synced(self) -> None:
        """Return once the first list is in; raise the reason if the first attempt to list failed.

        Raises:
            errors.DriverError: the objects could not be listed (the informer keeps trying).
        """
        await self._attempted.wait()
        if not self._listed:
            raise errors.DriverError(self._failure)

    async def run(self, resume_from: str | None = None) -> NoReturn:
        """Keep ``records`` current until cancelled; watch from ``resume_from`` first instead of listing."""
        version = resume_from
        failures = 0
        while True:
            try:
                if version is None:
                    version = await self._list()
                    failures = 0
                self.watches += 1
                async for event in self._client.watch(
                    self._kind,
                    resource_version=version,
                    server_timeout=self._server_timeout,
                    namespace=self._namespace,
                    labels=self._labels,
                ):
                    version = event.resource_version
                    failures = 0
                    self._apply(event)
            except kube.Gone as exc:
                _log.info("%s", exc)
                version = None
            except errors.DriverError as exc:
                failures += 1
                delay = min(self._max_backoff, FIRST_BACKOFF * 2 ** (failures - 1))
                _log.warning("%s Trying again in %.2f s.", exc, delay)
                self._failure = str(exc)
                self._attempted.set()
                await asyncio.sleep(delay)

    async def _list(self) -> str:
        listing = await self._client.list_data(
            self._kind, self._keyed_record, namespace=self._namespace, labels=self._labels
        )
        fresh = dict(listing.items)
        changed = fresh != self._records
        self._records = fresh
        marked = self._marked
        if marked is not None:
            self._marked_records = {key: kept for key, kept in fresh.items() if marked(kept)}
        self._listed = True
        self.lists += 1
        self._attempted.set()
        if changed:
            self._on_change()
        return listing.resource_version

    def _keyed_record(self, data: Mapping[str, Any]) -> tuple[Key, T] | None:
        obj = self._kind.from_dict(data)  # type: ignore[attr-defined]
        kept = self._record(obj)
        return None if kept is None else (_key(obj), kept)

    def _apply(self, event: kube.WatchEvent[kube.R]) -> None:
        if event.object is None:  # a bookmark: only its resourceVersion counts
            return
        key = _key(event.object)
        kept = None if event.type == "DELETED" else self._record(event.object)
        if kept is None:
            changed = self._records.pop(key, None) is not None
        else:
            changed = self._records.get(key) != kept
            self._records[key] = kept
        if self._marked is not None:
            if kept is not None and self._marked(kept):
                self._marked_records[key] = kept
            else:
                self._marked_records.pop(key, None)
        if changed:
            self._on_change()


def _key(obj: object) -> Key:
    metadata = obj.metadata  # type: ignore[attr-defined]
    return metadata.namespace or "", metadata.name
