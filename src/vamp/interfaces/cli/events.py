"""``vamp emit`` and ``vamp events``: publish an event, read the newest ones, or follow them as they come.

Events carry tags (``deployments:sava`` also tags ``deployments``), a type (``event`` unless given) and
any value. ``--follow`` keeps the Server-Sent Events stream open until Ctrl-C.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from vamp.interfaces.cli import artifacts, client, output, tables

Tags = Annotated[list[str], typer.Option("--tag", "-t", metavar="TAG", help="A tag; repeat for several.")]
Type = Annotated[str | None, typer.Option("--type", metavar="TYPE", help="The event's type.")]


def emit(
    tags: Tags,
    type: Type = None,
    value: Annotated[
        str | None, typer.Option("--value", metavar="VALUE", help="The value: JSON, or else plain text.")
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Publish an event."""
    event: dict[str, Any] = {"tags": tags}
    if type is not None:
        event["type"] = type
    if value is not None:
        event["value"] = _value(value)
    with artifacts.calling(server, namespace) as api:
        stored = api.request("POST", "events", json.dumps(event), content_type=client.JSON)
        artifacts.show(stored, format, lambda: tables.events([stored]))


def events(
    tags: Tags = [],  # noqa: B006 (Typer reads the default, never changes it)
    type: Type = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing events as they come.")
    ] = False,
    limit: Annotated[
        int,
        typer.Option("--limit", min=1, max=client.PER_PAGE, help="How many of the newest events to show."),
    ] = client.PER_PAGE,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Show the newest events (with every --tag, of --type), or follow them."""
    params: dict[str, Any] = {"tag": tags}
    if type is not None:
        params["type"] = type
    with artifacts.calling(server, namespace) as api:
        if follow:
            try:
                for _, event in api.stream("events/stream", **params):
                    _print_one(event, format)
            except KeyboardInterrupt:
                return
            return
        found = api.get("events", **params, per_page=limit)
        artifacts.show(found, format, lambda: tables.events(reversed(found)))


def _print_one(event: Any, format: output.Format) -> None:
    if format is output.Format.TABLE:
        output.stdout.print("  ".join(cell for cell in tables.event_cells(event) if cell))
    elif format is output.Format.JSON:
        typer.echo(json.dumps(event))
    else:
        typer.echo("---")
        output.data(event, format)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
