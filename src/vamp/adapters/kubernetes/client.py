"""A thin asyncio client for the Kubernetes API: the verbs Vamp uses, every failure an ``errors.DriverError``.

Built on lightkube's ``AsyncClient``: typed resources, server-side apply as field manager ``vamp``,
optimistic concurrency through ``resourceVersion`` on replace. Each failure becomes a ``DriverError``
naming what was being done and the API server's reason; the few a caller acts on have their own
subclasses (``NotFound``, ``Conflict``, ``Gone``).

Watches are sent here directly, over an HTTP client built from the same settings, because lightkube's
own watch has neither a client read timeout nor bookmarks (k8s-test-cluster.md §5.2): each watch request
asks the server to end it after ``server_timeout`` seconds and stops reading ``READ_MARGIN`` seconds
later, so a silently dead connection is noticed. One call is one request; ``informer`` resumes and
relists.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import httpx2
from lightkube import ALL_NS, ApiError, AsyncClient, SingleConfig
from lightkube.config import client_adapter
from lightkube.core import resource as lightkube_resource
from lightkube.types import CascadeType, PatchType

from vamp import errors

FIELD_MANAGER = "vamp"
READ_MARGIN = 15.0
"""Seconds a watch is read past the time the server was asked to end it."""
LIST_PAGE = 500
"""Objects asked for per list request (the server pages the rest with a continue token)."""

R = TypeVar("R", bound=lightkube_resource.Resource)
T = TypeVar("T")
EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]
_EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK"})


class NotFound(errors.DriverError):
    """The object, or the Namespace it should be in, does not exist."""


class Conflict(errors.DriverError):
    """Someone else changed (or created) the object first: read it again and decide again."""


class Gone(errors.DriverError):
    """The resourceVersion a watch resumed from is too old (410): list again."""


@dataclass(frozen=True, slots=True)
class WatchEvent(Generic[R]):
    """One change seen by a watch; a ``BOOKMARK`` carries only its ``resource_version`` (no object: the
    server sends a bare skeleton that is not a valid object of the kind)."""

    type: EventType
    object: R | None
    resource_version: str


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """Every object (or what was kept of it) of one list call, and the resourceVersion to watch from so no
    change is missed."""

    items: list[T]
    resource_version: str


class KubernetesClient:
    """The Kubernetes API as ``config`` reaches it; close it (or use ``async with``) when done.

    Args:
        config: where the API server is and who we are (``config.load``).
        timeout: seconds to connect, and to wait for any answer but a watch's.
    """

    def __init__(self, config: SingleConfig, *, timeout: float = 10.0) -> None:
        self.config = config
        self.server = config.cluster.server
        self._timeout = timeout
        # trust_env=False: proxies in the environment are for the outside world, never the API server.
        self._api = AsyncClient(
            config, timeout=httpx2.Timeout(timeout), field_manager=FIELD_MANAGER, trust_env=False
        )
        self._http = client_adapter.AsyncClient(
            config, client_adapter.ConnectionParams(timeout=httpx2.Timeout(timeout), trust_env=False)
        )

    @property
    def namespace(self) -> str:
        """The namespace of the settings' context: in a Pod, the Pod's own."""
        return self.config.namespace

    async def apply(self, kind: type[R], manifest: Mapping[str, Any]) -> R:
        """Create or update the object ``manifest`` describes, by server-side apply; the result as stored.

        The fields in ``manifest`` become Vamp's: anyone else's value of them is overwritten (force).
        """
        metadata = manifest["metadata"]
        name, namespace = metadata["name"], metadata.get("namespace")
        action = f"apply {_describe(kind, name, namespace)}"
        api: Any = self._api
        return cast(
            R,
            await self._call(
                action,
                api.patch(
                    kind,
                    name,
                    dict(manifest),
                    namespace=namespace,
                    patch_type=PatchType.APPLY,
                    field_manager=FIELD_MANAGER,
                    force=True,
                ),
            ),
        )

    async def create(self, obj: R) -> R:
        """Create ``obj``; ``Conflict`` if it exists already."""
        metadata = obj.metadata  # type: ignore[attr-defined]
        action = f"create {_describe(type(obj), metadata.name, metadata.namespace)}"
        return cast(R, await self._call(action, self._api.create(obj)))

    async def replace(self, obj: R) -> R:
        """Replace ``obj`` if it is still at its ``metadata.resourceVersion``, else raise ``Conflict``."""
        metadata = obj.metadata  # type: ignore[attr-defined]
        action = f"replace {_describe(type(obj), metadata.name, metadata.namespace)}"
        return cast(R, await self._call(action, self._api.replace(obj)))

    async def get(self, kind: type[R], name: str, *, namespace: str | None = None) -> R | None:
        """The object, or ``None`` when it does not exist."""
        api: Any = self._api
        try:
            found = await self._call(
                f"read {_describe(kind, name, namespace)}", api.get(kind, name, namespace=namespace)
            )
        except NotFound:
            return None
        return cast(R, found)

    async def list(
        self, kind: type[R], *, namespace: str | None = None, labels: Mapping[str, str] | None = None
    ) -> Listing[R]:
        """Every object of ``kind`` in ``namespace`` (all namespaces if ``None``) with ``labels``."""
        action = f"list {_plural(kind)} {_where(namespace)}"
        api: Any = self._api
        listed = api.list(kind, namespace=namespace or ALL_NS, labels=labels, chunk_size=LIST_PAGE)

        async def everything() -> list[R]:
            return [item async for item in listed]

        items = await self._call(action, everything())
        return Listing(items, listed.resourceVersion)

    async def list_data(
        self,
        kind: type[R],
        keep: Callable[[Mapping[str, Any]], T | None],
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Listing[T]:
        """What ``keep`` takes of every object of ``kind`` in ``namespace`` (all if ``None``) with ``labels``,
        each object read as its plain JSON (no typed model is built unless ``keep`` builds one) and let go
        once kept: ten thousand Pods are never all held whole. ``None`` is left out; pages of ``LIST_PAGE``.

        Raises:
            errors.DriverError: the request failed, or its answer is not a list of objects.
        """
        action = f"list {_plural(kind)} {_where(namespace)}"
        params = {"limit": str(LIST_PAGE)}
        if labels:
            params["labelSelector"] = _selector(labels)
        kept: list[T] = []
        while True:
            request = self._http.build_request("GET", _path(kind, namespace), params=params)
            try:
                response = await _finished(self._http.send(request))
            except httpx2.HTTPError as exc:
                raise self._unreachable(action, exc) from exc
            if response.status_code != httpx2.codes.OK:
                raise _refused(action, response.status_code, _status(response))
            try:
                body = response.json()
                metadata = body["metadata"]
                records = [keep(item) for item in body["items"] or ()]
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise errors.DriverError(
                    f"Cannot {action}: the API server's answer is not a list: {response.text[:200]!r}."
                ) from exc
            kept.extend(record for record in records if record is not None)
            if not metadata.get("continue"):
                return Listing(kept, str(metadata.get("resourceVersion", "")))
            params["continue"] = metadata["continue"]

    async def delete(
        self, kind: type[R], name: str, *, namespace: str | None = None, keep_dependents: bool = False
    ) -> bool:
        """Delete the object, its dependents in the background (or none of them: ``keep_dependents``);
        ``False`` if it was gone already."""
        api: Any = self._api
        cascade = CascadeType.ORPHAN if keep_dependents else CascadeType.BACKGROUND
        try:
            await self._call(
                f"delete {_describe(kind, name, namespace)}",
                api.delete(kind, name, namespace=namespace, cascade=cascade),
            )
        except NotFound:
            return False
        return True

    async def log(self, pod: str, *, namespace: str, tail_lines: int) -> tuple[str, ...]:
        """The last ``tail_lines`` lines the Pod's (only) container wrote, stdout and stderr interleaved."""
        api: Any = self._api

        async def lines() -> tuple[str, ...]:
            return tuple(
                [
                    line
                    async for line in api.log(pod, namespace=namespace, tail_lines=tail_lines, newlines=False)
                ]
            )

        return cast(tuple[str, ...], await self._call(f"read the log of Pod {namespace}/{pod}", lines()))

    async def watch(
        self,
        kind: type[R],
        *,
        resource_version: str,
        server_timeout: int,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> AsyncIterator[WatchEvent[R]]:
        """The changes after ``resource_version``, as they happen, until the server ends the request.

        Raises:
            Gone: ``resource_version`` is too old; list again.
            errors.DriverError: the request failed or no data came for longer than it should.
        """
        action = f"watch {_plural(kind)} {_where(namespace)}"
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(server_timeout),
        }
        if labels:
            params["labelSelector"] = _selector(labels)
        timeout = httpx2.Timeout(self._timeout, read=server_timeout + READ_MARGIN)
        request = self._http.build_request("GET", _path(kind, namespace), params=params, timeout=timeout)
        try:
            response = await _finished(self._http.send(request, stream=True), abandon=_close)
            try:
                if response.status_code != httpx2.codes.OK:
                    await response.aread()
                    raise _refused(action, response.status_code, _status(response))
                async for line in response.aiter_lines():
                    if line:
                        yield _event(kind, action, line)
            finally:
                await response.aclose()
        except httpx2.HTTPError as exc:
            raise self._unreachable(action, exc) from exc

    async def close(self) -> None:
        await self._api.close()
        await self._http.aclose()

    async def __aenter__(self) -> KubernetesClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _call(self, action: str, request: Awaitable[Any]) -> Any:
        try:
            return await _finished(request)
        except ApiError as exc:
            status = exc.status
            raise _refused(
                action, status.code or 0, {"message": status.message, "reason": status.reason}
            ) from exc
        except httpx2.HTTPStatusError as exc:  # an answer that is not a Kubernetes Status
            raise _refused(action, exc.response.status_code, {"message": exc.response.text[:200]}) from exc
        except httpx2.HTTPError as exc:
            raise self._unreachable(action, exc) from exc
        except ValueError as exc:  # an answer that does not decode as the resource it should be
            raise errors.DriverError(
                f"Cannot {action}: the API server's answer cannot be read: {exc}"
            ) from exc

    def _unreachable(self, action: str, exc: httpx2.HTTPError) -> errors.DriverError:
        return errors.DriverError(
            f"Cannot {action}: the Kubernetes API server at {self.server} did not answer "
            f"({type(exc).__name__}: {exc or 'no detail'})."
        )


async def _finished(request: Awaitable[T], abandon: Callable[[T], Awaitable[None]] | None = None) -> T:
    """``request``'s result; when the caller is cancelled meanwhile, ``request`` still finishes first.

    httpcore closes a connection whose TLS handshake is interrupted on errors but not on cancellation,
    leaving its socket open. Requests are short (the client's timeout bounds them), so a cancelled caller
    waits for its request to end, then ``abandon``s the result nobody will read, and is cancelled.
    """
    task = asyncio.ensure_future(request)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        if not task.cancelled() and task.exception() is None and abandon is not None:
            await abandon(task.result())
        raise


async def _close(response: httpx2.Response) -> None:
    await response.aclose()


def _selector(labels: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _refused(action: str, code: int, status: Mapping[str, Any]) -> errors.DriverError:
    """The error for a request the API server answered with ``code`` and a ``Status`` body."""
    message = str(status.get("message") or "no message").rstrip(".")
    if code == httpx2.codes.NOT_FOUND:
        return NotFound(f"Cannot {action}: {message}.")
    if code == httpx2.codes.CONFLICT:
        return Conflict(f"Cannot {action}: {message}.")
    if code == httpx2.codes.GONE:
        return Gone(f"Cannot {action}: {message} (list again to catch up).")
    if code == httpx2.codes.FORBIDDEN:
        return errors.DriverError(
            f"Kubernetes forbids Vamp to {action}: {message}. Grant it in Vamp's ClusterRole "
            "(deploy/kubernetes/rbac.yaml)."
        )
    reason = status.get("reason") or "refused"
    return errors.DriverError(f"Kubernetes refused to {action} ({code} {reason}): {message}.")


def _status(response: httpx2.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:200]}
    return body if isinstance(body, dict) else {"message": str(body)[:200]}


def _event(kind: type[R], action: str, line: str) -> WatchEvent[R]:
    try:
        event = json.loads(line)
        data = event["object"]
        if event["type"] == "ERROR":
            raise _refused(action, int(data.get("code", 0)), data)
        if event["type"] not in _EVENT_TYPES:
            raise errors.DriverError(f"Cannot {action}: unknown event type {event['type']!r}.")
        obj = None if event["type"] == "BOOKMARK" else kind.from_dict(data)  # type: ignore[attr-defined]
        return WatchEvent(event["type"], cast(R | None, obj), data["metadata"]["resourceVersion"])
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.DriverError(
            f"Cannot {action}: the server sent an event that is not one: {line[:200]!r}."
        ) from exc


def _path(kind: type[lightkube_resource.Resource], namespace: str | None) -> str:
    info = lightkube_resource.api_info(kind)
    base = info.resource
    prefix = f"/apis/{base.group}/{base.version}" if base.group else f"/api/{base.version}"
    if namespace is None:
        return f"{prefix}/{info.plural}"
    return f"{prefix}/namespaces/{namespace}/{info.plural}"


def _plural(kind: type[lightkube_resource.Resource]) -> str:
    return str(lightkube_resource.api_info(kind).plural)


def _where(namespace: str | None) -> str:
    return f"in Namespace {namespace}" if namespace else "in all Namespaces"


def _describe(kind: type[lightkube_resource.Resource], name: str, namespace: str | None) -> str:
    where = f"{namespace}/" if namespace else ""
    return f"{lightkube_resource.api_info(kind).resource.kind} {where}{name}"
