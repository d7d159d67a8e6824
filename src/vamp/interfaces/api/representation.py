"""Artifacts as the API shows them: canonical data (``dsl.to_data``) plus Vamp's output-only fields.

A gateway also shows its ``lookup_name`` (a stable hash of its name, vamp.md §1.1), whether it is
``internal``, whether the current routing plan serves it (``deployed``: not when a gateway agent's data
plane refused it, and then ``refused`` says why), where it is reached
(``service``: the address of its Service on Kubernetes, else the gateway host and its port), and per
inline route a ``lookup_name`` and the ``targets`` the plan sends its traffic to. A condition (stored, or
inline in a route) that holds a raw HAProxy condition ``< … >`` gets a ``note``: it runs only on the
HAProxy data plane. The DSL accepts and ignores all of these, so what GET shows can be sent back with
PUT. A deployment shows its ``lookup_name`` too, and so do its clusters' routes (the same as their
gateway's); ``only_references`` shows its services' breeds by name. Every artifact also shows the fields
Vamp always writes, at their defaults (``always_written``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vamp import errors
from vamp.core import condition, dsl, model
from vamp.core.condition import raw_acl
from vamp.core.reconcile import gateways as gateway_decisions
from vamp.core.routing import plan as routing_plan
from vamp.interfaces.api import always_written
from vamp.ports import exposure


def artifact(found: model.Artifact) -> dict[str, Any]:
    data = always_written.complete(dsl.to_data(found))
    if isinstance(found, model.Condition) and _haproxy_only(found.definition):
        data["note"] = raw_acl.NOTE
    return data


def deployment(found: model.Deployment, *, only_references: bool = False) -> dict[str, Any]:
    data = always_written.complete(dsl.to_data(found))
    data["lookup_name"] = gateway_decisions.lookup_name(found.kind, found.name)
    for cluster_name, cluster in data["clusters"].items():
        for port, gateway in cluster["gateways"].items():
            _route_lookup_names(gateway, f"{found.name}/{cluster_name}", port)
    if only_references:
        for cluster in data["clusters"].values():
            for service in cluster["services"]:
                service["breed"] = {"reference": service["breed"]["name"]}
    return data


def _route_lookup_names(gateway: dict[str, Any], cluster: str, port: str) -> None:
    """The lookup names of a cluster gateway's routes (keyed by service), as its gateway shows them."""
    for service, route in gateway["routes"].items():
        if "reference" not in route:
            path = f"{cluster}/{service}/{port}"
            route["lookup_name"] = gateway_decisions.lookup_name("routes", f"{cluster}/{port}//{path}")


class GatewayViews:
    """Shows gateways against one routing plan (``None``: none compiled yet), the gateway host, the
    addresses the runtime exposes gateways at (by gateway name; they win over the gateway host), and why
    gateway agents refused gateways (by gateway name)."""

    def __init__(
        self,
        plan: routing_plan.RoutingPlan | None,
        host: str,
        addresses: Mapping[str, exposure.ServiceAddress] | None = None,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        self._host = host
        self._addresses = addresses or {}
        self._refused = refused or {}
        self._served: set[str] = set()
        self._clusters: dict[str, routing_plan.TargetCluster] = {}
        if plan is not None:
            self._served = {
                virtual_host.gateway for listener in plan.listeners for virtual_host in listener.virtual_hosts
            }
            self._clusters = {cluster.name: cluster for cluster in plan.clusters}

    def gateway(self, gateway: model.Gateway) -> dict[str, Any]:
        name = gateway.name or ""
        data = always_written.complete(dsl.to_data(gateway))
        data["lookup_name"] = gateway_decisions.lookup_name(gateway.kind, name)
        data["internal"] = gateway.internal
        data["deployed"] = name in self._served and name not in self._refused
        if name in self._refused:
            data["refused"] = self._refused[name]
        number = gateway.port.number
        address = self._addresses.get(name)
        if address is not None:
            data["service"] = {"host": address.host, "port": str(address.port)}
        else:
            data["service"] = None if number is None else {"host": self._host, "port": str(number)}
        for path, route in data["routes"].items():
            if "reference" in route:
                continue
            route["lookup_name"] = gateway_decisions.lookup_name("routes", f"{name}//{path}")
            cluster = self._clusters.get(f"{name}//{path}")
            route["targets"] = [] if cluster is None else [_target(cluster, end) for end in cluster.endpoints]
            inline = route.get("condition")
            if isinstance(inline, dict) and _haproxy_only(inline.get("condition")):
                route["note"] = raw_acl.NOTE
        return data


def _haproxy_only(text: object) -> bool:
    """Whether the condition ``text`` holds a raw HAProxy condition (which only HAProxy runs)."""
    if not isinstance(text, str) or not text:
        return False
    try:
        return condition.compile(text).haproxy_only
    except errors.ConditionSyntaxError:
        return False


def _target(cluster: routing_plan.TargetCluster, endpoint: routing_plan.Endpoint) -> dict[str, Any]:
    if cluster.external:
        return {"url": f"{endpoint.host}:{endpoint.port}"}
    return {"name": endpoint.instance, "host": endpoint.host, "port": endpoint.port}


def cluster_sla(sla: model.Sla | model.SlaReference | model.Ref) -> dict[str, Any]:
    if isinstance(sla, model.Sla):
        return always_written.complete(dsl.to_data(sla))
    return {"reference": sla.name}


def event(found: model.Event) -> dict[str, Any]:
    return dsl.event_to_data(found)
