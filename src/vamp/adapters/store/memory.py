"""``MemoryStore``: the artifact store in memory, for service tests and ``--ephemeral`` runs.

Implements ``vamp.ports.store.ArtifactStore`` (and ``vamp.ports.access.TokenStore``) with the same behaviour
as ``sql.SqlStore`` (both pass one test suite; the rules they share are rules.py's). Values are kept as JSON
text and parsed on every read, so what a caller gets back is a fresh copy, shaped exactly as the SQL store
would give it. Each operation runs without awaiting anything, so on one event loop it is atomic, as a
transaction is. Nothing survives ``close`` or the end of the process.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vamp import errors
from vamp.adapters.store import rules
from vamp.core import access, model
from vamp.ports import store


@dataclass(frozen=True, slots=True)
class _Artifact:
    revision: int
    text: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class _Event:
    number: int
    event: model.Event
    value: str


class MemoryStore:
    """The store in this process's memory."""

    def __init__(self, *, clock: rules.Clock = rules.utc_now) -> None:
        self._clock = clock
        self._artifacts: dict[tuple[str, str, str], _Artifact] = {}
        self._revisions: dict[tuple[str, str, str], int] = {}
        """The last revision each (namespace, kind, name) took, kept after a delete as the SQL store does."""
        self._events: dict[str, list[_Event]] = {}
        self._numbers = itertools.count(1)
        self._listeners = rules.Listeners()
        self._tokens: dict[str, access.Token] = {}
        """Tokens by the digest of their secret."""

    async def close(self) -> None:
        self._tokens.clear()
        self._artifacts.clear()
        self._revisions.clear()
        self._events.clear()

    async def get(self, namespace: str, kind: str, name: str) -> store.StoredArtifact | None:
        found = self._artifacts.get((namespace, kind, name))
        return None if found is None else _stored((namespace, kind, name), found)

    async def list(
        self, namespace: str, kind: str, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[store.StoredArtifact]:
        rules.check_window(offset, limit)
        keys = sorted(key for key in self._artifacts if key[:2] == (namespace, kind))
        page = keys[offset:] if limit is None else keys[offset : offset + limit]
        return store.Page(items=[_stored(key, self._artifacts[key]) for key in page], total=len(keys))

    async def changed(self, namespace: str, kind: str, known: Mapping[str, int]) -> store.Changed:
        keys = sorted(key for key in self._artifacts if key[:2] == (namespace, kind))
        revisions = {key[2]: self._artifacts[key].revision for key in keys}
        changed = [
            _stored(key, self._artifacts[key]) for key in keys if known.get(key[2]) != revisions[key[2]]
        ]
        return store.Changed(revisions, changed)

    async def put(
        self,
        namespace: str,
        kind: str,
        name: str,
        data: Mapping[str, Any],
        *,
        revision: int | None,
        source: str | None = None,
    ) -> store.StoredArtifact:
        return self._put_all(namespace, [store.Put(kind, name, data, revision, source)])[0]

    async def put_many(self, namespace: str, puts: Sequence[store.Put]) -> Sequence[store.StoredArtifact]:
        return self._put_all(namespace, puts)

    def _put_all(self, namespace: str, puts: Sequence[store.Put]) -> Sequence[store.StoredArtifact]:
        """``puts`` in order, all or none (nothing awaited: atomic on the event loop)."""
        texts = [rules.artifact_text(put.kind, put.name, put.data) for put in puts]
        # Every revision is checked before anything changes, so a conflict leaves everything as it was.
        at: dict[tuple[str, str, str], int | None] = {}
        for put in puts:
            key = (namespace, put.kind, put.name)
            found = self._artifacts.get(key)
            now_at = at.get(key, None if found is None else found.revision)
            if put.revision is not None and put.revision != (now_at or 0):
                raise rules.conflict(namespace, put.kind, put.name, put.revision, now_at)
            at[key] = self._revisions.get(key, 0) + 1 if now_at is None else now_at + 1
        now = rules.as_utc(self._clock())
        done: list[store.StoredArtifact] = []
        for put, text in zip(puts, texts, strict=True):
            key = (namespace, put.kind, put.name)
            found = self._artifacts.get(key)
            created = now if found is None else found.created
            issued = self._revisions[key] = self._revisions.get(key, 0) + 1
            stored = self._artifacts[key] = _Artifact(issued, text, created, now)
            action: rules.Action = "create" if found is None else "update"
            value = rules.archived_value(put.source, text)
            self._append(namespace, rules.archive_event(put.kind, put.name, action, value, now))
            done.append(_stored(key, stored))
        return done

    async def delete(
        self, namespace: str, kind: str, name: str, *, revision: int | None = None
    ) -> store.StoredArtifact | None:
        key = (namespace, kind, name)
        found = self._artifacts.get(key)
        if found is None:
            return None
        if revision is not None and revision != found.revision:
            raise rules.conflict(namespace, kind, name, revision, found.revision)
        del self._artifacts[key]
        now = rules.as_utc(self._clock())
        self._append(namespace, rules.archive_event(kind, name, "delete", found.text, now))
        return _stored(key, found)

    async def namespaces(self) -> Sequence[str]:
        return sorted({namespace for namespace, _, _ in self._artifacts})

    async def publish(self, namespace: str, event: model.Event) -> model.Event:
        return self._append(namespace, rules.published(event, self._clock))

    async def publish_all(self, namespace: str, events: Sequence[model.Event]) -> tuple[model.Event, ...]:
        checked = [rules.published(event, self._clock) for event in events]
        return tuple(self._append(namespace, event) for event in checked)

    async def events(
        self, namespace: str, query: store.EventQuery, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Event]:
        rules.check_window(offset, limit)
        found = _matching(self._events.get(namespace, ()), query)
        found.sort(key=lambda kept: (kept.event.timestamp, kept.number), reverse=True)
        page = found[offset:] if limit is None else found[offset : offset + limit]
        return store.Page(items=[_event(kept) for kept in page], total=len(found))

    async def aggregate(
        self, namespace: str, query: store.EventQuery, aggregate: store.Aggregate, field: str | None
    ) -> float | None:
        aggregation = rules.Aggregation(aggregate, field)
        for kept in _matching(self._events.get(namespace, ()), query):
            aggregation.add(json.loads(kept.value))
        return aggregation.result()

    def listen(self, listener: store.EventListener) -> None:
        self._listeners.add(listener)

    def _append(self, namespace: str, event: model.Event) -> model.Event:
        number = next(self._numbers)
        kept = _Event(number, event.model_copy(update={"id": str(number)}), rules.json_text(event.value))
        self._events.setdefault(namespace, []).append(kept)
        self._listeners.tell(namespace, _event(kept))
        return _event(kept)

    async def add_token(self, token: access.Token, *, replace: bool = False) -> None:
        same = [kept.digest for kept in self._tokens.values() if kept.label == token.label]
        if same and not replace:
            raise errors.ConflictError(
                f"There is a token named {token.name!r} in scope {str(token.scope)!r} already; "
                "pick another name, or revoke that one first."
            )
        for digest in same:
            del self._tokens[digest]
        self._tokens[token.digest] = token

    async def token_by_digest(self, digest: str) -> access.Token | None:
        return self._tokens.get(digest)

    async def tokens(self) -> Sequence[access.Token]:
        return sorted(self._tokens.values(), key=lambda token: (str(token.scope), token.name))

    async def remove_token(self, scope: str, name: str) -> access.Token | None:
        for digest, token in list(self._tokens.items()):
            if str(token.scope) == scope and token.name == name:
                return self._tokens.pop(digest)
        return None

    async def token_used(self, digest: str, when: datetime) -> None:
        if (token := self._tokens.get(digest)) is not None:
            self._tokens[digest] = dataclasses.replace(token, last_used=rules.as_utc(when))


def _stored(key: tuple[str, str, str], artifact: _Artifact) -> store.StoredArtifact:
    namespace, kind, name = key
    return store.StoredArtifact(
        namespace=namespace,
        kind=kind,
        name=name,
        revision=artifact.revision,
        data=json.loads(artifact.text),
        created=artifact.created,
        updated=artifact.updated,
    )


def _matching(kept: Iterable[_Event], query: store.EventQuery) -> list[_Event]:
    return [one for one in kept if rules.matches(query, one.event)]


def _event(kept: _Event) -> model.Event:
    return kept.event.model_copy(update={"value": json.loads(kept.value)})
