"""``vamp list``, ``describe``, ``create`` and ``delete``: artifacts of every kind, through the REST API.

Kinds are named as the API names them (``breeds``, ``gateways``…), or in the singular. What the server
refuses is shown as its own message on one line, exit code 1 (``calling``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from vamp import errors
from vamp.interfaces.cli import client, documents, output, release_views, tables

KINDS = (
    "deployments",
    "gateways",
    "blueprints",
    "breeds",
    "scales",
    "slas",
    "escalations",
    "conditions",
    "routes",
    "rewrites",
    "templates",
    "workflows",
    "releases",
)

Kind = Annotated[str, typer.Argument(metavar="KIND", help=f"One of: {', '.join(KINDS)}.")]
Name = Annotated[str, typer.Argument(metavar="NAME", help="The artifact's name.")]


@contextlib.contextmanager
def calling(server: str, namespace: str | None) -> Iterator[client.Client]:
    """A client of the server; any error inside ends the command with its message and exit code 1."""
    try:
        with client.Client(server, namespace) as api:
            yield api
    except errors.VampError as exc:
        output.fail(str(exc).strip() or type(exc).__name__)


def kind_of(text: str) -> str:
    """The API's name of a kind given in the plural or the singular, in any case."""
    name = text.strip().lower()
    plural = name if name.endswith("s") else f"{name}s"
    if plural not in KINDS:
        output.fail(f"Unknown kind {text!r}; the kinds are: {', '.join(KINDS)}.")
    return plural


def show(value: Any, format: output.Format, table: Any) -> None:
    """Print ``value`` as YAML or JSON, or ``table()`` for people."""
    if format is output.Format.TABLE:
        output.stdout.print(table())
    else:
        output.data(value, format)


def list_(
    kind: Kind,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """List the artifacts of a kind: deployments with each service's state, gateways with their routes."""
    kind = kind_of(kind)
    with calling(server, namespace) as api:
        items = api.everything(client.path(kind))
        show(items, format, lambda: tables.listing(kind, items))


def describe(
    kind: Kind,
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Show one artifact: a deployment's services and instances, a gateway's routes, any other as YAML."""
    kind = kind_of(kind)
    with calling(server, namespace) as api:
        found = read(api, kind, name)
        if kind == "deployments":
            show(found, format, lambda: tables.deployment(found))
        elif kind == "gateways":
            show(found, format, lambda: tables.gateway(found))
        elif kind == "releases":
            show(found, format, lambda: release_views.status(found, datetime.now(UTC)))
        else:
            output.data(found, output.Format.JSON if format is output.Format.JSON else output.Format.YAML)


def read(api: client.Client, kind: str, name: str) -> Any:
    """One artifact as the API shows it; a missing one ends the command saying how to find the names."""
    try:
        return api.get(client.path(kind, name))
    except client.ApiError as exc:
        if exc.status == 404:
            raise client.ApiError(
                f"There is no {kind.removesuffix('s')} '{name}'; `vamp list {kind}` shows the names.", 404
            ) from exc
        raise


def create(
    files: Annotated[
        list[str],
        typer.Option(
            "--file",
            "-f",
            help="A YAML or JSON file of artifacts, each with its kind; '-' reads standard input.",
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="The kind of every artifact in the files, when they do not say it."),
    ] = None,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
    format: client.Output = output.Format.TABLE,
) -> None:
    """Create or update the artifacts in files (breeds, blueprints, gateways…); nothing is deployed."""
    target = client.path(kind_of(kind)) if kind else ""
    with calling(server, namespace) as api:
        stored: list[Any] = []
        for name in files:
            stored += api.request("POST", target, documents.read_source(name)) or []
        show(stored, format, lambda: tables.names(stored, (("KIND", "kind"),)))


def delete(
    kind: Kind,
    name: Name,
    server: client.Server = client.DEFAULT_SERVER,
    namespace: client.Namespace = None,
) -> None:
    """Delete an artifact (a deployment is undeployed whole: see `vamp undeploy`)."""
    kind = kind_of(kind)
    if kind == "deployments":
        output.fail(f"A deployment is removed by undeploying it: vamp undeploy {name}")
    with calling(server, namespace) as api:
        api.request("DELETE", client.path(kind, name))
        output.stdout.print(f"Deleted {kind.removesuffix('s')} '{name}'.")
