"""``vamp update-gateway``: move traffic between routes by weight, or send matching requests by condition.

The gateway is read, changed and sent back whole (``PUT /gateways/NAME``), as Vamp's CLI did; the server
checks the result (weights total 0 % or 100 %, a condition parses) and answers with its message when it
does not hold. Routes may be named in full or, on a deployment's internal gateway, by service:
``sava:1.1.0`` on ``sava/sava/webport`` is ``sava/sava/sava:1.1.0/webport``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from vamp.interfaces.cli import artifacts, client, output, tables


def update_gateway(
    name: Annotated[str, typer.Argument(help="The gateway, e.g. sava/sava/webport or sava/9050.")],
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights", metavar="ROUTE@N%,...", help="New weights, e.g. sava:1.0.0@90%,sava:1.1.0@10%."
        ),
    ] = None,
    route: Annotated[
        str | None,
        typer.Option("--route", metavar="ROUTE", help="The route --condition and --strength change."),
    ] = None,
    condition: Annotated[
        str | None,
        typer.Option("--condition", metavar="EXPR", help="e.g. 'user-agent == Firefox'; '' removes it."),
    ] = None,
    strength: Annotated[
        str | None,
        typer.Option("--strength", metavar="N%", help="The share of matching requests the route takes."),
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Change a gateway's route weights, or a route's condition and its strength."""
    if route is None and (condition is not None or strength is not None):
        output.fail("--condition and --strength change one route: name it with --route.")
    if weights is None and route is None:
        output.fail(
            "Say what to change: --weights ROUTE@N%,... or --route ROUTE with --condition/--strength."
        )
    if route is not None and condition is None and strength is None:
        output.fail(f"Say what to change on route '{route}': --condition EXPR and/or --strength N%.")
    with artifacts.calling(server, namespace) as api:
        gateway = artifacts.read(api, "gateways", name)
        routes = gateway.get("routes") or {}
        for given, weight in _weights(weights or ""):
            routes[resolve(name, routes, given)]["weight"] = weight
        if route is not None:
            changed = routes[resolve(name, routes, route)]
            if condition is not None:
                if strength is None and changed.get("condition") is None:
                    # A route without a condition is shown at 0 %: a new condition takes its default, 100 %.
                    changed.pop("condition_strength", None)
                changed["condition"] = {"condition": condition} if condition.strip() else None
            if strength is not None:
                changed["condition_strength"] = strength
        body = json.dumps(gateway)
        updated = api.request("PUT", client.path("gateways", name), body, content_type=client.JSON)
        artifacts.show(updated, format, lambda: tables.gateway(updated))


def resolve(gateway: str, routes: dict[str, Any], given: str) -> str:
    """The full path of the route ``given`` names: itself, or a service's route on an internal gateway."""
    if given in routes:
        return given
    segments = gateway.split("/")
    if len(segments) == 3:
        deployment, cluster, port = segments
        full = f"{deployment}/{cluster}/{given}/{port}"
        if full in routes:
            return full
    known = ", ".join(routes) or "none"
    raise client.ApiError(f"Gateway '{gateway}' has no route '{given}'; its routes are: {known}.")


def _weights(text: str) -> list[tuple[str, str]]:
    """``a@90%,b@10%`` as (route, weight) pairs."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        route, at, weight = item.rpartition("@")
        if not at or not route or not weight:
            output.fail(f"Cannot read the weight {item!r}: write ROUTE@N%, e.g. sava:1.1.0@10%.")
        pairs.append((route, weight if weight.endswith("%") else f"{weight}%"))
    return pairs
