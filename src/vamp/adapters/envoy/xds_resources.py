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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
from vamp.adapters.envoy import bootstrap, layout, xds_templates
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
    """One resource ready to send: its name, a digest of its content, and the packed message."""

    name: str
    digest: str
    body: any_pb2.Any


def name_of(kind: ResourceType, resource: Mapping[str, Any]) -> str:
    """The name Envoy knows ``resource`` by: ``cluster_name`` for a load assignment, else ``name``."""
    return str(resource.get("cluster_name" if kind is ResourceType.ENDPOINTS else "name", ""))


class Converter:
    """Converts the resources of snapshots, reusing the previous call's conversion of equal content.

    A resource that is the very same object as one of the previous call (``render.Reuse`` hands the
    unchanged ones out again) is not even serialised to be digested: its conversion is taken as it is.
    The dictionaries converted must therefore not be changed afterwards.
    """

    def __init__(self) -> None:
        self._known: dict[str, any_pb2.Any] = {}
        self._same: dict[int, tuple[JsonObject, ResourceType, Resource]] = {}
        self._templates = {kind: xds_templates.Templates() for kind in _SHAPED}

    def convert(
        self, resources: Mapping[ResourceType, Iterable[JsonObject]]
    ) -> dict[ResourceType, dict[str, Resource]]:
        """Each kind's resources by name, converted to packed messages.

        Raises:
            errors.PublishError: a name is invalid or taken twice, or protobuf refuses a resource.
        """
        known, self._known = self._known, {}
        same, self._same = self._same, {}
        for templates in self._templates.values():
            templates.turn()
        converted: dict[ResourceType, dict[str, Resource]] = {}
        for kind, items in resources.items():
            by_name: dict[str, Resource] = {}
            for item in items:
                last = same.get(id(item))
                if last is not None and last[0] is item and last[1] is kind:
                    resource = last[2]  # named and checked when it was converted
                else:
                    name = layout.check_name(name_of(kind, item))
                    text = json.dumps(item, sort_keys=True)
                    digest = hashlib.sha256(text.encode()).hexdigest()
                    body = self._known.get(digest) or known.get(digest)
                    if body is None:
                        filed = "path_config_source" in text  # else over_ads would change nothing
                        body = _pack(kind, name, item, self._templates.get(kind), filed=filed)
                    resource = Resource(name, digest, body)
                if resource.name in by_name:
                    raise errors.PublishError(
                        f"The snapshot has two {LABELS[kind]} named {resource.name!r}; names must be unique."
                    )
                self._known[resource.digest] = resource.body
                self._same[id(item)] = (item, kind, resource)
                by_name[resource.name] = resource
            converted[kind] = by_name
        return converted


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
