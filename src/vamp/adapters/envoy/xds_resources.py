"""Envoy resources as protocol buffers for the ADS stream: the snapshot's dictionaries → packed ``Any``.

A ``files.Snapshot`` holds plain JSON-able dictionaries whose config sources name files (the renderer
builds them for both deliveries). Over ADS the same resources come from the stream, so each config source
with a ``path_config_source`` becomes ``bootstrap.ads_source()``; nothing else changes.

Conversion is ``google.protobuf.json_format.ParseDict`` into the resource's message. Typed configs
(``typed_config``, ``typed_per_filter_config``) are ``Any`` messages whose ``@type`` is resolved through
protobuf's default descriptor pool, which knows a type only once its generated module (from the
``xds-protos`` package) is imported: ``_TYPED_CONFIGS`` imports every one the renderer uses. A resource
protobuf refuses (an unknown field, a bad value, a type not imported here) is a ``PublishError`` that
names it and quotes protobuf, before anything is sent.

Converting is the slow part of publishing (``ParseDict`` is pure Python), so ``Converter`` keeps the
conversions of the last snapshot and converts again only the resources whose content changed: a weight
change converts one route configuration, and the resources a rendering took again unchanged
(``render.Reuse``) are known by identity, without serialising them. Clusters and load assignments of a
shape already converted are copies of it with their name set (``xds_templates``), so a first plan of
10,000 clusters converts a handful of them. This module does no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

# Resources.
from envoy.config.cluster.v3 import cluster_pb2  # type: ignore[import-untyped]
from envoy.config.endpoint.v3 import endpoint_pb2  # type: ignore[import-untyped]
from envoy.config.listener.v3 import listener_pb2  # type: ignore[import-untyped]
from envoy.config.route.v3 import route_pb2  # type: ignore[import-untyped]

# Typed configs the renderer uses: imported to register their types (``Any`` is resolved by name).
from envoy.extensions.filters.http.header_mutation.v3 import (  # type: ignore[import-untyped]
    header_mutation_pb2,
)
from envoy.extensions.filters.http.router.v3 import router_pb2  # type: ignore[import-untyped]
from envoy.extensions.filters.http.stateful_session.v3 import (  # type: ignore[import-untyped]
    stateful_session_pb2,
)
from envoy.extensions.filters.network.direct_response.v3 import (  # type: ignore[import-untyped]
    config_pb2 as direct_response_pb2,
)
from envoy.extensions.filters.network.http_connection_manager.v3 import (  # type: ignore[import-untyped]
    http_connection_manager_pb2,
)
from envoy.extensions.filters.network.tcp_proxy.v3 import tcp_proxy_pb2  # type: ignore[import-untyped]
from envoy.extensions.http.stateful_session.cookie.v3 import cookie_pb2  # type: ignore[import-untyped]
from envoy.extensions.retry.host.previous_hosts.v3 import (  # type: ignore[import-untyped]
    previous_hosts_pb2,
)
from envoy.extensions.transport_sockets.tls.v3 import tls_pb2  # type: ignore[import-untyped]
from google.protobuf import any_pb2, json_format

from vamp import errors
from vamp.adapters.envoy import bootstrap, files, layout, xds_templates
from vamp.adapters.envoy.layout import ResourceType

JsonObject = dict[str, Any]
_NESTING = re.compile(r"^(Failed to parse \w+ field: )+")

_MESSAGES = {
    ResourceType.LISTENERS: listener_pb2.Listener,
    ResourceType.CLUSTERS: cluster_pb2.Cluster,
    ResourceType.ROUTES: route_pb2.RouteConfiguration,
    ResourceType.ENDPOINTS: endpoint_pb2.ClusterLoadAssignment,
}
_TYPED_CONFIGS = (
    header_mutation_pb2.HeaderMutation,
    router_pb2.Router,
    stateful_session_pb2.StatefulSession,
    stateful_session_pb2.StatefulSessionPerRoute,
    cookie_pb2.CookieBasedSessionState,
    direct_response_pb2.Config,
    http_connection_manager_pb2.HttpConnectionManager,
    tcp_proxy_pb2.TcpProxy,
    previous_hosts_pb2.PreviousHostsPredicate,
    tls_pb2.DownstreamTlsContext,
)
"""The typed configs known to the stream; ``test_xds_resources`` proves they cover the renderer."""

_NAME = attrgetter("name")
_SHAPED = (ResourceType.CLUSTERS, ResourceType.ENDPOINTS)
"""The kinds whose resources mostly differ in their name only (``xds_templates``)."""

TYPE_URLS = {
    kind: f"type.googleapis.com/{message.DESCRIPTOR.full_name}" for kind, message in _MESSAGES.items()
}
KINDS = {url: kind for kind, url in TYPE_URLS.items()}
LABELS = {
    ResourceType.LISTENERS: "listeners",
    ResourceType.CLUSTERS: "clusters",
    ResourceType.ROUTES: "route configurations",
    ResourceType.ENDPOINTS: "load assignments",
}


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource ready to send: its name, a digest of its content, the packed message, and the names of
    the resources of a named type it refers to (a listener's route configurations, an EDS cluster's load
    assignment)."""

    name: str
    digest: str
    body: any_pb2.Any
    refers: frozenset[str] = frozenset()


def name_of(kind: ResourceType, resource: Mapping[str, Any]) -> str:
    """The name Envoy knows ``resource`` by: ``cluster_name`` for a load assignment, else ``name``."""
    return str(resource.get("cluster_name" if kind is ResourceType.ENDPOINTS else "name", ""))


def refers(kind: ResourceType, resource: JsonObject) -> frozenset[str]:
    """The route configurations a listener names, or the load assignment an EDS cluster asks for."""
    if kind is ResourceType.LISTENERS:
        return frozenset(files.referenced([resource], "route_config_name"))
    if kind is ResourceType.CLUSTERS and resource.get("type") == "EDS":
        return frozenset({resource.get("eds_cluster_config", {}).get("service_name") or resource["name"]})
    return frozenset()


@dataclass(slots=True)
class _Converted:
    """The last conversion of one kind: the resources by name, and by the identity of their dictionary."""

    items: Sequence[JsonObject]
    """The dictionaries converted, kept so that their identities stay theirs."""
    ids: list[int]
    by_name: dict[str, Resource]
    by_id: dict[int, Resource]


class Converter:
    """Converts the resources of snapshots, reusing the previous call's conversion of equal content.

    A resource that is the very same object as one of the previous call (``render.Reuse`` hands the
    unchanged ones out again) is not even serialised to be digested: its conversion is taken as it is,
    and a kind whose resources are all the very same, in the same order, is given as the very same
    dictionary of resources (``xds.XdsServer`` then knows at once that it did not change). Finding them
    is a pass over identities in C (``map(id, ...)``, set and list comparisons): the Python work is only
    for the resources that are not the same objects. The dictionaries converted must therefore not be
    changed afterwards, nor the dictionaries of resources returned.
    """

    def __init__(self) -> None:
        self._known: dict[ResourceType, dict[str, Resource]] = {}
        """Each kind's resources by digest: those of the last conversion, and those made since."""
        self._last: dict[ResourceType, _Converted] = {}
        self._templates = {kind: xds_templates.Templates() for kind in _SHAPED}

    def convert(
        self, resources: Mapping[ResourceType, Sequence[JsonObject]]
    ) -> dict[ResourceType, dict[str, Resource]]:
        """Each kind's resources by name, converted to packed messages.

        Raises:
            errors.PublishError: a name is invalid or taken twice, or protobuf refuses a resource.
        """
        converted: dict[ResourceType, dict[str, Resource]] = {}
        done: dict[ResourceType, _Converted] = {}
        for kind, items in resources.items():
            done[kind] = self._kind(kind, items)
            converted[kind] = done[kind].by_name
        self._last.update(done)
        return converted

    def _kind(self, kind: ResourceType, items: Sequence[JsonObject]) -> _Converted:
        last = self._last.get(kind)
        if last is not None and items is last.items:
            return last
        ids = list(map(id, items))
        if last is not None and ids == last.ids:
            return _Converted(items, ids, last.by_name, last.by_id)
        before = last.by_id if last is not None else {}
        fresh = set(ids) - before.keys()
        by_id = dict(before) if fresh else before
        if fresh:
            templates = self._templates.get(kind)
            if templates is not None:
                templates.turn()
            known = self._known.setdefault(kind, {})
            position = dict(zip(ids, range(len(ids)), strict=True))
            for index in sorted(position[key] for key in fresh):
                resource = self._resource(kind, items[index], templates, known)
                by_id[ids[index]] = known[resource.digest] = resource
        ordered = list(map(by_id.__getitem__, ids))
        by_name = dict(zip(map(_NAME, ordered), ordered, strict=True))
        if len(by_name) != len(ordered):
            raise errors.PublishError(
                f"The snapshot has two {LABELS[kind]} named {_twice(ordered)!r}; names must be unique."
            )
        if fresh:  # the content known by digest is what is in use now
            self._known[kind] = {resource.digest: resource for resource in ordered}
        return _Converted(items, ids, by_name, dict(zip(ids, ordered, strict=True)))

    @staticmethod
    def _resource(
        kind: ResourceType,
        item: JsonObject,
        templates: xds_templates.Templates | None,
        known: Mapping[str, Resource],
    ) -> Resource:
        name = layout.check_name(name_of(kind, item))
        text = json.dumps(item, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()
        same = known.get(digest)
        if same is not None:  # the same content: the same name, body and references
            return same
        filed = "path_config_source" in text  # else over_ads would change nothing
        body = _pack(kind, name, item, templates, filed=filed)
        return Resource(name, digest, body, refers(kind, item))


def _twice(resources: Iterable[Resource]) -> str:
    """The first name that two of ``resources`` have."""
    seen: set[str] = set()
    for resource in resources:
        if resource.name in seen:
            return resource.name
        seen.add(resource.name)
    return ""


def over_ads(value: Any) -> Any:
    """``value`` with every config source that names a file replaced by the ADS stream."""
    if isinstance(value, dict):
        if "path_config_source" in value:
            return bootstrap.ads_source()
        return {key: over_ads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [over_ads(item) for item in value]
    return value


def _pack(
    kind: ResourceType,
    name: str,
    resource: JsonObject,
    templates: xds_templates.Templates | None = None,
    *,
    filed: bool = True,
) -> any_pb2.Any:
    def parse(value: Any) -> Any:
        message = _MESSAGES[kind]()
        json_format.ParseDict(value, message)
        return message

    try:
        sent = over_ads(resource) if filed else resource
        message = parse(sent) if templates is None else templates.convert(sent, name, parse)
    except json_format.ParseError as exc:
        # protobuf says "Failed to parse <field> field: " per level, then the fault, then the fields it knows.
        reason = _NESTING.sub("", str(exc).splitlines()[0]).rstrip(".")
        if "Can not find message descriptor" in reason:
            reason += "; the ADS server knows the typed configs listed in xds_resources._TYPED_CONFIGS"
        singular = LABELS[kind].removesuffix("s")
        raise errors.PublishError(f"The {singular} {name!r} cannot be sent to Envoy: {reason}.") from exc
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
