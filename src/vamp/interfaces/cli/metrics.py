"""``vamp metrics gateway NAME``: what a gateway and each of its routes served, measured by the agents.

One row for the gateway and one per route: requests and their rate over the window, responses per
status class, latency percentiles and health. ``--watch`` redraws the table every two seconds (a live
Rich table) until Ctrl-C. A route nothing was measured for in the window shows dashes.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.live import Live

from vamp.interfaces.cli import artifacts, client, gateways, output, tables

app = typer.Typer(help="Traffic metrics, as the gateway agents measured them.", no_args_is_help=True)

REFRESH_SECONDS = 2.0


@app.command("gateway")
def gateway(
    name: Annotated[str, typer.Argument(help="The gateway, e.g. sava/9050 or sava/sava/webport.")],
    route: Annotated[
        str | None, typer.Option("--route", metavar="ROUTE", help="Only this route (full path or service).")
    ] = None,
    window: Annotated[
        float, typer.Option("--window", min=1, metavar="SECONDS", help="The window the numbers cover.")
    ] = 120.0,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Redraw every 2 s until Ctrl-C.")] = False,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Show a gateway's traffic, and each route's."""
    with artifacts.calling(server, namespace) as api:
        if not watch:
            rows = measured(api, name, route, window)
            artifacts.show(dict(rows), format, lambda: tables.metrics(rows))
            return
        try:
            with Live(tables.metrics(measured(api, name, route, window)), console=output.stdout) as live:
                while True:
                    time.sleep(REFRESH_SECONDS)
                    live.update(tables.metrics(measured(api, name, route, window)))
        except KeyboardInterrupt:
            return


def measured(api: client.Client, name: str, route: str | None, window: float) -> list[tuple[str, Any]]:
    """(name, summary or ``None``) for the gateway and each of its routes (or only ``route``)."""
    gateway = artifacts.read(api, "gateways", name)
    paths = list(gateway.get("routes") or {})
    if route is not None:
        paths = [gateways.resolve(name, gateway.get("routes") or {}, route)]
    base = f"metrics/gateways/{client.quoted(name)}"
    rows = [(name, _summary(api, base, window))] if route is None else []
    rows += [(path, _summary(api, f"{base}/routes/{client.quoted(path)}", window)) for path in paths]
    return rows


def _summary(api: client.Client, path: str, window: float) -> Any:
    try:
        return api.get(path, window=window)
    except client.ApiError as exc:
        if exc.status == 404:
            return None
        raise
