"""How the CLI shows artifacts to people: Rich tables built from the API's JSON answers (pure).

Deployments show the state of each service as users know it (``deployed``, ``updating``,
``undeploying``, ``failed``: ``vamp.core.deployments.status``) and the deployment's overall state;
gateways show their routes with weights, conditions and strengths; releases and workflows are shown by
``release_views`` and ``workflow_views``. Any other kind is a list of names (its details are for
``--output yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from vamp import errors
from vamp.core import dsl, model
from vamp.core.deployments import status
from vamp.interfaces.cli import release_views, workflow_views

JsonObject = Mapping[str, Any]

STATE_STYLES = {
    "deployed": "green",
    "deploying": "yellow",
    "updating": "yellow",
    "undeploying": "magenta",
    "failed": "bold red",
}


def deployment_model(data: JsonObject) -> model.Deployment:
    """A deployment as the API showed it, read back with the DSL.

    Raises:
        errors.DslError: the answer is not a deployment.
    """
    found = dsl.read_data(dict(data), kind="deployments")
    if len(found) != 1 or not isinstance(found[0], model.Deployment):
        raise errors.DslError.single("The server's answer is not one deployment.")
    return found[0]


def deployment_state(data: JsonObject) -> str:
    return status.deployment_state(deployment_model(data))


def services(data: JsonObject) -> list[tuple[str, str, str, str | None, int]]:
    """(cluster, breed, state, notification, instances) of every service of a deployment."""
    deployment = deployment_model(data)
    return [
        (
            cluster_name,
            service.breed.name or "",
            status.service_state(service.status),
            service.status.phase.notification,
            len(service.instances),
        )
        for cluster_name, cluster in deployment.clusters.items()
        for service in cluster.services
    ]


def _state(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


def deployments(items: Iterable[JsonObject]) -> Table:
    table = Table("NAME", "STATE", "SERVICES", "PORTS", box=None, pad_edge=False)
    for item in items:
        lines = Text("\n").join(
            Text.assemble(f"{cluster}/{breed} ", _state(state), f" ({count} running)")
            for cluster, breed, state, _, count in services(item)
        )
        ports = ", ".join(f"{name}={port}" for name, port in sorted(item.get("ports", {}).items()))
        table.add_row(str(item["name"]), _state(deployment_state(item)), lines, ports)
    return table


def deployment(data: JsonObject) -> RenderableType:
    heading = Text.assemble("Deployment ", (str(data["name"]), "bold"), ": ", _state(deployment_state(data)))
    table = Table("CLUSTER", "SERVICE", "STATE", "INSTANCES", "NOTE", box=None, pad_edge=False)
    for cluster_name, cluster in data.get("clusters", {}).items():
        for service in cluster.get("services", []):
            state = status.service_state(model.ServiceStatus.model_validate(service["status"]))
            instances = "\n".join(_instance(instance) for instance in service.get("instances", [])) or "-"
            note = service["status"]["phase"].get("notification") or ""
            table.add_row(cluster_name, service["breed"]["name"], _state(state), instances, note)
    parts: list[RenderableType] = [heading, table]
    ports = data.get("ports", {})
    if ports:
        parts.append(Text("Ports: " + ", ".join(f"{name}={port}" for name, port in sorted(ports.items()))))
    return Group(*parts)


def _instance(instance: JsonObject) -> str:
    ports = ", ".join(f"{name}={number}" for name, number in instance.get("ports", {}).items())
    return f"{instance['name']} {instance.get('host', '')} {ports}".strip()


def gateways(items: Iterable[JsonObject]) -> Table:
    table = Table("NAME", "PORT", "ROUTES", "DEPLOYED", box=None, pad_edge=False)
    for item in items:
        routes = "\n".join(
            f"{path} {route.get('weight') or '-'}{_condition(route)}" for path, route in _routes(item)
        )
        table.add_row(
            str(item["name"]), str(item.get("port") or "-"), routes or "-", _yes(item.get("deployed"))
        )
    return table


def gateway(data: JsonObject) -> RenderableType:
    service = data.get("service") or {}
    where = f"{service['host']}:{service['port']}" if service else "no port yet"
    heading = Text.assemble(
        "Gateway ",
        (str(data["name"]), "bold"),
        f" on {where}",
        "" if data.get("deployed") else " (not served)",
    )
    lines: list[RenderableType] = [heading]
    if data.get("refused"):
        lines.append(Text(f"Refused by a gateway agent: {data['refused']}", style="red"))
    if data.get("selector"):
        lines.append(Text(f"Selector: {data['selector']}"))
    if data.get("virtual_hosts"):
        lines.append(Text("Virtual hosts: " + ", ".join(data["virtual_hosts"])))
    lines.append(routes(data))
    return Group(*lines)


def routes(data: JsonObject) -> Table:
    table = Table("ROUTE", "WEIGHT", "CONDITION", "STRENGTH", "TARGETS", box=None, pad_edge=False)
    for path, route in _routes(data):
        condition = _condition_text(route)
        targets = "\n".join(_target(target) for target in route.get("targets", [])) or "-"
        strength = route.get("condition_strength") or ("100%" if condition else "")
        if not condition and strength == "0%":
            strength = ""  # what applies without a condition: nothing to show
        table.add_row(path, str(route.get("weight") or "-"), condition or "", strength, targets)
    return table


def _routes(data: JsonObject) -> list[tuple[str, JsonObject]]:
    found = data.get("routes") or {}
    return [(path, route if isinstance(route, Mapping) else {}) for path, route in found.items()]


def _condition_text(route: JsonObject) -> str | None:
    condition = route.get("condition")
    if isinstance(condition, Mapping):
        text = condition.get("condition") or condition.get("reference")
        return None if text is None else str(text)
    return None if condition is None else str(condition)


def _condition(route: JsonObject) -> str:
    condition = _condition_text(route)
    if not condition:
        return ""
    return f" if {condition} @ {route.get('condition_strength') or '100%'}"


def _target(target: JsonObject) -> str:
    if "url" in target:
        return str(target["url"])
    return f"{target.get('host')}:{target.get('port')}"


def _yes(value: object) -> str:
    return "yes" if value else "no"


def names(items: Iterable[JsonObject], columns: Sequence[tuple[str, str]] = ()) -> Table:
    """A table of names, and of the top-level fields ``columns`` names (heading, field)."""
    table = Table("NAME", *(heading for heading, _ in columns), box=None, pad_edge=False)
    for item in items:
        table.add_row(str(item.get("name", "")), *(_short(item.get(field)) for _, field in columns))
    return table


def _short(value: object) -> str:
    if isinstance(value, Mapping):
        if set(value) == {"type", "definition"}:
            return f"{value['type']}: {value['definition']}"
        return ", ".join(f"{key}={_short(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_short(item) for item in value)
    return "" if value is None else str(value)


def listing(kind: str, items: Sequence[JsonObject]) -> Table:
    """The table ``vamp list KIND`` shows."""
    if kind == "deployments":
        return deployments(items)
    if kind == "gateways":
        return gateways(items)
    if kind == "releases":
        return release_views.listing(items)
    if kind == "workflows":
        return workflow_views.listing(items)
    columns = {
        "breeds": (("DEPLOYABLE", "deployable"), ("PORTS", "ports")),
        "blueprints": (("CLUSTERS", "clusters"),),
        "conditions": (("CONDITION", "condition"),),
        "scales": (("CPU", "cpu"), ("MEMORY", "memory"), ("INSTANCES", "instances")),
    }.get(kind, ())
    if kind == "blueprints":
        items = [{**item, "clusters": list(item.get("clusters", {}))} for item in items]
    return names(items, columns)


def events(items: Iterable[JsonObject]) -> Table:
    table = Table("TIME", "TYPE", "TAGS", "VALUE", box=None, pad_edge=False)
    for item in items:
        table.add_row(*event_cells(item))
    return table


def event_cells(item: JsonObject) -> tuple[str, str, str, str]:
    given = [str(tag) for tag in item.get("tags", [])]
    # ``a:b`` is stored expanded to ``a`` and ``a:b``: the ``a`` it brought is not shown, a plain tag of its
    # own (``scheduled``, ``updated``) is.
    expanded = {tag.split(":", 1)[0] for tag in given if ":" in tag}
    tags = [tag for tag in given if tag not in expanded] or given
    value = item.get("value")
    shown = value if isinstance(value, str) else ("" if value is None else _short(value))
    return (str(item.get("timestamp", "")), str(item.get("type", "")), ", ".join(tags), _cut(shown, 60))


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def metrics(rows: Iterable[tuple[str, JsonObject | None]]) -> Table:
    """One row per gateway or route: its name and its summary (``None``: nothing measured)."""
    table = Table(
        "ROUTE", "REQUESTS", "RATE/S", "2XX", "4XX", "5XX", "P50 MS", "P95 MS", "P99 MS", "HEALTH",
        box=None, pad_edge=False,
    )  # fmt: skip
    for name, summary in rows:
        if summary is None:
            table.add_row(name, *(["-"] * 9))
            continue
        codes = summary.get("codes", {})
        table.add_row(
            name,
            str(summary["requests"]),
            f"{summary['rate']:.1f}",
            str(codes.get("2xx", 0)),
            str(codes.get("4xx", 0)),
            str(codes.get("5xx", 0)),
            *(_milliseconds(summary.get(key)) for key in ("p50", "p95", "p99")),
            f"{summary['health']:.0%}",
        )
    return table


def _milliseconds(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:.1f}"
